"""Mongo adapter for timelines, with optimistic concurrency on a revision number."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from contracts.events import RegistrationCompleted
from contracts.topics import REGISTRATION_COMPLETED
from service_runtime.mongo import Document
from service_runtime.outbox import (
    OutboxRelay,
    Stored,
    outbox_entry,
    outbox_fields_for_new_document,
    with_outbox_append,
)
from services.notifier.timeline import Timeline


class ConcurrentTimelineUpdateError(RuntimeError):
    """Another writer changed a timeline first; the batch is retried on fresh state."""


@dataclass
class Loaded:
    timeline: Timeline
    rev: int  # 0 when the timeline is new
    outbox_rev: int = 0


@dataclass(frozen=True)
class Change:
    loaded: Loaded
    outgoing: Sequence[RegistrationCompleted]


class TimelineStore(Protocol):
    async def load(self, registration_ids: Sequence[str]) -> dict[str, Loaded]: ...
    async def save(self, changes: Sequence[Change]) -> list[Stored]: ...
    async def publish(self, stored: Sequence[Stored]) -> None: ...
    async def find(self, registration_id: str) -> Timeline | None: ...


class MongoTimelineStore:
    collection_name = "timelines"

    def __init__(self, database: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        self._timelines = database[self.collection_name]
        self._relay = relay

    async def load(self, registration_ids: Sequence[str]) -> dict[str, Loaded]:
        found = {
            doc["_id"]: Loaded(_timeline(doc), doc["rev"], doc.get("outbox_rev", 1))
            async for doc in self._timelines.find(
                {"_id": {"$in": list(registration_ids)}}, _NO_OUTBOX
            )
        }
        return {rid: found.get(rid) or Loaded(Timeline(rid), 0) for rid in registration_ids}

    async def save(self, changes: Sequence[Change]) -> list[Stored]:
        ops = [_write(change) for change in changes]
        if not ops:
            return []
        try:
            result = await self._timelines.bulk_write(ops, ordered=False)
        except BulkWriteError as error:
            raise ConcurrentTimelineUpdateError(str(error)[:300]) from error
        if result.matched_count + result.upserted_count < len(ops):
            raise ConcurrentTimelineUpdateError("a timeline revision moved on")
        return [_stored(change) for change in changes if change.outgoing]

    async def publish(self, stored: Sequence[Stored]) -> None:
        await self._relay.publish_stored(stored)

    async def find(self, registration_id: str) -> Timeline | None:
        doc = await self._timelines.find_one({"_id": registration_id}, _NO_OUTBOX)
        return None if doc is None else _timeline(doc)


_NO_OUTBOX = {"outbox": 0, "outbox_sent_ids": 0}


def _stored(change: Change) -> Stored:
    entries = [outbox_entry(REGISTRATION_COMPLETED, e) for e in change.outgoing]
    outbox_rev = 1 if change.loaded.rev == 0 else change.loaded.outbox_rev + 1
    return Stored(change.loaded.timeline.registration_id, outbox_rev, entries)


def _state(timeline: Timeline) -> Document:
    return {
        "entries": timeline.entries,
        "departments": timeline.departments,
        "submitted_at": timeline.submitted_at,
        "completed_event_id": timeline.completed_event_id,
        "overall_status": timeline.overall_status,
    }


def _write(change: Change) -> UpdateOne:
    loaded = change.loaded
    entries = [outbox_entry(REGISTRATION_COMPLETED, e) for e in change.outgoing]
    if loaded.rev == 0:
        # Upsert on a filter that no stored document matches: losing a race raises a duplicate key.
        fields = {**_state(loaded.timeline), "rev": 1, **outbox_fields_for_new_document(entries)}
        return UpdateOne(
            {"_id": loaded.timeline.registration_id, "rev": 0}, {"$set": fields}, upsert=True
        )
    update = with_outbox_append(
        {"$set": {**_state(loaded.timeline), "rev": loaded.rev + 1}}, entries
    )
    return UpdateOne({"_id": loaded.timeline.registration_id, "rev": loaded.rev}, update)


def _timeline(doc: Document) -> Timeline:
    return Timeline(
        registration_id=doc["_id"],
        entries=doc.get("entries", []),
        departments=doc.get("departments", {}),
        submitted_at=doc.get("submitted_at"),
        completed_event_id=doc.get("completed_event_id"),
        overall_status=doc.get("overall_status", "submitted"),
    )
