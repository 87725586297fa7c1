"""The timelines as the dashboard and the push read them: each query of the read model, named.

The page and the API read whole timelines through the store (`store.py`, typed); these read
the few fields a count, a timing or an audience needs, from every timeline that qualifies, and
hand them over as `TimelineRow`s: the stored document's shape stays in this module and store.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from service_runtime.mongo import Document


@dataclass(frozen=True)
class TimelineEntry:
    """One event on a timeline, as the figures and the audience read it."""

    department: str | None
    status: str | None
    occurred_at: datetime | None
    round: int = 1
    decided_by: str | None = None  # rules, officer or system, on a department's status

    @classmethod
    def of(cls, entry: Mapping[str, Any]) -> TimelineEntry:
        return cls(
            department=entry.get("department"),
            status=entry.get("status"),
            occurred_at=entry.get("occurred_at"),
            round=entry.get("round") or 1,
            decided_by=entry.get("decided_by"),
        )


@dataclass(frozen=True)
class TimelineRow:
    """The fields of one stored timeline that a named query read (the others stay empty)."""

    registration_id: str
    overall_status: str = "submitted"
    departments: Mapping[str, str] = field(default_factory=dict)
    profile: Mapping[str, Any] = field(default_factory=dict)
    entries: tuple[TimelineEntry, ...] = ()
    submitted_at: datetime | None = None
    completed_at: datetime | None = None
    withdrawn_at: datetime | None = None
    uscc: str | None = None

    @classmethod
    def of(cls, doc: Mapping[str, Any]) -> TimelineRow:
        return cls(
            registration_id=doc["_id"],
            overall_status=doc.get("overall_status") or "submitted",
            departments=doc.get("departments") or {},
            profile=doc.get("profile") or {},
            entries=tuple(TimelineEntry.of(e) for e in doc.get("entries") or ()),
            submitted_at=doc.get("submitted_at"),
            completed_at=doc.get("completed_at"),
            withdrawn_at=doc.get("withdrawn_at"),
            uscc=doc.get("uscc"),
        )

    @property
    def name(self) -> str | None:
        """The enterprise's name, when the profile was read and holds one."""
        name = self.profile.get("name")
        return name if isinstance(name, str) else None


class TimelineReads:
    def __init__(self, timelines: AsyncCollection[Document]) -> None:
        self._timelines = timelines

    async def statuses(self) -> list[TimelineRow]:
        """Every timeline's overall status, departments and enterprise name (the counts)."""
        found = self._timelines.find({}, {"overall_status": 1, "departments": 1, "profile.name": 1})
        return [TimelineRow.of(doc) async for doc in found]

    async def active_since(self, since: datetime) -> list[TimelineRow]:
        """Timelines with an event since `since`: their entries and times (the timings)."""
        found = self._timelines.find(
            {"last_event_at": {"$gte": since}},
            {"entries": 1, "submitted_at": 1, "completed_at": 1, "profile.name": 1},
        )
        return [TimelineRow.of(doc) async for doc in found]

    async def submitted_by(self, as_of: datetime, profile: dict[str, Any]) -> list[TimelineRow]:
        """Timelines submitted by `as_of` whose profile fields equal or fall in `profile`'s."""
        query: dict[str, Any] = {"profile": {"$ne": None}, "submitted_at": {"$lte": as_of}}
        query.update({f"profile.{name}": wanted for name, wanted in profile.items()})
        found = self._timelines.find(
            query, {"profile": 1, "completed_at": 1, "withdrawn_at": 1, "entries": 1}
        )
        return [TimelineRow.of(doc) async for doc in found]

    async def completed(self) -> list[TimelineRow]:
        """Every completed registration's profile, completion time and credit code."""
        found = self._timelines.find(
            {"overall_status": "completed", "completed_at": {"$ne": None}},
            {"profile": 1, "completed_at": 1, "uscc": 1},
        )
        return [TimelineRow.of(doc) async for doc in found]

    async def recently_completed(self, since: datetime, limit: int) -> list[TimelineRow]:
        """The `limit` latest registrations completed since `since`, newest first: their entries
        (the decision times a prediction learns from). A range on the index; keep `since` recent:
        the embedded database reads the whole range before it applies the limit."""
        found = (
            self._timelines.find(
                {"completed_at": {"$gte": since}},
                {"entries": 1, "submitted_at": 1, "completed_at": 1, "overall_status": 1},
            )
            .sort("completed_at", -1)
            .limit(limit)
        )
        return [TimelineRow.of(doc) async for doc in found]

    async def profiles(self, registration_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        found = self._timelines.find({"_id": {"$in": list(registration_ids)}}, {"profile": 1})
        return {doc["_id"]: doc.get("profile") or {} async for doc in found}
