"""Aggregates stored one document each, written with optimistic concurrency and an outbox.

Every write names the revision it read; a write that lost a race raises, and the caller
(usually the delivery policy) retries on fresh state. New events go into the same document
update, so state and events can never disagree.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from service_runtime.outbox import Stored, outbox_fields_for_new_document, with_outbox_append

Document = dict[str, Any]
NO_OUTBOX = {"outbox": 0}


class ConcurrentUpdateError(RuntimeError):
    """Another writer changed the document first; retry on fresh state."""


@dataclass
class Versioned:
    id: str
    document: Document | None  # None: not stored yet
    rev: int = 0


@dataclass
class Write:
    read: Versioned
    state: Document
    outbox: Sequence[Document] = field(default_factory=list)


class VersionedCollection:
    """Reads go through a bounded cache of what this process last wrote.

    One consumer owns a partition, so its own last write is usually the current state. If
    another writer moved on (a rebalance, a second instance), the revision check fails, the
    cache entries are dropped and the caller retries on fresh state.
    """

    def __init__(self, collection: AsyncCollection[Document], cache_size: int = 20_000) -> None:
        self.collection = collection
        self._cache: OrderedDict[str, Versioned] = OrderedDict()
        self._cache_size = cache_size

    async def load(self, ids: Sequence[str]) -> dict[str, Versioned]:
        cached = {i: self._cache[i] for i in ids if i in self._cache}
        missing = [i for i in ids if i not in cached]
        found = (
            {
                doc["_id"]: Versioned(doc["_id"], doc, doc.get("rev", 1))
                async for doc in self.collection.find({"_id": {"$in": missing}}, NO_OUTBOX)
            }
            if missing
            else {}
        )
        hits = {i: Versioned(i, copy.deepcopy(v.document), v.rev) for i, v in cached.items()}
        return {i: hits.get(i) or found.get(i) or Versioned(i, None) for i in ids}

    def forget(self, ids: Sequence[str]) -> None:
        for i in ids:
            self._cache.pop(i, None)

    async def save(self, writes: Sequence[Write]) -> list[Stored]:
        if not writes:
            return []
        ops = [_operation(w) for w in writes]
        try:
            result = await self.collection.bulk_write(ops, ordered=False)
        except BulkWriteError as error:  # a duplicate key: someone created it first
            self.forget([w.read.id for w in writes])
            raise ConcurrentUpdateError(str(error)[:300]) from error
        if result.matched_count + result.upserted_count < len(ops):
            self.forget([w.read.id for w in writes])
            raise ConcurrentUpdateError("a document's revision moved on")
        for w in writes:
            self._remember(w)
        return [Stored(w.read.id, list(w.outbox)) for w in writes if w.outbox]

    def _remember(self, write: Write) -> None:
        read = write.read
        rev = 1 if read.document is None else read.rev + 1
        self._cache[read.id] = Versioned(read.id, copy.deepcopy(write.state), rev)
        self._cache.move_to_end(read.id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


def _operation(write: Write) -> UpdateOne:
    read = write.read
    if read.document is None:
        # A filter no stored document matches: losing a creation race raises a duplicate key.
        fields = {**write.state, "rev": 1, **outbox_fields_for_new_document(write.outbox)}
        return UpdateOne({"_id": read.id, "rev": 0}, {"$set": fields}, upsert=True)
    update = with_outbox_append({"$set": {**write.state, "rev": read.rev + 1}}, write.outbox)
    return UpdateOne({"_id": read.id, "rev": read.rev}, update)
