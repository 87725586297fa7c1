"""Mongo adapter for timelines: one versioned document per registration."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from pymongo.asynchronous.database import AsyncDatabase

from contracts.events import RegistrationCompleted
from contracts.topics import REGISTRATION_COMPLETED
from service_runtime.aggregates import NO_OUTBOX, Versioned, VersionedCollection, Write
from service_runtime.mongo import Document
from service_runtime.outbox import OutboxRelay, Stored, outbox_entry
from services.notifier.timeline import Timeline


@dataclass
class Loaded:
    timeline: Timeline
    read: Versioned


@dataclass(frozen=True)
class Change:
    loaded: Loaded
    outgoing: Sequence[RegistrationCompleted]


class TimelineStore(Protocol):
    async def load(
        self, registration_ids: Sequence[str], presumed_new: Collection[str] = ()
    ) -> dict[str, Loaded]: ...
    async def save(self, changes: Sequence[Change]) -> list[Stored]: ...
    async def publish(self, stored: Sequence[Stored]) -> None: ...
    async def find(self, registration_id: str) -> Timeline | None: ...


class MongoTimelineStore:
    collection_name = "timelines"

    def __init__(self, database: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        self._timelines = VersionedCollection(database[self.collection_name])
        self._relay = relay

    async def load(
        self, registration_ids: Sequence[str], presumed_new: Collection[str] = ()
    ) -> dict[str, Loaded]:
        read = await self._timelines.load(registration_ids, presumed_new)
        return {rid: Loaded(_timeline(rid, v.document, v.rev), v) for rid, v in read.items()}

    async def save(self, changes: Sequence[Change]) -> list[Stored]:
        stored = await self._timelines.save(
            [
                Write(
                    c.loaded.read,
                    _state(c.loaded.timeline),
                    [outbox_entry(REGISTRATION_COMPLETED, e) for e in c.outgoing],
                )
                for c in changes
            ]
        )
        for c in changes:  # the copies handed to live streams carry the revision just written
            read = c.loaded.read
            c.loaded.timeline.rev = 1 if read.document is None else read.rev + 1
        return stored

    async def publish(self, stored: Sequence[Stored]) -> None:
        await self._relay.publish_stored(stored)

    async def find(self, registration_id: str) -> Timeline | None:
        doc = await self._timelines.collection.find_one({"_id": registration_id}, NO_OUTBOX)
        return None if doc is None else _timeline(registration_id, doc)

    async def find_many(self, registration_ids: Sequence[str]) -> dict[str, Timeline]:
        cursor = self._timelines.collection.find(
            {"_id": {"$in": list(registration_ids)}}, NO_OUTBOX
        )
        return {doc["_id"]: _timeline(doc["_id"], doc) async for doc in cursor}

    async def revisions(self, registration_ids: Sequence[str]) -> dict[str, int]:
        """The stored revision of each timeline that exists: one statement, ids only."""
        cursor = self._timelines.collection.find(
            {"_id": {"$in": list(registration_ids)}}, {"rev": 1}
        )
        return {doc["_id"]: doc.get("rev", 1) async for doc in cursor}

    async def owns_uscc(self, registration_ids: Sequence[str], uscc: str) -> bool:
        found = await self._timelines.collection.find_one(
            {"_id": {"$in": list(registration_ids)}, "uscc": uscc}, {"_id": 1}
        )
        return found is not None


def _state(timeline: Timeline) -> Document:
    return {
        "entries": timeline.entries,
        "departments": timeline.departments,
        "positions": timeline.positions,
        "submitted_at": timeline.submitted_at,
        "completed_event_id": timeline.completed_event_id,
        "withdrawn_at": timeline.withdrawn_at,
        "overall_status": timeline.overall_status,
        "profile": timeline.profile,
        "uscc": timeline.uscc,
        "completed_at": timeline.completed_at,
        "last_event_at": timeline.last_event_at,
        "min_token_version": timeline.min_token_version,
        "data_reads": timeline.data_reads,
        "credit": timeline.credit,
        "delivery": timeline.delivery,
        "deregistration": timeline.deregistration,
        "annual_reports": timeline.annual_reports,
        "permits": timeline.permits,
        "questions": timeline.questions,
        "changes": timeline.changes,
    }


def _timeline(registration_id: str, doc: Document | None, rev: int | None = None) -> Timeline:
    doc = doc or {}
    return Timeline(
        registration_id=registration_id,
        entries=doc.get("entries", []),
        departments=doc.get("departments", {}),
        positions={k: tuple(v) for k, v in doc.get("positions", {}).items()},
        submitted_at=doc.get("submitted_at"),
        completed_event_id=doc.get("completed_event_id"),
        withdrawn_at=doc.get("withdrawn_at"),
        overall_status=doc.get("overall_status", "submitted"),
        profile=doc.get("profile"),
        uscc=doc.get("uscc"),
        completed_at=doc.get("completed_at"),
        last_event_at=doc.get("last_event_at"),
        min_token_version=doc.get("min_token_version", 0),
        data_reads=doc.get("data_reads", []),
        credit=doc.get("credit"),
        delivery=doc.get("delivery"),
        deregistration=doc.get("deregistration"),
        annual_reports=doc.get("annual_reports"),
        permits=doc.get("permits"),
        questions=doc.get("questions"),
        changes=doc.get("changes"),
        rev=doc.get("rev", 0) if rev is None else rev,
    )
