"""Who a push is for: the notifier's timelines, read for enterprises' profiles and standing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from contracts.events import DepartmentStatus
from contracts.notices import PolicyTargeting
from contracts.topology import TOPOLOGY
from services.notifier.profile import matches
from services.notifier.timeline_reads import TimelineReads, TimelineRow


class Audience:
    """Reads the notifier's timelines to find who a push is for."""

    def __init__(self, timelines: TimelineReads) -> None:
        self._timelines = timelines

    async def matching(self, targeting: PolicyTargeting, as_of: datetime) -> list[TimelineRow]:
        """Registrations whose enterprise matches, as the page stood at `as_of`.

        Submitted by then and neither withdrawn nor refused by then (`reachable_at`): the
        audience follows from the timelines and the policy's own time, not from when a consumer
        got to it, so a rebuild from the topics reaches the same enterprises as the live run.
        """
        profile: dict[str, Any] = {}
        if targeting.areas:
            profile["area"] = {"$in": [a.value for a in targeting.areas]}
        if targeting.enterprise_types:
            profile["type"] = {"$in": [t.value for t in targeting.enterprise_types]}
        if targeting.sizes:
            profile["size"] = {"$in": [s.value for s in targeting.sizes]}
        if targeting.foreign_invested is not None:
            profile["foreign_invested"] = targeting.foreign_invested
        found = await self._timelines.submitted_by(as_of, profile)
        # Prefixes are matched here: one code, many prefixes, no regex for the database to scan.
        return [
            row for row in found if matches(row.profile, targeting) and reachable_at(row, as_of)
        ]

    async def registered(self) -> list[TimelineRow]:
        return await self._timelines.completed()

    async def profiles(self, registration_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return await self._timelines.profiles(registration_ids)


def reachable_at(timeline: TimelineRow, as_of: datetime) -> bool:
    """Whether a registration was neither withdrawn nor refused at `as_of` (the page's status).

    Completion is final, and a required department's refusal is final for the registration
    (timeline.overall_status), so each is known from its own time.
    """
    completed, withdrawn = timeline.completed_at, timeline.withdrawn_at
    if completed is not None and completed <= as_of:
        return True
    if withdrawn is not None and withdrawn <= as_of:
        return False
    return not any(
        entry.status == DepartmentStatus.REJECTED.value
        and entry.department in TOPOLOGY.required
        and entry.occurred_at is not None
        and entry.occurred_at <= as_of
        for entry in timeline.entries
    )
