"""Who a push is for: the notifier's timelines, read for enterprises' profiles and standing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from contracts.events import DepartmentStatus
from contracts.notices import PolicyTargeting
from contracts.topology import TOPOLOGY
from services.notifier.profile import matches


class Audience:
    """Reads the notifier's timelines to find who a push is for."""

    def __init__(self, timelines: Any) -> None:  # noqa: ANN401 - a pymongo collection
        self._timelines = timelines

    async def matching(self, targeting: PolicyTargeting, as_of: datetime) -> list[dict[str, Any]]:
        """Registrations whose enterprise matches, as the page stood at `as_of`.

        Submitted by then and neither withdrawn nor refused by then (`reachable_at`): the
        audience follows from the timelines and the policy's own time, not from when a consumer
        got to it, so a rebuild from the topics reaches the same enterprises as the live run.
        """
        query: dict[str, Any] = {"profile": {"$ne": None}, "submitted_at": {"$lte": as_of}}
        if targeting.areas:
            query["profile.area"] = {"$in": [a.value for a in targeting.areas]}
        if targeting.enterprise_types:
            query["profile.type"] = {"$in": [t.value for t in targeting.enterprise_types]}
        if targeting.sizes:
            query["profile.size"] = {"$in": [s.value for s in targeting.sizes]}
        if targeting.foreign_invested is not None:
            query["profile.foreign_invested"] = targeting.foreign_invested
        cursor = self._timelines.find(
            query, {"profile": 1, "completed_at": 1, "withdrawn_at": 1, "entries": 1}
        )
        found = [doc async for doc in cursor]
        # Prefixes are matched here: one code, many prefixes, no regex for the database to scan.
        return [
            doc for doc in found if matches(doc["profile"], targeting) and reachable_at(doc, as_of)
        ]

    async def registered(self) -> list[dict[str, Any]]:
        cursor = self._timelines.find(
            {"overall_status": "completed", "completed_at": {"$ne": None}},
            {"profile": 1, "completed_at": 1, "uscc": 1},
        )
        return [doc async for doc in cursor]

    async def profiles(self, registration_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        cursor = self._timelines.find({"_id": {"$in": list(registration_ids)}}, {"profile": 1})
        return {doc["_id"]: doc.get("profile") or {} async for doc in cursor}


def reachable_at(timeline: dict[str, Any], as_of: datetime) -> bool:
    """Whether a registration was neither withdrawn nor refused at `as_of` (the page's status).

    Completion is final, and a required department's refusal is final for the registration
    (timeline.overall_status), so each is known from its own time.
    """
    completed, withdrawn = timeline.get("completed_at"), timeline.get("withdrawn_at")
    if completed is not None and completed <= as_of:
        return True
    if withdrawn is not None and withdrawn <= as_of:
        return False
    return not any(
        entry.get("status") == DepartmentStatus.REJECTED.value
        and entry.get("department") in TOPOLOGY.required
        and entry["occurred_at"] <= as_of
        for entry in timeline.get("entries", ())
    )
