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
from typing import Any, Protocol
from uuid import UUID

import structlog
from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from contracts.events import Envelope
from service_runtime.metrics import OUTBOX_BACKLOG, OUTBOX_OLDEST_SECONDS
from service_runtime.telemetry import trace_headers_for

Document = dict[str, Any]


class KeyedFact(Protocol):
    """An event that is not about one registration: its writer names its key."""

    @property
    def event_id(self) -> UUID: ...

    def model_dump_json(self) -> str: ...


# Queues one record and returns what resolves once the broker acknowledged it.
Send = Callable[[str, str, bytes, dict[str, str]], Awaitable[Awaitable[Any]]]

log = structlog.get_logger("outbox")
SWEEP_LIMIT = 500
IDLE_SWEEP_SECONDS = 60.0  # the longest wait between an idle relay's sweeps


def outbox_entry(topic: str, event: Envelope | KeyedFact, key: str | None = None) -> Document:
    """An event to publish once its document is stored; keyed by its registration unless the
    fact is about something else (a credit source-list entry)."""
    partition_key = key if key is not None else getattr(event, "registration_id", None)
    if partition_key is None:
        msg = f"{type(event).__name__} has no registration id: give its key"
        raise ValueError(msg)
    return {
        "event_id": str(event.event_id),
        "topic": topic,
        "key": partition_key,
        "payload": event.model_dump_json(),
        "trace": trace_headers_for(partition_key),
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

    Clearing is one bulk statement per `linger` for everything published meanwhile: a document's
    outbox is emptied only if every entry in it was published, so an entry appended after
    the publish, or left behind by a failed publish, stays for the next round or the sweeper.
    Sent entries are removed, not kept: the events live on the topics.
    """

    def __init__(
        self, collection: AsyncCollection[Document], send: Send, linger: float = 0.25
    ) -> None:
        self._collection = collection
        self._send = send
        self._linger = linger
        self._queue: asyncio.Queue[Stored] = asyncio.Queue()
        self._published: dict[str, set[str]] = {}  # document id -> event ids published
        self._previous: dict[str, set[str]] = {}  # the round before, for appends in between
        self._marks_waiting = asyncio.Event()
        self._published_since_sweep = True  # the first rounds after a start sweep briskly

    async def publish_stored(self, stored: Sequence[Stored]) -> int:
        stored = [s for s in stored if s.entries]
        if not stored:
            return 0
        self._published_since_sweep = True
        # Every entry queued in order, then every acknowledgement awaited: one registration's
        # events on one topic keep their order (same key, same partition).
        await asyncio.gather(
            *[await self._send_entry(entry) for s in stored for entry in s.entries]
        )
        for s in stored:
            self._published.setdefault(s.document_id, set()).update(
                e["event_id"] for e in s.entries
            )
        self._marks_waiting.set()
        return sum(len(s.entries) for s in stored)

    async def clear_published(self) -> None:
        """One statement for every document published since the last call."""
        published, self._published = self._published, {}
        if not published:
            return
        # Each document is checked against its own events only. One filter naming every event
        # of the round cost the database (which matches each outbox entry against the whole
        # list) time that grew with the square of the rate: a quarter of its CPU at 10/s.
        clears = [
            UpdateOne(
                {
                    "_id": document_id,
                    **all_published(sorted(ids | self._previous.get(document_id, set()))),
                },
                {"$set": {"outbox": [], "outbox_pending": False}},
            )
            for document_id, ids in published.items()
        ]
        try:
            await self._collection.bulk_write(clears, ordered=False)
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

    async def measure_backlog(self) -> None:
        """Documents with unconfirmed entries, and how long the oldest has waited."""
        name = self._collection.name
        pending = {"outbox_pending": True}
        OUTBOX_BACKLOG.labels(name).set(await self._collection.count_documents(pending))
        oldest = await self._collection.find_one(
            pending, {"outbox_updated_at": 1}, sort=[("outbox_updated_at", 1)]
        )
        since = oldest.get("outbox_updated_at") if oldest else None
        age = (datetime.now(UTC) - since).total_seconds() if since else 0.0
        OUTBOX_OLDEST_SECONDS.labels(name).set(max(age, 0.0))

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

    async def sweep_forever(
        self, interval: float, grace: timedelta, idle_interval: float = IDLE_SWEEP_SECONDS
    ) -> None:
        """Sweep every `interval` while this relay publishes; when it has published nothing
        and found nothing since the last sweep, wait twice as long each time, up to
        `idle_interval`. What a sweep recovers is left by a publish that failed here or by a
        crash (the first sweep after a start finds that); an idle stack's sweeps find nothing,
        and a service now has several relays, each sweeping its own collection."""
        wait = interval
        while True:
            sent = 0
            try:
                sent = await self.sweep(grace)
                if sent:
                    log.info("outbox_swept", sent=sent)
            except Exception as error:  # noqa: BLE001 - keep sweeping; the next round retries
                log.warning("outbox_sweep_failed", error=repr(error))
            busy, self._published_since_sweep = self._published_since_sweep, False
            wait = interval if busy or sent else min(wait * 2, max(idle_interval, interval))
            await asyncio.sleep(wait)

    async def _send_entry(self, entry: Document) -> Awaitable[Any]:
        # The entry carries the trace it was written in, so its consumer continues that trace.
        headers = {
            **(entry.get("trace") or {}),
            "content-type": "application/json",
            "event_id": entry["event_id"],
        }
        return await self._send(entry["topic"], entry["key"], entry["payload"].encode(), headers)
