"""Thin subscriber: submitted fact in, decision stored with its events, events relayed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

import structlog

from contracts.events import RegistrationSubmitted
from contracts.topology import subscription_for
from service_runtime.delivery import Decoded
from service_runtime.host import Component, Runtime
from services.department.decide import decide
from services.department.kit import DepartmentSpec
from services.department.store import CaseStore, MongoCaseStore

log = structlog.get_logger("department")


def when_registration_submitted_decide(
    spec: DepartmentSpec, store: CaseStore, clock: Callable[[], datetime]
) -> Callable[[Sequence[Decoded[RegistrationSubmitted]]], Awaitable[None]]:
    async def handle(batch: Sequence[Decoded[RegistrationSubmitted]]) -> None:
        now = clock()
        decisions = [decide(spec, item.event, now) for item in batch]
        stored = await store.record_decisions(decisions)
        for received, decision in decisions:
            log.info(
                "department_decided",
                department=spec.name,
                registration_id=received.registration_id,
                status=decision.status.value,
            )
        await store.publish(stored)

    return handle


def subscribe_department(runtime: Runtime, spec: DepartmentSpec, store: CaseStore) -> None:
    subscription = subscription_for(spec.name)
    runtime.subscribe_batches(
        topics=subscription.topics,
        group=subscription.group_id,
        decode=RegistrationSubmitted.model_validate_json,
        handle=when_registration_submitted_decide(spec, store, lambda: datetime.now(UTC)),
        name=f"when_registration_submitted_decide_{spec.name}",
    )


def department_component(spec: DepartmentSpec) -> Component:
    async def setup(runtime: Runtime) -> None:
        database = runtime.database(spec.name)
        relay = runtime.outbox_relay(database, MongoCaseStore.collection_name)
        await database[MongoCaseStore.collection_name].create_index("outbox_pending")
        subscribe_department(runtime, spec, MongoCaseStore(database, relay))

    return setup
