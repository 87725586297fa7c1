"""One registry maps each topic to its model; decoders and the contract files come from it."""

import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from pydantic import ValidationError

from contracts.events import DepartmentStatus, DepartmentStatusChanged, RegistrationWithdrawn
from contracts.export import TOPIC_EVENTS
from contracts.registry import REGISTRY, EventRegistry, decoder_for_subscription
from contracts.topics import DEPARTMENT_STATUS, REGISTRATION_WITHDRAWN
from contracts.topology import TOPOLOGY


def withdrawn() -> RegistrationWithdrawn:
    return RegistrationWithdrawn(
        event_id=uuid4(),
        source="registration",
        occurred_at=datetime(2026, 12, 3, tzinfo=UTC),
        registration_id="ab" * 16,
    )


def test_every_topic_a_subscription_reads_has_its_model_in_the_registry() -> None:
    read = {t for s in TOPOLOGY.subscriptions for t in s.topics if not t.endswith(".dlq")}
    assert read - set(REGISTRY.events) == set()
    assert TOPIC_EVENTS is REGISTRY.events  # the contract files are made from the same map


def test_each_shared_model_names_its_own_topic_as_its_event_type() -> None:
    for topic, model in REGISTRY.events.items():
        if not topic.startswith("registration.submitted.") and not topic.startswith(
            "registration.corrected."
        ):
            assert model.model_fields["event_type"].default == topic


def test_a_decoder_takes_the_events_of_its_topics_and_refuses_others() -> None:
    decode = REGISTRY.decoder([REGISTRATION_WITHDRAWN])
    event = withdrawn()
    assert decode(event.model_dump_json().encode()) == event
    status = {**json.loads(event.model_dump_json()), "event_type": DEPARTMENT_STATUS}
    with pytest.raises(ValidationError):
        decode(json.dumps(status).encode())


def test_an_upcaster_turns_an_older_version_into_the_current_one_before_validation() -> None:
    def from_v0(
        old: dict[str, Any],
    ) -> dict[str, Any]:  # a made-up v0 that called the department "dept"
        new = {k: v for k, v in old.items() if k != "dept"}
        return {**new, "event_type": DEPARTMENT_STATUS, "department": old["dept"]}

    registry = EventRegistry(upcasters={"department.status.v0": from_v0})
    current = DepartmentStatusChanged(
        event_id=uuid4(),
        source="tax",
        occurred_at=datetime(2026, 12, 3, tzinfo=UTC),
        registration_id="cd" * 16,
        department="tax",
        status=DepartmentStatus.APPROVED,
        sequence=0,
        decided_by="rules",
    )
    old = json.loads(current.model_dump_json())
    old["event_type"], old["dept"] = "department.status.v0", old.pop("department")
    decode = registry.decoder(TOPOLOGY.subscription_for("notifier.notifications").topics)
    assert decode(json.dumps(old).encode()) == current
    assert decode(current.model_dump_json().encode()) == current  # the current one untouched
    with pytest.raises(ValidationError):  # without the upcaster the old shape is refused
        decoder_for_subscription("notifier.notifications")(json.dumps(old).encode())
