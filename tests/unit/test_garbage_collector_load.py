"""What a service keeps for long stays out of the garbage collector's full collections.

A full collection walks every tracked object and pauses the process that long; these tests fail
when cached aggregates are kept as dicts again, or when the startup heap is not frozen.
"""

import gc
from datetime import UTC, datetime

from pymongo import AsyncMongoClient

from service_runtime.aggregates import Versioned, VersionedCollection, Write
from service_runtime.heap import freeze_startup_heap
from service_runtime.mongo import Document

# Never connects: a hit on the cache reads nothing.
CLIENT: AsyncMongoClient[Document] = AsyncMongoClient(
    "mongodb://127.0.0.1:1", connect=False, tz_aware=True
)


def timeline_like(n: int) -> Document:
    return {
        "registration_id": f"r{n}",
        "status": "in_progress",
        "entries": [
            {"seq": i, "department": "tax", "at": datetime(2026, 12, 5, tzinfo=UTC), "tags": ["a"]}
            for i in range(8)
        ],
        "departments": {"tax": "approved", "market": "approved"},
    }


def tracked_objects() -> int:
    gc.collect()
    return len(gc.get_objects())


async def test_cached_documents_are_not_objects_the_collector_walks() -> None:
    aggregates = VersionedCollection(CLIENT["unit"]["timelines"], cache_size=5_000)
    before = tracked_objects()
    for n in range(2_000):
        aggregates._remember(Write(Versioned(f"r{n}", None), timeline_like(n)))  # noqa: SLF001
    grown = tracked_objects() - before
    # As dicts these were about 60 tracked objects each: 120,000.
    assert grown < 2_000


async def test_a_cache_hit_hands_out_copies_that_equal_what_was_written() -> None:
    aggregates = VersionedCollection(CLIENT["unit"]["timelines"])
    state = timeline_like(1)
    aggregates._remember(Write(Versioned("r1", None), state))  # noqa: SLF001
    first = (await aggregates.load(["r1"]))["r1"]
    assert first.document == state
    assert first.rev == 1
    assert first.document is not first.stored
    assert first.document is not None
    first.document["entries"][0]["tags"].append("changed in place")
    again = (await aggregates.load(["r1"]))["r1"]
    assert again.document == state  # the cache is untouched by what a handler did to its copy
    assert first.stored == state


async def test_a_document_the_codec_cannot_encode_is_not_cached() -> None:
    aggregates = VersionedCollection(CLIENT["unit"]["timelines"])
    aggregates._remember(Write(Versioned("r1", None), {"odd": {1, 2}}))  # noqa: SLF001
    assert "r1" not in aggregates._cache  # noqa: SLF001 - read from the database next time


def test_the_startup_heap_is_frozen_once() -> None:
    frozen = freeze_startup_heap()
    assert frozen > 0
    made_after = [[n] for n in range(10_000)]  # tracked objects born after the freeze
    # A second app in the same process freezes nothing more (the count may only fall, as frozen
    # objects are freed).
    assert freeze_startup_heap() <= frozen
    assert len(made_after) == 10_000
