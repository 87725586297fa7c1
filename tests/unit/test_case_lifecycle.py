"""Dependencies, officer decisions and statutory deadlines, with a clock the test moves."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contracts.events import (
    DepartmentDecided,
    DepartmentStatusChanged,
    RegistrationSubmitted,
    decided_fact,
)
from service_runtime.china_time import CHINA
from service_runtime.working_days import due_at
from services.department.case import Case, CaseClosedError, NotCaseOwnerError, OfficerDecision
from services.department.lifecycle import Lifecycle
from services.police.rules import POLICE
from services.registration.market import MARKET
from tests.support.events import submitted_event

T0 = datetime(2026, 11, 23, 2, tzinfo=UTC)
RID = "cd" * 16


def submitted(form_data: dict[str, Any]) -> RegistrationSubmitted:
    return submitted_event(form_data, RID, T0)


def market_decision(form_data: dict[str, Any], *, approve: bool = True) -> DepartmentDecided:
    lifecycle, case = Lifecycle(MARKET), Case(RID, "market")
    if not approve:
        form_data = {
            **form_data,
            "enterprise": {**form_data["enterprise"], "name": "广州南沙示例股份有限公司"},
        }
    events = lifecycle.on_form(case, submitted(form_data), T0, T0 + timedelta(days=1))
    if not approve:
        case.claimed_by = "m1"
        events += lifecycle.on_officer(case, OfficerDecision("reject"), "m1", T0)
    return decided_fact(events[-1])  # what a dependent reads: the narrow fact


def statuses(events: Sequence[DepartmentStatusChanged]) -> list[str]:
    return [e.status.value for e in events]


def test_a_dependent_waits_silently_for_the_market_then_issues(sample_form: dict[str, Any]) -> None:
    police, case = Lifecycle(POLICE), Case(RID, "police")
    assert police.on_form(case, submitted(sample_form), T0, T0) == []  # nothing to say yet
    assert case.pending_approval
    assert statuses(police.on_prerequisite(case, market_decision(sample_form), T0)) == ["approved"]
    assert case.announce_wait_at is None
    assert police.on_prerequisite(case, market_decision(sample_form), T0) == []  # replay
    assert police.on_wait_lasted(case, T0 + timedelta(hours=1)) == []  # decided: nothing to say


def test_a_wait_that_lasts_is_said_once_then_the_approval_follows(
    sample_form: dict[str, Any],
) -> None:
    police = Lifecycle(POLICE, announce_wait_after=timedelta(seconds=5))
    case = Case(RID, "police")
    police.on_form(case, submitted(sample_form), T0, T0)
    assert police.on_wait_lasted(case, T0 + timedelta(seconds=4)) == []  # not long yet
    said = police.on_wait_lasted(case, T0 + timedelta(seconds=5))
    assert statuses(said) == ["waiting"]
    assert said[0].reasons[-1].rule == "prerequisites_approved"
    assert "market" in said[0].reasons[-1].message_en
    assert [r.rule for r in said[0].reasons[:-1]] == [r["rule"] for r in case.reasons]
    assert police.on_wait_lasted(case, T0 + timedelta(seconds=9)) == []  # said once
    approved = police.on_prerequisite(case, market_decision(sample_form), T0)
    assert statuses(approved) == ["approved"]
    assert [e.sequence for e in (*said, *approved)] == [0, 1]


def test_a_prerequisite_approval_arriving_before_the_form_is_remembered(
    sample_form: dict[str, Any],
) -> None:
    police, case = Lifecycle(POLICE), Case(RID, "police")
    assert police.on_prerequisite(case, market_decision(sample_form), T0) == []
    assert statuses(police.on_form(case, submitted(sample_form), T0, T0)) == ["approved"]


def test_dependents_close_as_not_applicable_when_the_market_rejects(
    sample_form: dict[str, Any],
) -> None:
    police, case = Lifecycle(POLICE), Case(RID, "police")
    police.on_form(case, submitted(sample_form), T0, T0)
    closed = police.on_prerequisite(case, market_decision(sample_form, approve=False), T0)
    assert statuses(closed) == ["not_applicable"]
    assert closed[0].reasons[0].rule == "prerequisites_approved"
    assert "market" in closed[0].reasons[0].message_en


def in_review_case(sample_form: dict[str, Any]) -> tuple[Lifecycle, Case]:
    sample_form["seals"]["maker_id"] = "UNLICENSED"
    police, case = Lifecycle(POLICE), Case(RID, "police")
    police.on_prerequisite(case, market_decision(sample_form), T0)
    assert statuses(police.on_form(case, submitted(sample_form), T0, T0 + timedelta(days=1))) == [
        "in_review"
    ]
    return police, case


def test_an_officer_must_own_the_case_and_cannot_decide_it_twice(
    sample_form: dict[str, Any],
) -> None:
    police, case = in_review_case(sample_form)
    with pytest.raises(NotCaseOwnerError):
        police.on_officer(case, OfficerDecision("approve"), "officer-1", T0)
    case.claimed_by = "officer-1"
    with pytest.raises(NotCaseOwnerError):
        police.on_officer(case, OfficerDecision("approve"), "officer-2", T0)
    approved = police.on_officer(case, OfficerDecision("approve"), "officer-1", T0)
    assert statuses(approved) == ["approved"]
    assert (approved[0].decided_by, approved[0].officer_id) == ("officer", "officer-1")
    assert (case.decided_by, case.officer_id, case.decided_at) == ("officer", "officer-1", T0)
    with pytest.raises(CaseClosedError):
        police.on_officer(case, OfficerDecision("reject"), "officer-1", T0)


def test_a_missed_deadline_escalates_once(sample_form: dict[str, Any]) -> None:
    police, case = in_review_case(sample_form)
    assert police.on_clock(case, T0 + timedelta(hours=23), deemed_approval=False) == []
    breached = police.on_clock(case, T0 + timedelta(days=1), deemed_approval=False)
    assert statuses(breached) == ["deadline_breached"]
    assert case.escalated
    assert police.on_clock(case, T0 + timedelta(days=2), deemed_approval=False) == []
    case.claimed_by = "supervisor-1"  # a supervisor can still decide the escalated case
    assert statuses(police.on_officer(case, OfficerDecision("reject"), "supervisor-1", T0)) == [
        "rejected"
    ]


def test_deemed_approval_on_breach(sample_form: dict[str, Any]) -> None:
    police, case = in_review_case(sample_form)
    events = police.on_clock(case, T0 + timedelta(days=3), deemed_approval=True)
    assert statuses(events) == ["deadline_breached", "approved"]
    assert events[-1].decided_by == "system"


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        ("2026-09-30", 1, "2026-10-08"),  # National Day holiday skipped
        ("2026-10-09", 1, "2026-10-10"),  # a Saturday that is an adjusted working day (调休)
        ("2026-10-10", 1, "2026-10-12"),
        ("2026-11-20", 3, "2026-11-25"),  # an ordinary weekend
    ],
)
def test_time_limits_count_chinese_working_days(received: str, days: int, due: str) -> None:
    start = datetime.fromisoformat(received).replace(hour=10, tzinfo=CHINA)
    assert due_at(start, days) == datetime.fromisoformat(due).replace(
        hour=23, minute=59, second=59, tzinfo=CHINA
    )


def test_a_withdrawal_closes_an_open_case_and_stops_later_decisions(
    sample_form: dict[str, Any],
) -> None:
    police, case = in_review_case(sample_form)
    closed = police.on_withdrawn(case, T0)
    assert statuses(closed) == ["not_applicable"]
    assert closed[0].reasons[0].rule == "registration_withdrawn"
    assert police.on_withdrawn(case, T0) == []
    case.claimed_by = "p-1"
    with pytest.raises(CaseClosedError):
        police.on_officer(case, OfficerDecision("approve"), "p-1", T0)


def test_a_lapsed_registration_closes_an_open_case_saying_why(sample_form: dict[str, Any]) -> None:
    police, case = in_review_case(sample_form)
    closed = police.on_withdrawn(case, T0, lapsed=True)
    assert statuses(closed) == ["not_applicable"]
    assert closed[0].reasons[0].rule == "registration_lapsed"
    assert "逾期" in closed[0].reasons[0].message_zh


def test_a_withdrawal_that_overtakes_the_form_closes_the_case_on_arrival(
    sample_form: dict[str, Any],
) -> None:
    police, case = Lifecycle(POLICE), Case(RID, "police")
    assert police.on_withdrawn(case, T0) == []
    assert statuses(police.on_form(case, submitted(sample_form), T0, T0)) == ["not_applicable"]
