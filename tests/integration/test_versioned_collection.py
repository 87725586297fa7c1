"""Versioned aggregates on the real database: presumed-new inserts, changed-field updates, races."""

from uuid import uuid4

import pytest
from pymongo.asynchronous.collection import AsyncCollection

from service_runtime.aggregates import ConcurrentUpdateError, VersionedCollection, Write
from service_runtime.mongo import Document

pytestmark = pytest.mark.integration


async def test_a_presumed_new_document_that_exists_fails_once_then_is_read(
    collection: AsyncCollection[Document],
) -> None:
    rid = uuid4().hex
    mine, theirs = VersionedCollection(collection), VersionedCollection(collection)
    first = (await theirs.load([rid], presumed_new={rid}))[rid]
    assert first.document is None
    await theirs.save([Write(first, {"status": "waiting", "entries": [1]})])

    stale = (await mine.load([rid], presumed_new={rid}))[rid]
    assert stale.document is None  # presumed, not looked up
    with pytest.raises(ConcurrentUpdateError):
        await mine.save([Write(stale, {"status": "approved", "entries": [1]})])

    fresh = (await mine.load([rid], presumed_new={rid}))[rid]  # the retry reads it
    assert fresh.rev == 1
    assert fresh.document is not None
    assert fresh.document["status"] == "waiting"


async def test_an_update_sets_what_changed_and_appends_what_grew(
    collection: AsyncCollection[Document],
) -> None:
    rid = uuid4().hex
    aggregates = VersionedCollection(collection, cache_size=10)
    new = (await aggregates.load([rid]))[rid]
    outbox = [{"event_id": "e1", "topic": "t", "key": rid, "payload": "{}"}]
    await aggregates.save([Write(new, {"status": "waiting", "entries": [{"seq": 1}]}, outbox)])

    cached = (await aggregates.load([rid]))[rid]
    state = {"status": "approved", "entries": [{"seq": 1}, {"seq": 2}]}
    more = [{"event_id": "e2", "topic": "t", "key": rid, "payload": "{}"}]
    await aggregates.save([Write(cached, state, more)])

    stored = await collection.find_one({"_id": rid})
    assert stored is not None
    assert stored["status"] == "approved"
    assert stored["entries"] == [{"seq": 1}, {"seq": 2}]
    assert stored["rev"] == 2
    assert [e["event_id"] for e in stored["outbox"]] == ["e1", "e2"]

    # A list that changed inside is set whole, not appended to.
    cached = (await aggregates.load([rid]))[rid]
    await aggregates.save([Write(cached, {"status": "approved", "entries": [{"seq": 9}]})])
    stored = await collection.find_one({"_id": rid})
    assert stored is not None
    assert stored["entries"] == [{"seq": 9}]


async def test_a_write_from_a_stale_revision_is_refused(
    collection: AsyncCollection[Document],
) -> None:
    rid = uuid4().hex
    one, other = VersionedCollection(collection), VersionedCollection(collection)
    await one.save([Write((await one.load([rid]))[rid], {"status": "waiting"})])
    read = (await other.load([rid]))[rid]
    await one.save([Write((await one.load([rid]))[rid], {"status": "approved"})])
    with pytest.raises(ConcurrentUpdateError):
        await other.save([Write(read, {"status": "rejected"})])
    stored = await collection.find_one({"_id": rid})
    assert stored is not None
    assert stored["status"] == "approved"


async def test_changes_made_in_place_to_a_loaded_document_are_written(
    collection: AsyncCollection[Document],
) -> None:
    """Stores build aggregates on the loaded document and append to its lists in place."""
    rid = uuid4().hex
    aggregates = VersionedCollection(collection)
    await aggregates.save([Write((await aggregates.load([rid]))[rid], {"entries": [1], "by": {}})])
    for fresh in (False, True):  # from this process's cache, then from the database
        if fresh:
            aggregates = VersionedCollection(collection)
        read = (await aggregates.load([rid]))[rid]
        state = read.document
        assert state is not None
        state["entries"].append(len(state["entries"]) + 1)
        state["by"][str(fresh)] = True
        await aggregates.save([Write(read, {"entries": state["entries"], "by": state["by"]})])
    stored = await collection.find_one({"_id": rid})
    assert stored is not None
    assert stored["entries"] == [1, 2, 3]
    assert stored["by"] == {"False": True, "True": True}
