"""Catalogue changes take effect at once on the suite's database, whatever it caches.

The embedded database keeps its index catalogue in memory (tools/secantus_catalog.py). A stale
copy would write documents without an index's entries or skip a unique check, so these change
indexes, validators and collections between statements that warmed that copy, from two
clients at once, and check every statement that follows sees the change. Real MongoDB behaves
the same, so the tests hold on either.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, WriteError

from service_runtime.mongo import Document
from tests.conftest import LiveStack

pytestmark = pytest.mark.integration


Databases = tuple[AsyncDatabase[Document], AsyncDatabase[Document]]


@pytest.fixture
async def databases(live_stack: LiveStack) -> AsyncIterator[Databases]:
    """One fresh database through two clients: two connections, hence two threads on the
    embedded database's side."""
    name = f"{live_stack.database_prefix}scratch_catalogue_{uuid4().hex[:6]}"
    first: AsyncMongoClient[Document] = AsyncMongoClient(live_stack.mongodb_uri)
    second: AsyncMongoClient[Document] = AsyncMongoClient(live_stack.mongodb_uri)
    yield first[name], second[name]
    await first.drop_database(name)
    await first.close()
    await second.close()


async def test_an_index_made_after_writes_is_kept_by_the_writes_after_it(
    databases: Databases,
) -> None:
    writer, other = (database["things"] for database in databases)
    await writer.insert_many([{"_id": n, "colour": "red" if n % 2 else "blue"} for n in range(20)])
    assert await other.count_documents({"colour": "red"}) == 10  # both threads warmed up

    await other.create_index("colour")
    await writer.insert_many([{"_id": 100 + n, "colour": "red"} for n in range(5)])
    await writer.update_one({"_id": 0}, {"$set": {"colour": "red"}})
    assert await other.count_documents({"colour": "red"}) == 16
    assert await writer.count_documents({"colour": "blue"}) == 9

    await other.create_index("serial", unique=True, sparse=True)
    await writer.insert_one({"_id": 200, "serial": "A-1"})
    with pytest.raises(DuplicateKeyError):
        await writer.insert_one({"_id": 201, "serial": "A-1"})

    await other.drop_index("serial_1")
    await writer.insert_one({"_id": 202, "serial": "A-1"})
    assert await other.count_documents({"serial": "A-1"}) == 2


async def test_list_values_written_after_the_index_are_found_by_element(
    databases: Databases,
) -> None:
    writer, other = (database["enterprises"] for database in databases)
    await other.create_index("person_ids")
    await writer.insert_one({"_id": "a", "person_ids": "p1"})
    assert await other.count_documents({"person_ids": "p1"}) == 1
    await writer.insert_one({"_id": "b", "person_ids": ["p1", "p2"]})  # now multikey
    await writer.insert_one({"_id": "c", "person_ids": ["p2", "p3"]})
    assert sorted([d["_id"] async for d in other.find({"person_ids": "p2"})]) == ["b", "c"]
    assert await other.count_documents({"person_ids": "p1"}) == 2


async def test_a_dropped_collection_comes_back_without_its_indexes_or_rules(
    databases: Databases,
) -> None:
    first, second = databases
    await first.create_collection("cases", validator={"$jsonSchema": {"required": ["status"]}})
    await first["cases"].create_index("status", unique=True)
    with pytest.raises(WriteError):
        await second["cases"].insert_one({"_id": 1})  # the validator holds
    await second["cases"].insert_one({"_id": 2, "status": "open"})
    with pytest.raises(DuplicateKeyError):
        await second["cases"].insert_one({"_id": 3, "status": "open"})

    await first["cases"].drop()
    await second["cases"].insert_many(
        [{"_id": 1}, {"_id": 2, "status": "open"}, {"_id": 3, "status": "open"}]
    )
    assert await first["cases"].count_documents({"status": "open"}) == 2
    assert [i["name"] async for i in await first["cases"].list_indexes()] == ["_id_"]


async def test_changes_racing_with_writes_from_another_client_lose_no_index_entry(
    databases: Databases,
) -> None:
    writer, other = (database["events"] for database in databases)
    await writer.insert_one({"_id": -1, "kind": "warm"})

    async def write() -> None:
        for n in range(200):
            await writer.insert_one({"_id": n, "kind": f"k{n % 4}"})

    async def change() -> None:
        for _ in range(5):
            await other.create_index("kind")
            await asyncio.sleep(0.01)
            await other.drop_index("kind_1")
        await other.create_index("kind")

    await asyncio.gather(write(), change())
    counted = [await other.count_documents({"kind": f"k{k}"}) for k in range(4)]
    assert counted == [50, 50, 50, 50]
