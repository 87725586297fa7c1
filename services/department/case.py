"""A department's case and its life cycle: pure transitions that return the events to publish.

Every transition is idempotent (a repeated trigger changes nothing), so replays and
redeliveries are harmless. Event ids derive from (registration, department, round, sequence,
status): the same history always yields the same ids.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, cast
from uuid import NAMESPACE_URL, UUID, uuid5

from contracts.events import (
    TERMINAL_STATUSES,
    Artefact,
    DepartmentDecided,
    DepartmentStatus,
    DepartmentStatusChanged,
    Reason,
    RegistrationCorrected,
    RegistrationSubmitted,
)
from contracts.form import RegistrationForm
from contracts.projections import form_view
from contracts.topology import TOPOLOGY, Topology
from services.department.kit import DepartmentSpec

_EVENT_NAMESPACE = uuid5(NAMESPACE_URL, "https://enterprise-page.example/events")
REVIEWABLE = frozenset({DepartmentStatus.IN_REVIEW, DepartmentStatus.DEADLINE_BREACHED})


class CaseClosedError(Exception):
    """The case is already decided (HTTP 409)."""


class NotCaseOwnerError(Exception):
    """The officer has not claimed this case, or someone else has (HTTP 403)."""


def status_event_id(
    registration_id: str, department: str, round_: int, sequence: int, status: str
) -> UUID:
    return uuid5(_EVENT_NAMESPACE, f"{registration_id}/{department}/{round_}/{sequence}/{status}")


@dataclass
class Case:
    registration_id: str
    department: str
    round: int = 1
    status: str | None = None
    sequence: int = -1
    form_received: bool = False
    withdrawn: bool = False
    lapsed: bool = False  # withdrawn by the system: not completed within the reservation period
    # The form is kept only while the case is open: a closed case keeps its decision, not the data.
    form: dict[str, Any] | None = None
    enterprise_name: str | None = None
    reasons: list[dict[str, Any]] = field(default_factory=list)
    prerequisites: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending_approval: bool = False
    received_at: datetime | None = None
    deadline_at: datetime | None = None
    escalated: bool = False
    claimed_by: str | None = None
    decided_by: str | None = None
    officer_id: str | None = None
    decided_at: datetime | None = None
    # What the approval issued (licence numbers, permits): the record others may check against.
    issued: list[dict[str, Any]] = field(default_factory=list)
    # Set while an instant approval waits silently for a prerequisite: when to say it waits.
    announce_wait_at: datetime | None = None

    @property
    def closed(self) -> bool:
        return self.status in TERMINAL_STATUSES


def snapshot(case: Case) -> dict[str, Any]:
    """The case's fields, with each list or dict copied one level: enough to tell a change.

    Transitions replace nested values or mutate a top-level container (`prerequisites`), never
    deeper, and a full `asdict` (a deep copy of the form) cost a sixth of a department's CPU.
    """
    return {k: copy.copy(v) if isinstance(v, dict | list) else v for k, v in vars(case).items()}


@dataclass(frozen=True)
class OfficerDecision:
    decision: Literal["approve", "reject", "request_correction"]
    reasons: tuple[Reason, ...] = ()


class Lifecycle:
    """Transitions of one department's cases."""

    def __init__(
        self,
        spec: DepartmentSpec,
        topology: Topology = TOPOLOGY,
        announce_wait_after: timedelta = timedelta(seconds=5),
    ) -> None:
        self.spec = spec
        self.topology = topology
        self.waits_for = topology.waits_for(spec.name)
        self.projection = topology.projections.get(spec.name, ("enterprise.name",))
        # What a stored form is read back as: this department's view, nothing more.
        self.form_view = form_view(spec.name, self.projection)
        self.announce_wait_after = announce_wait_after

    def on_form(
        self, case: Case, event: RegistrationSubmitted, now: datetime, due: datetime
    ) -> list[DepartmentStatusChanged]:
        if case.form_received:
            return []  # replay
        return self._review(case, event.form, now, due)

    def on_corrected(
        self, case: Case, event: RegistrationCorrected, now: datetime, due: datetime
    ) -> list[DepartmentStatusChanged]:
        """Review again in the new round, but only if this department's view of the form changed."""
        if event.round <= case.round or case.withdrawn or not case.form_received:
            return []  # a replay, an older round, or nothing to review again
        asked = case.status == DepartmentStatus.CORRECTION_REQUESTED
        if not asked and not touches(self.projection, event.changed_paths):
            return []  # keeps its decision
        case.round, case.sequence = event.round, -1
        case.form_received = False
        case.pending_approval = case.escalated = False
        case.claimed_by = case.deadline_at = case.announce_wait_at = None
        return self._review(case, event.form, now, due)

    def _review(
        self, case: Case, form: RegistrationForm, now: datetime, due: datetime
    ) -> list[DepartmentStatusChanged]:
        case.form_received = True
        case.form = form.model_dump(mode="json")
        case.enterprise_name = form.enterprise.name
        case.received_at = now
        # One event per review: its outcome says the form arrived. A separate `received` event,
        # followed at once by the outcome, doubled the status traffic and the timeline writes.
        if case.withdrawn:  # the withdrawal overtook the form
            return [self._close_as_withdrawn(case, now)]
        if not self.spec.applies(form):
            reason = _reason(
                "department_applies",
                passed=False,
                zh="本事项不适用于该企业类型",
                en="not applicable to this enterprise",
            )
            return [
                self._emit(case, DepartmentStatus.NOT_APPLICABLE, now, "rules", reasons=(reason,))
            ]
        if self._failed_prerequisite(case):
            return self._close_as_not_applicable(case, now)
        reasons = tuple(evaluate(form) for evaluate in self.spec.rules)
        case.reasons = [r.model_dump() for r in reasons]
        if all(r.passed for r in reasons):
            return self._approve_when_ready(case, now, "rules", reasons)
        case.deadline_at = due
        return [self._emit(case, DepartmentStatus.IN_REVIEW, now, "rules", reasons=reasons)]

    def on_prerequisite(
        self, case: Case, event: DepartmentDecided, now: datetime
    ) -> list[DepartmentStatusChanged]:
        if event.department not in self.waits_for or event.status not in TERMINAL_STATUSES:
            return []
        if event.department in case.prerequisites or case.closed:
            return []  # a replay, or nothing left to decide
        case.prerequisites[event.department] = {
            "status": event.status.value,
            "artefacts": [a.model_dump() for a in event.artefacts],
        }
        if not case.form_received or case.closed:
            return []  # decided when the form arrives
        if self._failed_prerequisite(case):
            return self._close_as_not_applicable(case, now)
        if case.pending_approval:
            # The approval records the rule results it rests on, not only the prerequisite.
            recorded = tuple(Reason.model_validate(r) for r in case.reasons)
            return self._approve_when_ready(case, now, case.decided_by or "rules", recorded)
        return []

    def on_withdrawn(
        self, case: Case, now: datetime, *, lapsed: bool = False
    ) -> list[DepartmentStatusChanged]:
        if case.withdrawn:
            return []  # replay
        case.withdrawn, case.lapsed = True, lapsed
        if not case.form_received or case.closed:
            return []  # nothing open to stop
        return [self._close_as_withdrawn(case, now)]

    def _close_as_withdrawn(self, case: Case, now: datetime) -> DepartmentStatusChanged:
        case.pending_approval = False
        reason = (
            _reason(
                "registration_lapsed",
                passed=False,
                zh="申请逾期未办结，已失效，本事项终止",
                en="the application lapsed (not completed in time); this case is closed",
            )
            if case.lapsed
            else _reason(
                "registration_withdrawn",
                passed=False,
                zh="企业已撤回申请，本事项终止",
                en="the enterprise withdrew the application; this case is closed",
            )
        )
        return self._emit(case, DepartmentStatus.NOT_APPLICABLE, now, "system", reasons=(reason,))

    def on_officer(
        self, case: Case, decision: OfficerDecision, officer: str, now: datetime
    ) -> list[DepartmentStatusChanged]:
        if case.closed or case.status not in REVIEWABLE:
            raise CaseClosedError(case.status)
        if case.claimed_by != officer:
            raise NotCaseOwnerError(case.claimed_by)
        case.officer_id = officer
        # The decision records the rule results the officer saw, then the officer's own reasons.
        reasons = (*(Reason.model_validate(r) for r in case.reasons), *decision.reasons)
        if decision.decision == "approve":
            return self._approve_when_ready(case, now, "officer", reasons)
        status = (
            DepartmentStatus.REJECTED
            if decision.decision == "reject"
            else DepartmentStatus.CORRECTION_REQUESTED
        )
        return [self._emit(case, status, now, "officer", reasons=reasons)]

    def on_clock(
        self, case: Case, now: datetime, *, deemed_approval: bool
    ) -> list[DepartmentStatusChanged]:
        if (
            case.status != DepartmentStatus.IN_REVIEW
            or case.deadline_at is None
            or now < case.deadline_at
        ):
            return []
        case.escalated = True
        # The case leaves the officer's hands: only a supervisor may claim and decide it now.
        case.claimed_by = None
        reason = _reason(
            "statutory_time_limit",
            passed=False,
            zh="已超过法定办理时限，已上报主管",
            en="the statutory time limit passed; escalated to a supervisor",
        )
        out = [
            self._emit(case, DepartmentStatus.DEADLINE_BREACHED, now, "system", reasons=(reason,))
        ]
        if deemed_approval:
            deemed = _reason(
                "deemed_approval", passed=True, zh="逾期视为同意", en="deemed approved on breach"
            )
            out += self._approve_when_ready(case, now, "system", (deemed,))
        return out

    def _approve_when_ready(
        self, case: Case, now: datetime, by: str, reasons: tuple[Reason, ...]
    ) -> list[DepartmentStatusChanged]:
        missing = [d for d in self.waits_for if d not in case.prerequisites]
        if missing:
            case.pending_approval, case.decided_by = True, by
            if case.status == DepartmentStatus.WAITING or case.announce_wait_at is not None:
                return []
            if by == "rules" and case.status is None:
                # The prerequisite (the market) usually decides instantly too, milliseconds
                # later: a `waiting` followed at once by `approved` told the enterprise nothing
                # and was 3 of the 10 status events per registration. Say it only if it lasts.
                case.announce_wait_at = now + self.announce_wait_after
                return []
            return [self._waiting(case, now, by, reasons)]
        case.pending_approval = False
        # The rules read the view as they read the form: same shape, fewer fields.
        form = cast("RegistrationForm", self.form_view.model_validate(case.form))
        issued = {
            d: tuple(Artefact.model_validate(a) for a in p["artefacts"])
            for d, p in case.prerequisites.items()
        }
        artefacts = self.spec.issue(case.registration_id, form, issued)
        return [
            self._emit(
                case, DepartmentStatus.APPROVED, now, by, reasons=reasons, artefacts=artefacts
            )
        ]

    def on_wait_lasted(self, case: Case, now: datetime) -> list[DepartmentStatusChanged]:
        """Say that the case waits for its prerequisites, once the silent wait has lasted."""
        due = case.announce_wait_at
        if due is None or now < due or not case.pending_approval or case.closed:
            return []
        recorded = tuple(Reason.model_validate(r) for r in case.reasons)
        return [self._waiting(case, now, case.decided_by or "rules", recorded)]

    def _waiting(
        self, case: Case, now: datetime, by: str, reasons: tuple[Reason, ...]
    ) -> DepartmentStatusChanged:
        missing = [d for d in self.waits_for if d not in case.prerequisites]
        waiting = _reason(
            "prerequisites_approved",
            passed=False,
            zh="等待前置部门办结：" + "、".join(self.topology.label_zh(d) for d in missing),
            en="waiting for: " + ", ".join(missing),
        )
        return self._emit(case, DepartmentStatus.WAITING, now, by, reasons=(*reasons, waiting))

    def _failed_prerequisite(self, case: Case) -> str | None:
        return next(
            (d for d, p in case.prerequisites.items() if p["status"] != DepartmentStatus.APPROVED),
            None,
        )

    def _close_as_not_applicable(self, case: Case, now: datetime) -> list[DepartmentStatusChanged]:
        failed = self._failed_prerequisite(case) or ""
        label = self.topology.label_zh(failed)
        reason = _reason(
            "prerequisites_approved",
            passed=False,
            zh=f"前置部门（{label}）未通过，本事项终止",
            en=f"closed: the prerequisite department {failed} did not approve",
        )
        case.pending_approval = False
        return [self._emit(case, DepartmentStatus.NOT_APPLICABLE, now, "system", reasons=(reason,))]

    def _emit(  # noqa: PLR0913 - the extras are keyword-only
        self,
        case: Case,
        status: DepartmentStatus,
        now: datetime,
        by: str,
        *,
        reasons: tuple[Reason, ...] = (),
        artefacts: tuple[Artefact, ...] = (),
    ) -> DepartmentStatusChanged:
        case.sequence += 1
        case.status = status.value
        case.announce_wait_at = None  # whatever is said now supersedes a silent wait
        if status in TERMINAL_STATUSES or status == DepartmentStatus.CORRECTION_REQUESTED:
            case.decided_by, case.decided_at = by, now
        if status in TERMINAL_STATUSES:
            case.form = None  # data minimisation: the decision and its reasons remain
        if status == DepartmentStatus.APPROVED:
            case.issued = [a.model_dump(mode="json") for a in artefacts]
        return DepartmentStatusChanged(
            event_id=status_event_id(
                case.registration_id, self.spec.name, case.round, case.sequence, status
            ),
            source=self.spec.name,
            occurred_at=now,
            registration_id=case.registration_id,
            department=self.spec.name,
            status=status,
            round=case.round,
            sequence=case.sequence,
            decided_by=by,
            officer_id=case.officer_id if by == "officer" else None,
            reasons=reasons,
            artefacts=artefacts,
        )


def touches(projection: tuple[str, ...], changed: tuple[str, ...]) -> bool:
    """Whether any changed path lies inside (or contains) a field the department sees."""
    if not projection:
        return True
    return any(
        c == p or c.startswith(p + ".") or p.startswith(c + ".")
        for p in projection
        for c in changed
    )


def _reason(rule: str, *, passed: bool, zh: str, en: str) -> Reason:
    return Reason(rule=rule, passed=passed, message_zh=zh, message_en=en)
