"""The outbox relay on the real database: what it clears, and what it must leave for later."""

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from pymongo.asynchronous.collection import AsyncCollection

from service_runtime.aggregates import VersionedCollection, Write
from service_runtime.mongo import Document
from service_runtime.outbox import OutboxRelay, Stored
from tests.support.events import acknowledged

pytestmark = pytest.mark.integration


class Broker:
    """Takes records like a producer; refuses those whose event id is in `failing`."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.failing: set[str] = set()

    async def __call__(
        self, topic: str, key: str, payload: bytes, headers: dict[str, str]
    ) -> asyncio.Future[None]:
        if headers["event_id"] in self.failing:
            raise ConnectionError("broker unreachable")
        self.sent.append(headers["event_id"])
        return acknowledged()


def entry(event_id: str, rid: str) -> Document:
    return {"event_id": event_id, "topic": "t", "key": rid, "payload": "{}"}


async def append(aggregates: VersionedCollection, rid: str, *event_ids: str) -> Stored:
    read = (await aggregates.load([rid]))[rid]
    state = {"n": (read.document or {}).get("n", 0) + 1}
    [stored] = await aggregates.save([Write(read, state, [entry(e, rid) for e in event_ids])])
    return stored


async def outbox(collection: AsyncCollection[Document], rid: str) -> list[str]:
    doc = await collection.find_one({"_id": rid})
    assert doc is not None
    return [e["event_id"] for e in doc["outbox"]]


async def test_published_entries_are_cleared_and_each_document_only_of_its_own(
    collection: AsyncCollection[Document],
) -> None:
    aggregates, broker = VersionedCollection(collection), Broker()
    relay = OutboxRelay(collection, broker)
    a, b = uuid4().hex, uuid4().hex
    await relay.publish_stored(
        [await append(aggregates, a, "a1", "a2"), await append(aggregates, b, "b1")]
    )
    await relay.clear_published()
    assert broker.sent == ["a1", "a2", "b1"]  # in the order written
    assert await outbox(collection, a) == []
    assert await outbox(collection, b) == []
    assert await collection.count_documents({"outbox_pending": True}) == 0


async def test_an_entry_appended_after_the_publish_stays_until_it_is_published(
    collection: AsyncCollection[Document],
) -> None:
    aggregates, broker = VersionedCollection(collection), Broker()
    relay = OutboxRelay(collection, broker)
    rid = uuid4().hex
    first = await append(aggregates, rid, "e1")
    await relay.publish_stored([first])
    later = await append(aggregates, rid, "e2")  # written before the clear, not yet published
    await relay.clear_published()
    assert await outbox(collection, rid) == ["e1", "e2"]

    await relay.publish_stored([later])
    await relay.clear_published()  # e1 was published the round before: both go now
    assert await outbox(collection, rid) == []


async def test_an_entry_the_broker_refused_stays_pending_for_the_sweeper(
    collection: AsyncCollection[Document],
) -> None:
    aggregates, broker = VersionedCollection(collection), Broker()
    relay = OutboxRelay(collection, broker)
    rid = uuid4().hex
    broker.failing = {"e2"}
    with pytest.raises(ConnectionError):
        await relay.publish_stored([await append(aggregates, rid, "e1", "e2")])
    await relay.clear_published()
    assert await outbox(collection, rid) == ["e1", "e2"]

    broker.failing = set()
    long_ago = datetime(2026, 1, 1, tzinfo=UTC)  # as if the relay had crashed then
    await collection.update_one({"_id": rid}, {"$set": {"outbox_updated_at": long_ago}})
    assert await relay.sweep(older_than=timedelta(minutes=1)) == 2
    assert await outbox(collection, rid) == []
