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
        "outbox_pending": bool(entries),
        "outbox_updated_at": datetime.now(UTC),
    }


def with_outbox_append(update: Document, entries: Sequence[Document]) -> Document:
    """Add the operators that append `entries` to an aggregate's own update."""
    if not entries:
        return update
    merged = {op: dict(fields) for op, fields in update.items()}
    merged.setdefault("$push", {})["outbox"] = {"$each": list(entries)}
    merged.setdefault("$set", {}).update(
        {"outbox_pending": True, "outbox_updated_at": datetime.now(UTC)}
    )
    return merged


def all_published(event_ids: Sequence[str]) -> Document:
    """Matches a document whose outbox holds no entry outside `event_ids` (or none at all)."""
    return {"outbox": {"$not": {"$elemMatch": {"event_id": {"$nin": list(event_ids)}}}}}


@dataclass(frozen=True)
class Stored:
    """Entries one write appended to one document's outbox."""

    document_id: str
    entries: Sequence[Document]


class OutboxRelay:
    """Publishes stored entries, then clears them from their documents.

    Clearing is one statement per `linger` for everything published meanwhile: a document's
    outbox is emptied only if every entry in it was published, so an entry appended after
    the publish, or left behind by a failed publish, stays for the next round or the sweeper.
    Sent entries are removed, not kept: the events live on the topics.
    """

    def __init__(
        self, collection: AsyncCollection[Document], publish: Publish, linger: float = 0.25
    ) -> None:
        self._collection = collection
        self._publish = publish
        self._linger = linger
        self._queue: asyncio.Queue[Stored] = asyncio.Queue()
        self._published: dict[str, set[str]] = {}  # document id -> event ids published
        self._previous: dict[str, set[str]] = {}  # the round before, for appends in between
        self._marks_waiting = asyncio.Event()

    async def publish_stored(self, stored: Sequence[Stored]) -> int:
        stored = [s for s in stored if s.entries]
        if not stored:
            return 0
        await asyncio.gather(*(self._publish_in_order(s.entries) for s in stored))
        for s in stored:
            self._published.setdefault(s.document_id, set()).update(
                e["event_id"] for e in s.entries
            )
        self._marks_waiting.set()
        return sum(len(s.entries) for s in stored)

    async def clear_published(self) -> None:
        """One update for every document published since the last call."""
        published, self._published = self._published, {}
        if not published:
            return
        event_ids = set().union(*published.values(), *self._previous.values())
        try:
            await self._collection.update_many(
                {"_id": {"$in": list(published)}, **all_published(sorted(event_ids))},
                {"$set": {"outbox": [], "outbox_pending": False}},
            )
        except Exception as error:  # noqa: BLE001 - the entries stay pending; the sweeper retries
            log.warning("outbox_clear_failed", error=repr(error), size=len(published))
        self._previous = published

    async def write_marks_forever(self) -> None:
        # A crash before the clearing write only means the sweeper publishes those events
        # again, which consumers absorb (they are idempotent by event id).
        while True:
            await self._marks_waiting.wait()
            await asyncio.sleep(self._linger)
            self._marks_waiting.clear()
            await self.clear_published()

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
        docs = await self._collection.find(query, {"outbox": 1}).limit(SWEEP_LIMIT).to_list(None)
        if not docs:
            return 0
        sent = await self.publish_stored([Stored(d["_id"], d.get("outbox") or []) for d in docs])
        for doc in docs:
            self._published.setdefault(doc["_id"], set())
        await self.clear_published()  # now: a document with nothing left also gets cleared
        return sent

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
        """Each topic's entries in order; different topics at once.

        One registration's events on one topic stay ordered. Order across topics was never
        promised (a consumer reads their partitions in any order), and a submitted form goes to
        each recipient's own topic: one after another cost a broker round trip each.
        """
        by_topic: dict[str, list[Document]] = {}
        for entry in entries:
            by_topic.setdefault(entry["topic"], []).append(entry)
        await asyncio.gather(*(self._publish_each(same) for same in by_topic.values()))

    async def _publish_each(self, entries: Sequence[Document]) -> None:
        for entry in entries:
            token = attach_trace(entry.get("trace") or {})
            try:
                headers = {"content-type": "application/json", "event_id": entry["event_id"]}
                await self._publish(
                    entry["topic"], entry["key"], entry["payload"].encode(), headers
                )
            finally:
                detach_trace(token)
