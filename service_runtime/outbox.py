"""Transactional outbox inside the aggregate's own document.

A state change and the events it must publish are written in one document update (no
multi-document transaction). The relay publishes pending entries in order, then marks them
sent; a crash in between republishes them, which idempotent consumers absorb.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
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
        "outbox_sent": 0,
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


class OutboxRelay:
    def __init__(self, collection: AsyncCollection[Document], publish: Publish) -> None:
        self._collection = collection
        self._publish = publish

    async def relay(self, ids: Sequence[str] | None = None, older_than: timedelta | None = None) -> int:
        query: Document = {"outbox_pending": True}
        if ids is not None:
            query["_id"] = {"$in": list(ids)}
        if older_than is not None:
            query["outbox_updated_at"] = {"$lt": datetime.now(UTC) - older_than}
        projection = {"outbox": 1, "outbox_rev": 1, "outbox_sent": 1}
        docs = await self._collection.find(query, projection).to_list(None)
        if not docs:
            return 0
        counts = await asyncio.gather(*(self._publish_document(doc) for doc in docs))
        marks = [
            UpdateOne(
                {"_id": doc["_id"], "outbox_rev": doc["outbox_rev"]},
                {"$set": {"outbox_sent": len(doc["outbox"]), "outbox_pending": False}},
            )
            for doc in docs
        ]
        await self._collection.bulk_write(marks, ordered=False)
        return sum(counts)

    async def _publish_document(self, doc: Document) -> int:
        pending = doc["outbox"][doc.get("outbox_sent", 0) :]
        for entry in pending:  # in order: one registration's events stay ordered
            token = attach_trace(entry.get("trace") or {})
            try:
                headers = {"content-type": "application/json", "event_id": entry["event_id"]}
                await self._publish(entry["topic"], entry["key"], entry["payload"].encode(), headers)
            finally:
                detach_trace(token)
        return len(pending)

    async def sweep_forever(self, interval: float, grace: timedelta) -> None:
        """Publish what an immediate relay missed (crash, broker hiccup)."""
        while True:
            try:
                sent = await self.relay(older_than=grace)
                if sent:
                    log.info("outbox_swept", sent=sent)
            except Exception as error:  # noqa: BLE001 - keep sweeping; the next round retries
                log.warning("outbox_sweep_failed", error=repr(error))
            await asyncio.sleep(interval)
