"""Officer use cases: claim a case, decide it. Scoped to one department; who and when is kept.

A case escalated after its statutory deadline belongs to the supervisors: a normal officer may
neither claim nor decide it, even one who had claimed it before the deadline passed.
"""

from __future__ import annotations

from service_runtime.access import Officer
from services.department.case import Case, OfficerDecision
from services.department.handlers import DepartmentDesk


class SupervisorsOnlyError(Exception):
    """The case was escalated; only a supervisor may claim or decide it (HTTP 403)."""


def may_handle(case: Case, officer: Officer) -> bool:
    return not case.escalated or officer.role == "supervisor"


async def claim_case(desk: DepartmentDesk, registration_id: str, officer: Officer) -> Case | None:
    """The claimed case, or None if it cannot be claimed (missing, closed or someone else's)."""
    loaded = (await desk.store.load([registration_id]))[registration_id]
    if loaded.read.document is not None and not may_handle(loaded.case, officer):
        raise SupervisorsOnlyError
    # The store checks again, in the same write: the case may escalate after this read.
    supervisor = officer.role == "supervisor"
    return await desk.store.claim(registration_id, officer.officer_id, escalated=supervisor)


async def decide_case(
    desk: DepartmentDesk, registration_id: str, officer: Officer, decision: OfficerDecision
) -> Case | None:
    """Apply the decision; None if there is no such case. Raises the lifecycle's errors."""
    loaded = (await desk.store.load([registration_id]))[registration_id]
    if loaded.read.document is None:
        return None
    if not may_handle(loaded.case, officer):
        raise SupervisorsOnlyError
    # Saved on this read's revision: an escalation written meanwhile makes the save fail.
    emitted = desk.lifecycle.on_officer(loaded.case, decision, officer.officer_id, desk.clock())
    await desk.store.publish(await desk.store.save([(loaded, emitted)]))
    return loaded.case
