"""The source-list entries the credit service keeps: recorded idempotently, found by subject.

An entry is stored under its key (`<list>:<entry id>`) with its content's fingerprint, so the
same row ingested again changes nothing and publishes nothing. A new or changed row is stored
with its `credit.list-entry-recorded.v1` event in the same document (the outbox), and that
event makes the portraits it touches recompute (portraits.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import NAMESPACE_URL, uuid5

from pymongo import ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase

from contracts.credit import CreditListEntryRecorded
from contracts.topics import CREDIT_LIST_ENTRY_RECORDED
from service_runtime.mongo import Document
from service_runtime.outbox import OutboxRelay, Stored, outbox_entry, outbox_fields_for_new_document
from services.credit.facts import ListEntry

_RECORDED = uuid5(NAMESPACE_URL, "https://enterprise-page.example/credit/list-entry")


@dataclass(frozen=True)
class Recorded:
    recorded: int  # new, or changed since the last time
    unchanged: int


class ListEntryStore:
    collection_name = "list_entries"

    def __init__(self, database: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        self.collection = database[self.collection_name]
        self._relay = relay

    async def create_indexes(self) -> None:
        await self.collection.create_index("subject_id")
        await self.collection.create_index("outbox_pending")

    async def record(self, entries: Sequence[ListEntry]) -> Recorded:
        """Store what is new or changed, with its event; the rest is counted as unchanged."""
        latest = {entry.key: entry for entry in entries}  # a row repeated in one batch: once
        known = {
            doc["_id"]: doc.get("fingerprint")
            async for doc in self.collection.find(
                {"_id": {"$in": list(latest)}}, {"fingerprint": 1}
            )
        }
        changed = [e for e in latest.values() if known.get(e.key) != e.fingerprint]
        if not changed:
            return Recorded(0, len(entries))
        now = datetime.now(UTC)
        writes, stored = [], []
        for entry in changed:
            event = CreditListEntryRecorded(
                # Derived from the content: a retried request stores the same event id.
                event_id=uuid5(_RECORDED, f"{entry.key}:{entry.fingerprint}"),
                source="credit",
                occurred_at=now,
                list=entry.list.value,
                entry_key=entry.key,
                subject_kind=entry.subject_kind,
                uscc=entry.subject_id if entry.subject_kind == "enterprise" else None,
            )
            out = outbox_entry(CREDIT_LIST_ENTRY_RECORDED, event, key=entry.key)
            writes.append(ReplaceOne({"_id": entry.key}, _document(entry, [out]), upsert=True))
            stored.append(Stored(entry.key, [out]))
        await self.collection.bulk_write(writes, ordered=False)
        await self._relay.publish_stored(stored)
        return Recorded(len(changed), len(entries) - len(changed))

    async def by_keys(self, keys: Iterable[str]) -> list[ListEntry]:
        cursor = self.collection.find({"_id": {"$in": list(keys)}}, {"entry": 1})
        return [ListEntry.model_validate(doc["entry"]) async for doc in cursor]

    async def naming(self, subject_ids: Iterable[str]) -> list[ListEntry]:
        """Every entry about these persons or enterprises, active or removed."""
        ids = sorted(set(subject_ids))
        if not ids:
            return []
        cursor = self.collection.find({"subject_id": {"$in": ids}}, {"entry": 1})
        return [ListEntry.model_validate(doc["entry"]) async for doc in cursor]


def _document(entry: ListEntry, outbox: list[Document]) -> Document:
    return {
        "entry": entry.model_dump(mode="json"),
        "fingerprint": entry.fingerprint,
        "list": entry.list.value,
        "subject_kind": entry.subject_kind,
        "subject_id": entry.subject_id,
        **outbox_fields_for_new_document(outbox),
    }
