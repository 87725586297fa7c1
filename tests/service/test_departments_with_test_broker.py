"""Service tests: the real subscribers and delivery policy on FastStream's in-memory TestKafkaBroker."""

from datetime import UTC, datetime
from typing import Any, cast
from uuid import uuid4

import pytest
from faststream.kafka import TestKafkaBroker

from contracts.events import (
    Artefact,
    DepartmentStatus,
    DepartmentStatusChanged,
    RegistrationSubmitted,
    decided_fact,
)
from contracts.topics import (
    DEPARTMENT_DECIDED,
    DEPARTMENT_STATUS,
    dead_letter_topic,
    submitted_topic,
)
from service_runtime.host import Runtime, build_runtime
from service_runtime.settings import Settings
from services.credit.rules import CREDIT
from services.department.handlers import build_desk, subscribe_department
from services.department.kit import DepartmentSpec
from services.department.store import MongoCaseStore
from services.tax.rules import TAX
from tests.support.events import submitted_event, view_for
from tests.support.in_memory_cases import InMemoryCaseStore


def wire(runtime: Runtime[Settings], spec: DepartmentSpec) -> InMemoryCaseStore:
    store = InMemoryCaseStore(spec.name, runtime.publish)
    # build_desk takes a MongoCaseStore; what these tests drive uses only what this one has.
    desk = build_desk(
        runtime.settings, spec, cast("MongoCaseStore", store), lambda: datetime.now(UTC)
    )
    subscribe_department(runtime, desk, store)
    return store


@pytest.fixture
def runtime() -> Runtime[Settings]:
    return build_runtime(Settings(KAFKA_BOOTSTRAP_SERVERS="test:9092", DELIVERY_BACKOFF_MS=0))


def submitted(form: dict[str, Any]) -> RegistrationSubmitted:
    return submitted_event(form)


async def test_tax_waits_for_the_market_and_credit_then_approves(
    runtime: Runtime[Settings], sample_form: dict[str, Any]
) -> None:
    wire(runtime, TAX)
    statuses: list[DepartmentStatusChanged] = []

    @runtime.broker.subscriber(DEPARTMENT_STATUS, group_id="test-observer")
    async def observe(event: DepartmentStatusChanged) -> None:
        statuses.append(event)

    event = submitted(sample_form)
    # The market's decision is published by hand, after the form: the in-memory broker would
    # otherwise decide the order of two subscribers' deliveries, and the test with it.
    licence = Artefact(
        kind="unified_social_credit_code", number="91440115MA5TEST001", label_zh="统一社会信用代码"
    )
    market_approved = DepartmentStatusChanged(
        event_id=uuid4(),
        source="market",
        occurred_at=datetime.now(UTC),
        registration_id=event.registration_id,
        department="market",
        status=DepartmentStatus.APPROVED,
        sequence=0,
        decided_by="rules",
        artefacts=(licence,),
    )
    async with TestKafkaBroker(runtime.broker) as broker:
        topic, view = view_for("tax", event)
        await broker.publish(view, topic, key=b"k")
        tax = [s.status.value for s in statuses if s.department == "tax"]
        assert tax == []  # rules passed; it waits silently for the market's decision
        fact = decided_fact(market_approved)
        await broker.publish(fact.model_dump_json().encode(), DEPARTMENT_DECIDED)
        assert [s for s in statuses if s.department == "tax"] == []  # credit has not decided
        credit = decided_fact(
            market_approved.model_copy(
                update={
                    "event_id": uuid4(),
                    "source": "credit",
                    "department": "credit",
                    "artefacts": (),
                }
            )
        )
        await broker.publish(credit.model_dump_json().encode(), DEPARTMENT_DECIDED)
        await broker.publish(view, topic, key=b"k")

    tax_events = [s for s in statuses if s.department == "tax"]
    assert [s.status.value for s in tax_events] == ["approved"]  # the replay: nothing
    # Tax issued only once it knew the market's decision: it registers under the market's code.
    issued = {a.kind: a.number for a in tax_events[-1].artefacts}
    assert issued["taxpayer_identification_number"] == licence.number
    assert {s.registration_id for s in statuses} == {event.registration_id}


async def test_a_poison_message_is_dead_lettered_and_the_next_one_is_processed(
    runtime: Runtime[Settings], sample_form: dict[str, Any]
) -> None:
    store = wire(runtime, CREDIT)
    letters: list[dict[str, Any]] = []

    @runtime.broker.subscriber(dead_letter_topic(submitted_topic("credit")), group_id="test-dlq")
    async def dead(body: dict[str, Any]) -> None:
        letters.append(body)

    async with TestKafkaBroker(runtime.broker) as broker:
        topic = submitted_topic("credit")
        await broker.publish(b'{"event_type": "registration.submitted.credit.v1"}', topic)
        event = submitted(sample_form)
        await broker.publish(view_for("credit", event)[1], topic)

    assert [(x["consumer_group"], x["error_type"]) for x in letters] == [
        ("department.credit", "ValidationError")
    ]
    assert event.registration_id in store.cases
