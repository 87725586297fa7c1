"""The timeline fold: pure, idempotent by event id, and safe for late or repeated events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from contracts.events import (
    USCC_ARTEFACT,
    Artefact,
    DepartmentStatus,
    DepartmentStatusChanged,
    PersonalDataRead,
    RegistrationAccessRevoked,
    RegistrationCompleted,
    RegistrationCorrected,
    RegistrationSubmitted,
    RegistrationWithdrawn,
)
from contracts.topology import TOPOLOGY, Topology
from services.notifier.after_licence_fold import (
    AFTER_LICENCE_EVENTS,
    AfterLicenceEvent,
    fold_after_licence,
)
from services.notifier.credit_view import CreditEvent, credit_entry, latest_portrait
from services.notifier.profile import profile_of
from services.notifier.reads import data_read_record
from services.notifier.status_text import describe_status

ProgressEvent = (
    RegistrationSubmitted
    | DepartmentStatusChanged
    | RegistrationWithdrawn
    | RegistrationCorrected
    | RegistrationAccessRevoked
)
_COMPLETED_NAMESPACE = uuid5(NAMESPACE_URL, "https://enterprise-page.example/completed")


@dataclass
class Timeline:
    registration_id: str
    entries: list[dict[str, Any]] = field(default_factory=list)
    departments: dict[str, str] = field(default_factory=dict)
    # (round, sequence) of each department's latest status: a status only moves forward.
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    submitted_at: datetime | None = None
    completed_event_id: str | None = None
    withdrawn_at: datetime | None = None
    overall_status: str = "submitted"
    profile: dict[str, Any] | None = None  # see profile.py: for targeting and channels
    uscc: str | None = None  # once the business licence is issued: the enterprise's home key
    completed_at: datetime | None = None
    last_event_at: datetime | None = None
    # Access tokens below this version were revoked by a renewal (service_runtime/access.py).
    min_token_version: int = 0
    # Who saw the enterprise's personal data (数据查阅记录), oldest first; not progress entries.
    data_reads: list[dict[str, Any]] = field(default_factory=list)
    # The enterprise's latest credit portrait (credit_view.py), once it is registered.
    credit: dict[str, Any] | None = None
    # The paper licence and seals (delivery_view.py): picked up or posted, once chosen.
    delivery: dict[str, Any] | None = None
    # Simplified deregistration (deregistration_view.py), once the enterprise asks for it.
    deregistration: dict[str, Any] | None = None
    # Annual reports by year (annual_report_view.py): filed, or listed as abnormal and removed.
    annual_reports: dict[str, Any] | None = None
    # Post-licence permits by catalogue id (permit_view.py): pushed, submitted, decided.
    permits: dict[str, Any] | None = None
    # The helpdesk's questions by id (helpdesk_view.py): asked, answered, rated; never the text.
    questions: dict[str, Any] | None = None
    # Changes (变更登记) by id (change_view.py): the fields, each department's decision, the
    # licence version it issued.
    changes: dict[str, Any] | None = None
    # The stored revision this copy was read at (or written as): what a live stream has seen.
    rev: int = 0

    def has_seen(self, event_id: str) -> bool:
        return any(e["event_id"] == event_id for e in (*self.entries, *self.data_reads))

    def ordered_entries(self) -> list[dict[str, Any]]:
        return sorted(self.entries, key=lambda e: (e["occurred_at"], e["sequence"], e["seq"]))


def apply(
    timeline: Timeline,
    event: ProgressEvent | PersonalDataRead | CreditEvent | AfterLicenceEvent,
    topology: Topology = TOPOLOGY,
) -> list[RegistrationCompleted]:
    """Fold one event in; return the completion event if this event completed the registration."""
    if timeline.has_seen(str(event.event_id)):
        return []
    at = stored_precision(event.occurred_at)
    if isinstance(event, PersonalDataRead):
        timeline.data_reads.append(data_read_record(event, at))
        timeline.data_reads.sort(key=lambda r: r["occurred_at"])
        return []
    if isinstance(event, CreditEvent):
        timeline.credit = latest_portrait(timeline.credit, event, at)
        fields = credit_entry(event)
    elif isinstance(event, AFTER_LICENCE_EVENTS):
        fields = fold_after_licence(timeline, event, at, topology)
    else:
        timeline.last_event_at = max(timeline.last_event_at or at, at)  # the registration's own
        fields = _progress_fields(timeline, event, at, topology)
    timeline.entries.append(
        {
            "seq": len(timeline.entries) + 1,  # arrival order: the live stream's event id
            "event_id": str(event.event_id),
            "occurred_at": at,
            **fields,
        }
    )
    timeline.overall_status = overall_status(timeline, topology)
    if timeline.overall_status == "completed" and timeline.completed_event_id is None:
        # When the last department decided, not when its event happened to arrive: the form can
        # arrive after every decision (its own topic), and any replay folds in another order.
        decided_at = max(
            (e["occurred_at"] for e in timeline.entries if e["department"] != "registration"),
            default=at,
        )
        completed = _completion(timeline, decided_at)
        timeline.completed_event_id = str(completed.event_id)
        timeline.completed_at = decided_at
        timeline.uscc = next(
            (a.number for a in completed.artefacts if a.kind == USCC_ARTEFACT), None
        )
        return [completed]
    return []


def _progress_fields(
    timeline: Timeline,
    event: ProgressEvent,
    at: datetime,
    topology: Topology,
) -> dict[str, Any]:
    if isinstance(event, RegistrationCorrected):
        timeline.profile = profile_of(event.form)
        fields: dict[str, Any] = {
            "department": "registration",
            "status": "corrected",
            "sequence": event.round,
            "round": event.round,
            "message_zh": f"已提交补正材料（第{event.round}轮）：" + "、".join(event.changed_paths),
            "message_en": f"corrections submitted (round {event.round}): "
            + ", ".join(event.changed_paths),
        }
    elif isinstance(event, RegistrationAccessRevoked):
        timeline.min_token_version = max(timeline.min_token_version, event.token_version)
        fields = {
            "department": "registration",
            "status": "access_renewed",
            "sequence": event.token_version,
            "message_zh": "访问令牌已更新，此前的令牌和链接均已失效",
            "message_en": "the access token was renewed; earlier tokens and links no longer work",
        }
    elif isinstance(event, RegistrationWithdrawn):
        timeline.withdrawn_at = at
        fields = {
            "department": "registration",
            "status": "withdrawn",
            "sequence": 1,
            "message_zh": "申请逾期未办结，已失效，名称已释放"
            if event.lapsed
            else "企业已撤回申请",
            "message_en": "the application lapsed: not completed in time; the name is free again"
            if event.lapsed
            else "the enterprise withdrew the application",
        }
    elif isinstance(event, RegistrationSubmitted):
        timeline.submitted_at = at
        timeline.profile = timeline.profile or profile_of(event.form)
        fields = {
            "department": "registration",
            "status": "submitted",
            "sequence": 0,
            "message_zh": "已提交综合信息表",
            "message_en": "form submitted",
        }
    else:
        _advance(timeline, event)
        if any(r.rule in ("registration_withdrawn", "registration_lapsed") for r in event.reasons):
            # A department closed its case for the withdrawal before the notifier saw the
            # withdrawal itself: the registration is withdrawn, never completed.
            timeline.withdrawn_at = timeline.withdrawn_at or at
        zh, en = describe_status(event, topology)
        fields = {
            "department": event.department,
            "status": event.status.value,
            "sequence": event.sequence,
            "round": event.round,
            "decided_by": event.decided_by,
            "message_zh": zh,
            "message_en": en,
            "reasons": [r.model_dump() for r in event.reasons if not r.passed],
            "artefacts": [a.model_dump() for a in event.artefacts],
        }
    return fields


def stored_precision(moment: datetime) -> datetime:
    """MongoDB keeps milliseconds: a timeline in memory must order exactly as one read back."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def overall_status(timeline: Timeline, topology: Topology = TOPOLOGY) -> str:
    if timeline.completed_event_id is not None:
        return "completed"  # final: a late withdrawal changes nothing
    if timeline.withdrawn_at is not None:
        return "withdrawn"
    statuses = [timeline.departments.get(d) for d in topology.required]
    if DepartmentStatus.REJECTED in statuses:
        return "rejected"
    if all(s in (DepartmentStatus.APPROVED, DepartmentStatus.NOT_APPLICABLE) for s in statuses):
        # The submission is on another topic and may arrive last: completion waits for it, so
        # a completed timeline always shows the submission and the completion carries its time.
        return "completed" if timeline.submitted_at is not None else "in_progress"
    if DepartmentStatus.CORRECTION_REQUESTED in statuses:
        return "action_required"
    return "in_progress" if timeline.departments else "submitted"


def _advance(timeline: Timeline, event: DepartmentStatusChanged) -> None:
    position = (event.round, event.sequence)
    if position > timeline.positions.get(event.department, (0, -1)):
        timeline.positions[event.department] = position
        timeline.departments[event.department] = event.status.value


def _completion(timeline: Timeline, at: datetime) -> RegistrationCompleted:
    artefacts = [a for e in timeline.ordered_entries() for a in e.get("artefacts", [])]
    return RegistrationCompleted(
        event_id=uuid5(_COMPLETED_NAMESPACE, timeline.registration_id),
        source="notifier",
        occurred_at=at,
        registration_id=timeline.registration_id,
        departments={d: DepartmentStatus(s) for d, s in timeline.departments.items()},
        artefacts=tuple(Artefact.model_validate(a) for a in artefacts),
        submitted_at=timeline.submitted_at,
    )
