"""Aggregates stored one document each, written with optimistic concurrency and an outbox.

Every write names the revision it read; a write that lost a race raises, and the caller
(usually the delivery policy) retries on fresh state. New events go into the same document
update, so state and events can never disagree.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import bson
from bson import Decimal128, ObjectId
from bson.errors import InvalidDocument
from pymongo import InsertOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from service_runtime.outbox import Stored, outbox_fields_for_new_document, with_outbox_append

Document = dict[str, Any]
NO_OUTBOX = {"outbox": 0}
# The consumer's own recent writes: a registration's events arrive within seconds of each other,
# so 5,000 is minutes of traffic at the national peak and a long minute at 100/s.
CACHE_SIZE = 5_000


class ConcurrentUpdateError(RuntimeError):
    """Another writer changed the document first; retry on fresh state."""


@dataclass
class Versioned:
    id: str
    document: Document | None  # None: not stored yet; the caller's to change
    rev: int = 0
    # The document as stored at `rev`, never handed out: an update sets what differs from it.
    # Aggregates built on `document` change its lists and dicts in place, so it cannot serve.
    stored: Document | None = field(default=None, repr=False, compare=False)


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

    The cache keeps each document as its BSON bytes, which the garbage collector does not
    track: as dicts, thousands of cached documents were millions of objects that every full
    collection walked, a pause that grew with the registrations a process had handled (a full
    collection over 6,000 cached timelines took 147 ms, measured). A hit decodes what a miss
    would have read, with the collection's own codec options.

    Costs measured on the local database shaped the writes: a new document is an insert (about
    a fifth of an upsert's cost), and an update sets only the fields that changed and appends
    to a list that only grew, instead of rewriting the whole document.
    """

    def __init__(self, collection: AsyncCollection[Document], cache_size: int = CACHE_SIZE) -> None:
        self.collection = collection
        self._codec = collection.codec_options
        self._cache: OrderedDict[str, tuple[bytes, int]] = OrderedDict()  # id -> (BSON, rev)
        self._cache_size = cache_size
        self._must_read: set[str] = set()  # a write lost a race here: read before presuming

    async def load(
        self, ids: Sequence[str], presumed_new: Collection[str] = ()
    ) -> dict[str, Versioned]:
        """The current state of each id; None where nothing is stored yet.

        `presumed_new` are ids whose documents almost surely do not exist yet (their first
        event is here): they are not looked up. If one does exist, its insert fails as a
        duplicate, the write raises ConcurrentUpdateError, and the retry reads it.
        """
        cached = {i: self._cache[i] for i in ids if i in self._cache}
        missing = [
            i for i in ids if i not in cached and (i not in presumed_new or i in self._must_read)
        ]
        found = (
            {
                doc["_id"]: Versioned(doc["_id"], doc, doc.get("rev", 1), copy_document(doc))
                async for doc in self.collection.find({"_id": {"$in": missing}}, NO_OUTBOX)
            }
            if missing
            else {}
        )
        self._must_read.difference_update(missing)
        hits = {
            i: Versioned(i, self._decode(data), rev, stored=self._decode(data))
            for i, (data, rev) in cached.items()
        }
        return {i: hits.get(i) or found.get(i) or Versioned(i, None) for i in ids}

    def forget(self, ids: Sequence[str]) -> None:
        for i in ids:
            self._cache.pop(i, None)
            self._must_read.add(i)
        while len(self._must_read) > self._cache_size:
            self._must_read.pop()

    async def save(self, writes: Sequence[Write]) -> list[Stored]:
        if not writes:
            return []
        ops = [_operation(w) for w in writes]
        try:
            result = await self.collection.bulk_write(ops, ordered=False)
        except BulkWriteError as error:  # a duplicate key: someone created it first
            self.forget([w.read.id for w in writes])
            raise ConcurrentUpdateError(str(error)[:300]) from error
        if result.matched_count + result.inserted_count < len(ops):
            self.forget([w.read.id for w in writes])
            raise ConcurrentUpdateError("a document's revision moved on")
        for w in writes:
            self._remember(w)
        return [Stored(w.read.id, list(w.outbox)) for w in writes if w.outbox]

    def _remember(self, write: Write) -> None:
        read = write.read
        rev = 1 if read.document is None else read.rev + 1
        try:
            data = bson.encode(write.state, codec_options=self._codec)
        except (InvalidDocument, TypeError, OverflowError):
            # Whatever the write stored is encodable; this is only the cache: read it next time.
            self._cache.pop(read.id, None)
            return
        self._cache[read.id] = (data, rev)
        self._cache.move_to_end(read.id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _decode(self, data: bytes) -> Document:
        return bson.decode(data, codec_options=self._codec)


def _operation(write: Write) -> InsertOne[Document] | UpdateOne:
    read = write.read
    if read.document is None:
        # Losing a creation race raises a duplicate key on `_id`.
        fields = {**write.state, "rev": 1, **outbox_fields_for_new_document(write.outbox)}
        return InsertOne({"_id": read.id, **fields})
    changes = (
        {"$set": dict(write.state)} if read.stored is None else _changes(read.stored, write.state)
    )
    update = with_outbox_append(changes, write.outbox)
    update.setdefault("$set", {})["rev"] = read.rev + 1
    return UpdateOne({"_id": read.id, "rev": read.rev}, update)


def _changes(before: Document, after: Document) -> Document:
    """`$set` for the fields that changed; `$push` for lists that only grew at the end."""
    changed: Document = {}
    appended: Document = {}
    for key, value in after.items():
        old = before.get(key, _ABSENT)
        if old == value:
            continue
        if isinstance(old, list) and isinstance(value, list) and _grew(old, value):
            appended[key] = {"$each": value[len(old) :]}
        else:
            changed[key] = value
    update: Document = {"$set": changed}
    if appended:
        update["$push"] = appended
    return update


def _grew(old: list[Any], new: list[Any]) -> bool:
    return len(new) > len(old) and new[: len(old)] == old


_ABSENT = object()
# Values a document holds that nothing changes in place: shared by a copy, not copied.
_IMMUTABLE = (
    str,
    int,
    float,
    bytes,
    type(None),
    datetime,
    date,
    Decimal,
    UUID,
    ObjectId,
    Decimal128,
)


def copy_document(value: Any) -> Any:  # noqa: ANN401 - any BSON value
    """A deep copy of a stored document: what `copy.deepcopy` makes, three to four times faster.

    Every load and save copies the aggregate (the timelines are 5-7 KB), and a py-spy profile
    of the notifier at 10 registrations/s put 4% of its CPU in `deepcopy`'s general machinery
    (its memo, its dispatch per type) for plain dicts, lists and scalars. Anything else falls
    back to `copy.deepcopy`.
    """
    kind = type(value)
    if kind is dict:
        return {key: copy_document(item) for key, item in value.items()}
    if kind is list:
        return [copy_document(item) for item in value]
    if kind is tuple:
        return tuple(copy_document(item) for item in value)
    if isinstance(value, _IMMUTABLE):
        return value
    return copy.deepcopy(value)
