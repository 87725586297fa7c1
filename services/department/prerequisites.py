"""How a case waits for the departments it depends on (the market, for most): the part of the
life cycle that reacts to a prerequisite's decision or to a wait that lasted."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from pydantic import BaseModel

from contracts.events import (
    TERMINAL_STATUSES,
    Artefact,
    DepartmentDecided,
    DepartmentStatus,
    DepartmentStatusChanged,
    Reason,
)
from contracts.form import RegistrationForm
from contracts.topology import Topology
from services.department.case import Case, rule_reason, status_event_id
from services.department.credit_routing import credit_route
from services.department.kit import DepartmentSpec


class AwaitsPrerequisites:
    """Mixed into `Lifecycle` (lifecycle.py), which sets these in its constructor. `_move` is
    the one way any transition changes a case's status."""

    spec: DepartmentSpec
    topology: Topology
    waits_for: tuple[str, ...]
    credit_routing: dict[str, str]
    announce_wait_after: timedelta
    form_view: type[BaseModel]

    def _move(  # noqa: PLR0913 - the extras are keyword-only
        self,
        case: Case,
        status: DepartmentStatus,
        now: datetime,
        by: str,
        *,
        reasons: tuple[Reason, ...] = (),
        artefacts: tuple[Artefact, ...] = (),
    ) -> DepartmentStatusChanged:
        """Move the case to `status`; the event that says so (its id is deterministic)."""
        case.sequence += 1
        case.status = status.value
        case.announce_wait_at = None  # whatever is said now supersedes a silent wait
        if status in TERMINAL_STATUSES or status == DepartmentStatus.CORRECTION_REQUESTED:
            case.decided_by, case.decided_at = by, now
        if status in TERMINAL_STATUSES:
            case.form = None  # data minimisation: the decision and its reasons remain
        if status == DepartmentStatus.APPROVED:
            case.issued = [a.model_dump(mode="json") for a in artefacts]
            case.deadline_at = None
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
        if by == "rules" and self.credit_routing:
            routed = credit_route(self.credit_routing, case.prerequisites)
            reasons = (*reasons, routed)
            if not routed.passed:  # the credit class sends it to an officer
                case.reasons = [r.model_dump() for r in reasons]
                return [self._move(case, DepartmentStatus.IN_REVIEW, now, by, reasons=reasons)]
        # The rules read the view as they read the form: same shape, fewer fields.
        form = cast("RegistrationForm", self.form_view.model_validate(case.form))
        issued = {
            d: tuple(Artefact.model_validate(a) for a in p["artefacts"])
            for d, p in case.prerequisites.items()
        }
        screened = tuple(Artefact.model_validate(a) for a in case.screened_artefacts)
        artefacts = (*self.spec.issue(case.registration_id, form, issued), *screened)
        return [
            self._move(
                case,
                DepartmentStatus.APPROVED,
                now,
                by,
                reasons=reasons,
                artefacts=artefacts,
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
        waiting = rule_reason(
            "prerequisites_approved",
            passed=False,
            zh="等待前置部门办结：" + "、".join(self.topology.label_zh(d) for d in missing),
            en="waiting for: " + ", ".join(missing),
        )
        return self._move(case, DepartmentStatus.WAITING, now, by, reasons=(*reasons, waiting))

    def _failed_prerequisite(self, case: Case) -> str | None:
        return next(
            (d for d, p in case.prerequisites.items() if p["status"] != DepartmentStatus.APPROVED),
            None,
        )

    def _close_as_not_applicable(self, case: Case, now: datetime) -> list[DepartmentStatusChanged]:
        failed = self._failed_prerequisite(case) or ""
        label = self.topology.label_zh(failed)
        reason = rule_reason(
            "prerequisites_approved",
            passed=False,
            zh=f"前置部门（{label}）未通过，本事项终止",
            en=f"closed: the prerequisite department {failed} did not approve",
        )
        case.pending_approval = False
        return [
            self._move(
                case,
                DepartmentStatus.NOT_APPLICABLE,
                now,
                "system",
                reasons=(reason,),
            )
        ]
