"""A permit's state on the timeline, folded from the submission and the department's steps,
which come on different topics and so in any order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import permutations
from uuid import UUID, uuid4

from contracts.events import Reason
from contracts.permits import (
    PermitKind,
    PermitState,
    PermitStatusChanged,
    PermitSubmission,
    PermitSubmitted,
)
from services.notifier.permit_view import PermitEvent, latest_permits

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
RID, USCC, HOTEL = "a" * 32, "91440115MA59L2XJ8W", "PL013"
REFUSAL = Reason(rule="officer", passed=False, message_zh="材料缺失", message_en="papers missing")


def submitted(at: datetime) -> PermitSubmitted:
    return PermitSubmitted(
        event_id=uuid4(),
        source="registration",
        occurred_at=at,
        registration_id=RID,
        unified_social_credit_code=USCC,
        enterprise_name="示例",
        permit_id=HOTEL,
        kind=PermitKind.APPLICATION,
        department="police",
        time_limit_working_days=20,
        submission=PermitSubmission(
            premises_address="广州市南沙区港前大道1号", commitment_signed=False
        ),
    )


def step(submission: UUID, state: PermitState, at: datetime) -> PermitStatusChanged:
    return PermitStatusChanged(
        event_id=uuid4(),
        source="police",
        occurred_at=at,
        registration_id=RID,
        submission_id=submission,
        unified_social_credit_code=USCC,
        permit_id=HOTEL,
        department="police",
        state=state,
        decided_by="officer",
        deadline_at=at + timedelta(days=28) if state == PermitState.IN_REVIEW else None,
        reasons=(REFUSAL,) if state == PermitState.REJECTED else (),
    )


def refused_then_resubmitted() -> tuple[list[PermitEvent], UUID]:
    first = submitted(T0)
    second = submitted(T0 + timedelta(minutes=10))
    events: list[PermitEvent] = [
        first,
        step(first.event_id, PermitState.IN_REVIEW, T0 + timedelta(seconds=1)),
        step(first.event_id, PermitState.REJECTED, T0 + timedelta(minutes=5)),
        second,
        step(second.event_id, PermitState.IN_REVIEW, T0 + timedelta(minutes=10, seconds=1)),
    ]
    return events, second.event_id


def folded(events: list[PermitEvent]) -> dict[str, object]:
    permits: dict[str, object] = {}
    for event in events:
        permits = latest_permits(permits, event)
    return permits[HOTEL]  # type: ignore[return-value]


def test_the_second_attempt_is_in_review_whatever_order_the_steps_arrive_in() -> None:
    events, second = refused_then_resubmitted()
    for order in permutations(events):
        permit = folded(list(order))
        assert permit["state"] == "in_review", order
        assert permit["submission_id"] == str(second)
        assert permit["reasons"] == []
        assert permit["deadline_at"]


def test_a_refusal_stays_until_the_enterprise_submits_again() -> None:
    events, _ = refused_then_resubmitted()
    permit = folded(events[:3])
    assert permit["state"] == "rejected"
    assert permit["reasons"][0]["message_zh"] == "材料缺失"  # type: ignore[index]


def test_a_replayed_step_changes_nothing() -> None:
    events, _ = refused_then_resubmitted()
    assert folded(events + events) == folded(events)
