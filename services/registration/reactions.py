"""How the registration authority reacts to the departments and the notifier.

One consumer group: it issues the licence on market approval, records what a department asked
to have corrected, learns completion (so a completed registration cannot be corrected, only
changed), and re-issues the licence once every department a change touches has decided.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from contracts.changes import ChangeDecided
from contracts.events import (
    DepartmentStatus,
    DepartmentStatusChanged,
    RegistrationCompleted,
)
from contracts.permits import PermitStatusChanged
from contracts.registry import decoder_for_subscription
from contracts.topology import TOPOLOGY
from service_runtime.delivery import Decoded
from service_runtime.host import Runtime
from service_runtime.mongo import Document
from service_runtime.settings import RegistrationSettings
from services.department.handlers import DepartmentDesk
from services.registration.changes import ChangeStore
from services.registration.licences import when_market_approves_issue_licence
from services.registration.permits import PermitStore
from services.registration.store import MongoRegistrationStore

Handler = Callable[[Sequence[Decoded[Any]]], Awaitable[None]]


def requested_paths(event: DepartmentStatusChanged) -> list[str]:
    """The fields the officer named; without any, everything the department sees."""
    named = [r.field_path for r in event.reasons if r.rule.startswith("officer_") and r.field_path]
    return named or list(TOPOLOGY.projections.get(event.department, ()))


def when_departments_report_update_the_registration(
    store: MongoRegistrationStore,
    issue_licences: Handler,
    permits: PermitStore,
    changes: ChangeStore,
) -> Handler:
    async def handle(batch: Sequence[Decoded[Any]]) -> None:
        await issue_licences(batch)
        events = [item.event for item in batch]
        await permits.record_decisions([e for e in events if isinstance(e, PermitStatusChanged)])
        decided = [e for e in events if isinstance(e, ChangeDecided)]
        if decided:
            await changes.record_decisions(decided, datetime.now(UTC))
        requests = [
            e
            for e in events
            if isinstance(e, DepartmentStatusChanged)
            and e.status == DepartmentStatus.CORRECTION_REQUESTED
        ]
        for request in requests:
            await store.record_correction_request(
                request.registration_id, request.department, requested_paths(request)
            )
        completed = [e.registration_id for e in events if isinstance(e, RegistrationCompleted)]
        if completed:
            await store.mark_completed(completed)
        refused = [
            e.registration_id
            for e in events
            if isinstance(e, DepartmentStatusChanged)
            and e.status == DepartmentStatus.REJECTED
            and e.department in TOPOLOGY.required
        ]
        if refused:
            await store.release_rejected(refused)

    return handle


def subscribe_reactions(
    runtime: Runtime[RegistrationSettings],
    store: MongoRegistrationStore,
    market: DepartmentDesk | None,
) -> tuple[AsyncCollection[Document], PermitStore, ChangeStore]:
    """Subscribe the reactions; returns the licences they issue, which the public can verify,
    the post-licence permits pushed with each, and the changes that re-issue them.

    `market` is None when an outside system decides for the market: then no approval is on
    record here to check a licence against.
    """

    async def market_record(registration_ids: Sequence[str]) -> dict[str, list[Any]] | None:
        return None if market is None else await market.store.approvals_on_record(registration_ids)

    database = runtime.database("registration")
    licences = database["licences"]
    permits = PermitStore(
        database, runtime.outbox_relay(database, PermitStore.collection_name), licences
    )
    secret = runtime.settings.licence_signing_key.get_secret_value()
    changes = ChangeStore(store, database, licences, secret, permits.notice)
    runtime.subscribe_batches(
        TOPOLOGY.subscription_for("registration"),
        decode=decoder_for_subscription("registration"),
        handle=when_departments_report_update_the_registration(
            store,
            when_market_approves_issue_licence(
                store, licences, secret, market_record, permits.notice
            ),
            permits,
            changes,
        ),
        name="when_departments_report_update_the_registration",
        background=True,  # licences and bookkeeping: not what the enterprise's live page waits on
    )
    return licences, permits, changes
