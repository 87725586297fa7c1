"""The timelines as the dashboard and the push read them: each query of the read model, named.

The page and the API read whole timelines through the store (`store.py`, typed); these read
the few fields a count, a timing or an audience needs, from every timeline that qualifies.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from service_runtime.mongo import Document


class TimelineReads:
    def __init__(self, timelines: AsyncCollection[Document]) -> None:
        self._timelines = timelines

    async def statuses(self) -> list[Document]:
        """Every timeline's overall status, departments and enterprise name (the counts)."""
        found = self._timelines.find({}, {"overall_status": 1, "departments": 1, "profile.name": 1})
        return [doc async for doc in found]

    async def active_since(self, since: datetime) -> list[Document]:
        """Timelines with an event since `since`: their entries and times (the timings)."""
        found = self._timelines.find(
            {"last_event_at": {"$gte": since}},
            {"entries": 1, "submitted_at": 1, "completed_at": 1, "profile.name": 1},
        )
        return [doc async for doc in found]

    async def submitted_by(self, as_of: datetime, profile: dict[str, Any]) -> list[Document]:
        """Timelines submitted by `as_of` whose profile fields equal or fall in `profile`'s."""
        query: dict[str, Any] = {"profile": {"$ne": None}, "submitted_at": {"$lte": as_of}}
        query.update({f"profile.{name}": wanted for name, wanted in profile.items()})
        found = self._timelines.find(
            query, {"profile": 1, "completed_at": 1, "withdrawn_at": 1, "entries": 1}
        )
        return [doc async for doc in found]

    async def completed(self) -> list[Document]:
        """Every completed registration's profile, completion time and credit code."""
        found = self._timelines.find(
            {"overall_status": "completed", "completed_at": {"$ne": None}},
            {"profile": 1, "completed_at": 1, "uscc": 1},
        )
        return [doc async for doc in found]

    async def profiles(self, registration_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        found = self._timelines.find({"_id": {"$in": list(registration_ids)}}, {"profile": 1})
        return {doc["_id"]: doc.get("profile") or {} async for doc in found}
