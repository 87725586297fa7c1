"""What the audit log keeps of each event: decisions with their rules, never personal data."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from contracts.events import RegistrationWithdrawn
from services.notifier.audit_records import body_for, decode_audited
from tests.support.events import status_event, submitted_event, view_for


def test_a_decision_keeps_who_decided_each_rule_and_its_outcome() -> None:
    event = status_event("tax", "approved")
    body = body_for(event)
    assert body is not None
    assert body["kind"] == "department.decision"
    assert (body["department"], body["status"], body["decided_by"]) == ("tax", "approved", "rules")
    assert body["rules"] == [{"rule": "r", "passed": False}]
    assert body["registration_id"] == event.registration_id
    assert body["event_id"] == str(event.event_id)


def test_a_status_that_is_not_a_decision_is_not_recorded() -> None:
    assert body_for(status_event("tax", "received")) is None
    assert body_for(status_event("tax", "waiting")) is None


def test_a_submission_is_recorded_without_the_form(sample_form: dict[str, Any]) -> None:
    event = submitted_event(sample_form)
    _, raw = view_for("notifier", event)
    body = body_for(decode_audited(raw))
    assert body is not None
    assert body["kind"] == "registration.submitted"
    dumped = json.dumps(body, ensure_ascii=False)
    person = sample_form["legal_representative"]
    for value in (person["name"], person["id_number"], person["mobile"], person["email"]):
        assert value not in dumped


def test_a_withdrawal_keeps_that_a_reason_was_given_not_the_reason() -> None:
    event = RegistrationWithdrawn(
        event_id=uuid4(),
        source="registration",
        occurred_at=datetime.now(UTC),
        registration_id=uuid4().hex,
        reason="法定代表人张三身体原因",
    )
    body = body_for(event)
    assert body is not None
    assert body["kind"] == "registration.withdrawn"
    assert body["reason_given"] is True
    assert "张三" not in json.dumps(body, ensure_ascii=False)
