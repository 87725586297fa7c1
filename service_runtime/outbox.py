"""Transactional outbox inside the aggregate's own document.

A state change and the events it must publish are written in one document update (no
multi-document transaction). The writer then hands what it stored to the relay, which
publishes in order and marks the entries sent; a sweeper republishes anything a crash left
pending. Consumers are idempotent by event id, so a rare double publish changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from contracts.events import Envelope
from service_runtime.telemetry import attach_trace, current_trace_headers, detach_trace

Document = dict[str, Any]
Publish = Callable[[str, str, bytes, dict[str, str]], Awaitable[None]]

log = structlog.get_logger("outbox")
SWEEP_LIMIT = 500


def outbox_entry(topic: str, event: Envelope) -> Document:
    return {
        "event_id": str(event.event_id),
        "topic": topic,
        "key": event.registration_id,
        "payload": event.model_dump_json(),
        "trace": current_trace_headers(),
    }


def outbox_fields_for_new_document(entries: Sequence[Document]) -> Document:
    return {
        "outbox": list(entries),
        "outbox_rev": 1,
        "outbox_sent_ids": [],
        "outbox_pending": bool(entries),
        "outbox_updated_at": datetime.now(UTC),
    }


def with_outbox_append(update: Document, entries: Sequence[Document]) -> Document:
    """Add the operators that append `entries` to an aggregate's own update."""
    if not entries:
        return update
    merged = {op: dict(fields) for op, fields in update.items()}
    merged.setdefault("$push", {})["outbox"] = {"$each": list(entries)}
    merged.setdefault("$inc", {})["outbox_rev"] = 1
    merged.setdefault("$set", {}).update(
        {"outbox_pending": True, "outbox_updated_at": datetime.now(UTC)}
    )
    return merged


@dataclass(frozen=True)
class Stored:
    """Entries one write appended, and the document's outbox revision after that write."""

    document_id: str
    outbox_rev: int
    entries: Sequence[Document]


class OutboxRelay:
    def __init__(self, collection: AsyncCollection[Document], publish: Publish) -> None:
        self._collection = collection
        self._publish = publish
        self._queue: asyncio.Queue[Stored] = asyncio.Queue()
        self._marks: list[UpdateOne] = []
        self._marks_waiting = asyncio.Event()

    async def publish_stored(self, stored: Sequence[Stored]) -> int:
        stored = [s for s in stored if s.entries]
        if not stored:
            return 0
        await asyncio.gather(*(self._publish_in_order(s.entries) for s in stored))
        # Clear `pending` only if nothing was appended since: otherwise the sweeper finishes it.
        marks = [
            UpdateOne(
                {"_id": s.document_id, "outbox_rev": s.outbox_rev},
                {
                    "$set": {"outbox_pending": False},
                    "$addToSet": {"outbox_sent_ids": {"$each": [e["event_id"] for e in s.entries]}},
                },
            )
            for s in stored
        ]
        # Marks are coalesced into one write every few milliseconds: a crash before the
        # write only means the sweeper publishes those events again, which consumers absorb.
        self._marks.extend(marks)
        self._marks_waiting.set()
        return sum(len(s.entries) for s in stored)

    async def write_marks_forever(self, linger: float = 0.05) -> None:
        while True:
            await self._marks_waiting.wait()
            await asyncio.sleep(linger)
            self._marks_waiting.clear()
            marks, self._marks = self._marks, []
            try:
                await self._collection.bulk_write(marks, ordered=False)
            except Exception as error:  # noqa: BLE001 - the entries stay pending; the sweeper retries
                log.warning("outbox_mark_failed", error=repr(error), size=len(marks))

    def enqueue(self, stored: Stored) -> None:
        """Publish soon, coalesced with other writers' entries into one batch."""
        self._queue.put_nowait(stored)

    async def publish_enqueued_forever(self, max_batch: int = 500) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty() and len(batch) < max_batch:
                batch.append(self._queue.get_nowait())
            try:
                await self.publish_stored(batch)
            except Exception as error:  # noqa: BLE001 - entries stay pending; the sweeper retries
                log.warning("outbox_publish_failed", error=repr(error), size=len(batch))

    async def sweep(self, older_than: timedelta) -> int:
        """Publish what an immediate relay missed (crash, broker hiccup)."""
        query = {
            "outbox_pending": True,
            "outbox_updated_at": {"$lt": datetime.now(UTC) - older_than},
        }
        projection = {"outbox": 1, "outbox_rev": 1, "outbox_sent_ids": 1}
        docs = await self._collection.find(query, projection).limit(SWEEP_LIMIT).to_list(None)
        pending = []
        for doc in docs:
            sent = set(doc.get("outbox_sent_ids", []))
            entries = [e for e in doc["outbox"] if e["event_id"] not in sent]
            pending.append(Stored(doc["_id"], doc["outbox_rev"], entries))
        if not pending:
            return 0
        # A document with nothing left to send still needs its flag cleared.
        await self.publish_stored([s for s in pending if s.entries])
        empty = [
            UpdateOne(
                {"_id": s.document_id, "outbox_rev": s.outbox_rev},
                {"$set": {"outbox_pending": False}},
            )
            for s in pending
            if not s.entries
        ]
        if empty:
            await self._collection.bulk_write(empty, ordered=False)
        return sum(len(s.entries) for s in pending)

    async def sweep_forever(self, interval: float, grace: timedelta) -> None:
        while True:
            try:
                sent = await self.sweep(grace)
                if sent:
                    log.info("outbox_swept", sent=sent)
            except Exception as error:  # noqa: BLE001 - keep sweeping; the next round retries
                log.warning("outbox_sweep_failed", error=repr(error))
            await asyncio.sleep(interval)

    async def _publish_in_order(self, entries: Sequence[Document]) -> None:
        for entry in entries:  # in order: one registration's events stay ordered
            token = attach_trace(entry.get("trace") or {})
            try:
                headers = {"content-type": "application/json", "event_id": entry["event_id"]}
                await self._publish(
                    entry["topic"], entry["key"], entry["payload"].encode(), headers
                )
            finally:
                detach_trace(token)
