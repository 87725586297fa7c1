from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from contracts.events import (
    DepartmentStatus,
    DepartmentStatusChanged,
    PersonalDataRead,
    RegistrationCompleted,
    RegistrationSubmitted,
    RegistrationWithdrawn,
)
from contracts.form import RegistrationForm
from contracts.topology import TOPOLOGY, Topology
from services.notifier.timeline import Timeline, apply

RID = "0" * 31 + "1"
T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def status(
    department: str, value: DepartmentStatus, sequence: int, at: datetime = T0
) -> DepartmentStatusChanged:
    return DepartmentStatusChanged(
        event_id=uuid4(),
        source=department,
        occurred_at=at,
        registration_id=RID,
        department=department,
        status=value,
        sequence=sequence,
        decided_by="rules",
    )


def approvals() -> list[DepartmentStatusChanged]:
    events: list[DepartmentStatusChanged] = []
    for i, dept in enumerate(TOPOLOGY.required):
        at = T0 + timedelta(milliseconds=i)
        events += [
            status(dept, DepartmentStatus.RECEIVED, 0, at),
            status(dept, DepartmentStatus.APPROVED, 1, at),
        ]
    return events


def submission(form: dict[str, Any]) -> RegistrationSubmitted:
    return RegistrationSubmitted(
        event_id=uuid4(),
        source="registration",
        occurred_at=T0,
        registration_id=RID,
        form=RegistrationForm.model_validate(form),
    )


def submitted_timeline(form: dict[str, Any]) -> Timeline:
    timeline = Timeline(RID)
    apply(timeline, submission(form))
    return timeline


def test_completion_waits_for_the_submission_that_arrives_last(sample_form: dict[str, Any]) -> None:
    # The submission travels on its own topic and can reach the notifier after every decision.
    timeline = Timeline(RID)
    early = [c for e in approvals() for c in apply(timeline, e)]
    assert early == []
    assert timeline.overall_status == "in_progress"
    (completed,) = apply(timeline, submission(sample_form))
    assert timeline.overall_status == "completed"
    assert completed.submitted_at == T0
    assert [e["status"] for e in timeline.entries].count("submitted") == 1


def test_all_approvals_complete_the_registration_exactly_once(sample_form: dict[str, Any]) -> None:
    timeline = submitted_timeline(sample_form)
    completions = [c for e in approvals() for c in apply(timeline, e)]
    assert timeline.overall_status == "completed"
    assert len(completions) == 1
    assert completions[0].departments == dict.fromkeys(TOPOLOGY.required, "approved")


def test_replaying_every_event_changes_nothing() -> None:
    timeline = Timeline(RID)
    events = approvals()
    for e in events:
        apply(timeline, e)
    before = (list(timeline.entries), dict(timeline.departments), timeline.overall_status)
    again = [c for e in events + events for c in apply(timeline, e)]
    assert again == []
    assert (timeline.entries, timeline.departments, timeline.overall_status) == before


def test_out_of_order_events_never_move_a_department_backwards(sample_form: dict[str, Any]) -> None:
    timeline = submitted_timeline(sample_form)
    events = list(reversed(approvals()))  # every approval arrives before its receipt
    completions = [c for e in events for c in apply(timeline, e)]
    assert set(timeline.departments.values()) == {"approved"}
    assert len(completions) == 1
    ordered = [(e["department"], e["status"]) for e in timeline.ordered_entries()]
    assert ordered[:3] == [
        ("registration", "submitted"),
        ("market", "received"),
        ("market", "approved"),
    ]


def test_one_rejection_rejects_the_registration_and_nothing_completes() -> None:
    timeline = Timeline(RID)
    events = approvals()
    events[3] = status("tax", DepartmentStatus.REJECTED, 1)
    completions = [c for e in events for c in apply(timeline, e)]
    assert timeline.overall_status == "rejected"
    assert completions == []


def test_progress_is_reported_before_every_department_decides(sample_form: dict[str, Any]) -> None:
    timeline = Timeline(RID)
    submitted = RegistrationSubmitted(
        event_id=uuid4(),
        source="registration",
        occurred_at=T0,
        registration_id=RID,
        form=RegistrationForm.model_validate(sample_form),
    )
    apply(timeline, submitted)
    assert timeline.overall_status == "submitted"
    apply(timeline, status("tax", DepartmentStatus.RECEIVED, 0))
    assert timeline.overall_status == "in_progress"
    apply(timeline, status("police", DepartmentStatus.CORRECTION_REQUESTED, 1))
    assert timeline.overall_status == "action_required"


def withdrawal(*, lapsed: bool = False) -> RegistrationWithdrawn:
    return RegistrationWithdrawn(
        event_id=uuid4(), source="registration", occurred_at=T0, registration_id=RID, lapsed=lapsed
    )


def test_a_lapsed_registration_says_so_and_never_completes() -> None:
    timeline = Timeline(RID)
    apply(timeline, withdrawal(lapsed=True))
    completions = [c for e in approvals() for c in apply(timeline, e)]
    assert timeline.overall_status == "withdrawn"
    assert completions == []
    entry = next(e for e in timeline.entries if e["status"] == "withdrawn")
    assert "逾期" in entry["message_zh"]
    assert "lapsed" in entry["message_en"]


def test_a_withdrawn_registration_never_completes() -> None:
    timeline = Timeline(RID)
    apply(timeline, withdrawal())
    completions = [c for e in approvals() for c in apply(timeline, e)]
    assert timeline.overall_status == "withdrawn"
    assert completions == []


def test_a_withdrawal_after_completion_changes_nothing(sample_form: dict[str, Any]) -> None:
    timeline = submitted_timeline(sample_form)
    for e in approvals():
        apply(timeline, e)
    apply(timeline, withdrawal())
    assert timeline.overall_status == "completed"


def test_a_case_closed_for_the_withdrawal_arriving_first_never_completes_the_registration() -> None:
    from contracts.events import Reason  # noqa: PLC0415 - only this test

    timeline = Timeline(RID)
    events = approvals()
    closed = status("police", DepartmentStatus.NOT_APPLICABLE, 1)
    reason = Reason(
        rule="registration_withdrawn", passed=False, message_zh="撤回", message_en="withdrawn"
    )
    events[5] = closed.model_copy(update={"reasons": (reason,)})
    completions = [c for e in events for c in apply(timeline, e)]
    assert completions == []
    assert timeline.overall_status == "withdrawn"


def test_a_timeline_in_memory_orders_exactly_as_one_read_back_from_the_database() -> None:
    # MongoDB keeps milliseconds; two events 0.4 ms apart must not swap places on a re-read.
    later = status("tax", DepartmentStatus.RECEIVED, 0, at=T0 + timedelta(microseconds=400))
    earlier = status("police", DepartmentStatus.RECEIVED, 0, at=T0 + timedelta(microseconds=100))
    timeline = Timeline(RID)
    apply(timeline, later)
    apply(timeline, earlier)
    assert all(e["occurred_at"].microsecond % 1000 == 0 for e in timeline.entries)
    in_memory = [e["event_id"] for e in timeline.ordered_entries()]
    read_back = Timeline(RID, entries=[dict(e) for e in timeline.entries])
    assert [e["event_id"] for e in read_back.ordered_entries()] == in_memory


def test_completion_time_is_the_last_decision_whatever_the_arrival_order(
    sample_form: dict[str, Any],
) -> None:
    # The submission travels on its own topic and may arrive after the decisions or before:
    # both orders must say the same moment (before, a late form dated completion before them).
    events: list[RegistrationSubmitted | DepartmentStatusChanged] = [
        submission(sample_form),
        *approvals(),
    ]
    last_decision = max(e.occurred_at for e in events[1:])
    folded: list[RegistrationCompleted] = []
    for order in (events, [*events[1:], events[0]]):
        timeline = Timeline(RID)
        (completed,) = [c for e in order for c in apply(timeline, e)]
        assert timeline.completed_at == last_decision
        assert completed.occurred_at == last_decision
        folded.append(completed)
    assert folded[0] == folded[1]


def test_an_officers_read_of_the_data_is_kept_once_and_changes_no_progress(
    sample_form: dict[str, Any],
) -> None:
    timeline = submitted_timeline(sample_form)
    read = PersonalDataRead(
        event_id=uuid4(),
        source="police",
        occurred_at=datetime.now(UTC),
        registration_id=RID,
        department="police",
        officer_id="p-erin",
        purpose="case_review",
        sections=("legal_representative", "seals"),
    )
    before = (len(timeline.entries), timeline.overall_status, timeline.last_event_at)
    assert apply(timeline, read) == []
    assert apply(timeline, read) == []  # delivered again
    assert [(r["department"], r["officer_id"]) for r in timeline.data_reads] == [
        ("police", "p-erin")
    ]
    assert (len(timeline.entries), timeline.overall_status, timeline.last_event_at) == before


def test_a_department_not_required_neither_holds_up_nor_refuses_the_registration(
    sample_form: dict[str, Any],
) -> None:
    # `required=False`: an advisory department (a notice, a booking) that reports on the page
    # but has no say in completion; its refusal is shown, and the registration still completes.
    advisory = replace(TOPOLOGY.by_name["bank"], required=False)
    topology = Topology(tuple(advisory if d.name == "bank" else d for d in TOPOLOGY.departments))
    assert "bank" not in topology.required
    timeline = Timeline(RID)
    apply(timeline, submission(sample_form), topology)
    apply(timeline, status("bank", DepartmentStatus.REJECTED, 1), topology)
    assert timeline.overall_status == "in_progress"  # not "rejected": bank has no say
    completions = [
        c for e in approvals() if e.department != "bank" for c in apply(timeline, e, topology)
    ]
    assert timeline.overall_status == "completed"
    assert len(completions) == 1
    assert timeline.departments["bank"] == "rejected"
