"""A department's life cycle: pure transitions of its cases that return the events to publish.

Every transition is idempotent (a repeated trigger changes nothing), so replays and
redeliveries are harmless; the case and its events are case.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from contracts.events import (
    DepartmentStatus,
    DepartmentStatusChanged,
    Reason,
    RegistrationCorrected,
    RegistrationSubmitted,
)
from contracts.form import RegistrationForm
from contracts.projections import form_view
from contracts.topology import TOPOLOGY, Topology
from services.department.case import (
    REVIEWABLE,
    Case,
    CaseClosedError,
    NotCaseOwnerError,
    OfficerDecision,
    rule_reason,
    touches,
)
from services.department.extension import Screened
from services.department.kit import DepartmentSpec
from services.department.prerequisites import AwaitsPrerequisites

NOTHING_FOUND = Screened()


class Lifecycle(AwaitsPrerequisites):
    """Transitions of one department's cases."""

    def __init__(
        self,
        spec: DepartmentSpec,
        topology: Topology = TOPOLOGY,
        announce_wait_after: timedelta = timedelta(seconds=5),
        credit_routing: Mapping[str, str] | None = None,
    ) -> None:
        self.spec = spec
        self.topology = topology
        self.waits_for = topology.waits_for(spec.name)
        self.projection = topology.projections.get(spec.name, ("enterprise.name",))
        # What a stored form is read back as: this department's view, nothing more.
        self.form_view = form_view(spec.name, self.projection)
        self.announce_wait_after = announce_wait_after
        # Credit class → "instant" or "officer" (信用分类监管); the topology's row, or settings.
        self.credit_routing = dict(
            topology.credit_routing(spec.name) if credit_routing is None else credit_routing
        )

    def on_form(
        self,
        case: Case,
        event: RegistrationSubmitted,
        now: datetime,
        due: datetime,
        findings: Screened = NOTHING_FOUND,
    ) -> list[DepartmentStatusChanged]:
        """`findings`: what the department's screen found in its own records (extension.py)."""
        if case.form_received:
            return []  # replay
        return self._review(case, event.form, now, due, findings)

    def on_corrected(
        self,
        case: Case,
        event: RegistrationCorrected,
        now: datetime,
        due: datetime,
        findings: Screened = NOTHING_FOUND,
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
        return self._review(case, event.form, now, due, findings)

    def _review(
        self,
        case: Case,
        form: RegistrationForm,
        now: datetime,
        due: datetime,
        findings: Screened = NOTHING_FOUND,
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
            reason = rule_reason(
                "department_applies",
                passed=False,
                zh="本事项不适用于该企业类型",
                en="not applicable to this enterprise",
            )
            return [
                self._move(
                    case,
                    DepartmentStatus.NOT_APPLICABLE,
                    now,
                    "rules",
                    reasons=(reason,),
                )
            ]
        if self._failed_prerequisite(case):
            return self._close_as_not_applicable(case, now)
        reasons = (*(evaluate(form) for evaluate in self.spec.rules), *findings.reasons)
        case.screened_artefacts = [a.model_dump(mode="json") for a in findings.artefacts]
        if self.credit_routing:
            case.deadline_at = due  # in case the credit class sends it to an officer
        case.reasons = [r.model_dump() for r in reasons]
        if all(r.passed for r in reasons):
            return self._approve_when_ready(case, now, "rules", reasons)
        if any(not r.passed and r.rule in self.spec.refusing for r in reasons):
            return [self._move(case, DepartmentStatus.REJECTED, now, "rules", reasons=reasons)]
        case.deadline_at = due
        return [self._move(case, DepartmentStatus.IN_REVIEW, now, "rules", reasons=reasons)]

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
            rule_reason(
                "registration_lapsed",
                passed=False,
                zh="申请逾期未办结，已失效，本事项终止",
                en="the application lapsed (not completed in time); this case is closed",
            )
            if case.lapsed
            else rule_reason(
                "registration_withdrawn",
                passed=False,
                zh="企业已撤回申请，本事项终止",
                en="the enterprise withdrew the application; this case is closed",
            )
        )
        return self._move(case, DepartmentStatus.NOT_APPLICABLE, now, "system", reasons=(reason,))

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
        return [self._move(case, status, now, "officer", reasons=reasons)]

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
        reason = rule_reason(
            "statutory_time_limit",
            passed=False,
            zh="已超过法定办理时限，已上报主管",
            en="the statutory time limit passed; escalated to a supervisor",
        )
        out = [
            self._move(
                case,
                DepartmentStatus.DEADLINE_BREACHED,
                now,
                "system",
                reasons=(reason,),
            )
        ]
        if deemed_approval:
            deemed = rule_reason(
                "deemed_approval", passed=True, zh="逾期视为同意", en="deemed approved on breach"
            )
            out += self._approve_when_ready(case, now, "system", (deemed,))
        return out
