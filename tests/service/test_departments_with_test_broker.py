"""Service tests: the real subscribers and delivery policy on FastStream's in-memory TestKafkaBroker."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from faststream.kafka import TestKafkaBroker

from contracts.events import DepartmentStatusChanged, RegistrationSubmitted
from contracts.form import RegistrationForm
from contracts.topics import DEPARTMENT_STATUS, REGISTRATION_SUBMITTED, dead_letter_topic
from service_runtime.host import build_runtime
from service_runtime.outbox import Stored
from service_runtime.settings import Settings
from services.department.handlers import subscribe_department
from services.tax.rules import TAX


class InMemoryCaseStore:
    """Same contract as MongoCaseStore: first write wins, pending events are published once."""

    def __init__(self, publish):
        self.cases = {}
        self._publish = publish

    async def record_decisions(self, decisions):
        new = []
        for decision in decisions:
            rid = decision[-1].registration_id
            if rid not in self.cases:
                self.cases[rid] = decision
                new.append(Stored(rid, 1, list(decision)))
        return new

    async def publish(self, stored):
        for item in stored:
            for event in item.entries:
                await self._publish(
                    DEPARTMENT_STATUS, item.document_id, event.model_dump_json().encode(), {}
                )


@pytest.fixture
def runtime():
    return build_runtime(Settings(KAFKA_BOOTSTRAP_SERVERS="test:9092", DELIVERY_BACKOFF_MS=0))


def submitted(form):
    return RegistrationSubmitted(
        event_id=uuid4(),
        source="registration",
        occurred_at=datetime.now(UTC),
        registration_id=uuid4().hex,
        form=RegistrationForm.model_validate(form),
    )


async def test_tax_receives_the_fact_and_publishes_received_then_approved(runtime, sample_form):
    store = InMemoryCaseStore(runtime.publish)
    subscribe_department(runtime, TAX, store)
    statuses = []

    @runtime.broker.subscriber(DEPARTMENT_STATUS, group_id="test-observer")
    async def observe(event: DepartmentStatusChanged) -> None:
        statuses.append(event)

    async with TestKafkaBroker(runtime.broker) as broker:
        event = submitted(sample_form)
        await broker.publish(event.model_dump_json().encode(), REGISTRATION_SUBMITTED, key=b"k")
        await broker.publish(event.model_dump_json().encode(), REGISTRATION_SUBMITTED, key=b"k")

    assert [(s.department, s.status.value) for s in statuses] == [
        ("tax", "received"),
        ("tax", "approved"),
    ]
    assert statuses[1].registration_id == event.registration_id


async def test_a_poison_message_is_dead_lettered_and_the_next_one_is_processed(
    runtime, sample_form
):
    store = InMemoryCaseStore(runtime.publish)
    subscribe_department(runtime, TAX, store)
    letters = []

    @runtime.broker.subscriber(dead_letter_topic(REGISTRATION_SUBMITTED), group_id="test-dlq")
    async def dead(body: dict) -> None:
        letters.append(body)

    async with TestKafkaBroker(runtime.broker) as broker:
        await broker.publish(b'{"event_type": "registration.submitted.v1"}', REGISTRATION_SUBMITTED)
        event = submitted(sample_form)
        await broker.publish(event.model_dump_json().encode(), REGISTRATION_SUBMITTED)

    assert [(x["consumer_group"], x["error_type"]) for x in letters] == [
        ("department.tax", "ValidationError")
    ]
    assert event.registration_id in store.cases
