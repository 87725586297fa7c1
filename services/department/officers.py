"""Officer use cases: claim a case, decide it. Scoped to one department; who and when is kept."""

from __future__ import annotations

from services.department.case import Case, OfficerDecision
from services.department.handlers import DepartmentDesk


async def claim_case(desk: DepartmentDesk, registration_id: str, officer: str) -> Case | None:
    return await desk.store.claim(registration_id, officer)


async def decide_case(
    desk: DepartmentDesk, registration_id: str, officer: str, decision: OfficerDecision
) -> Case | None:
    """Apply the decision; None if there is no such case. Raises the lifecycle's errors."""
    loaded = (await desk.store.load([registration_id]))[registration_id]
    if loaded.read.document is None:
        return None
    emitted = desk.lifecycle.on_officer(loaded.case, decision, officer, desk.clock())
    await desk.store.publish(await desk.store.save([(loaded, emitted)]))
    return loaded.case
