"""After an update, every index finds exactly what the document now holds.

The embedded database rewrites only the index entries an update can have changed
(tools/secantus_index_updates.py). Were it to skip one it should not, a query served by that
index would find a document by a value it no longer has, or miss it by the value it has now.
So each test updates documents in one way an application might (a field beside the indexed
ones, the indexed field itself, its type, a list, a sub-document, a partial index's filter, a
unique key, a failed update) and reads back through the index and with a scan. Real
MongoDB behaves the same, so the tests hold on either.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import pytest
from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from service_runtime.mongo import Document
from tests.conftest import LiveStack

pytestmark = pytest.mark.integration


@pytest.fixture
async def things(live_stack: LiveStack) -> AsyncIterator[AsyncCollection[Document]]:
    name = f"{live_stack.database_prefix}scratch_index_updates_{uuid4().hex[:6]}"
    client: AsyncMongoClient[Document] = AsyncMongoClient(live_stack.mongodb_uri)
    yield client[name]["things"]
    await client.drop_database(name)
    await client.close()


async def found(things: AsyncCollection[Document], query: dict[str, Any], index: str) -> list[Any]:
    """The ids a query finds through `index` (its plan says so), checked against a scan of the
    documents. Not by `hint`: the embedded database walks a hinted index whole and filters the
    documents it points at, so a stale key would not show."""
    plan = (await things.find(query).explain())["queryPlanner"]["winningPlan"]
    assert plan.get("inputStage", plan).get("indexName") == index, (query, plan)
    through_index = sorted([d["_id"] async for d in things.find(query, {"_id": 1})])
    scanned = sorted([d["_id"] async for d in things.find(query, {"_id": 1}).hint({"$natural": 1})])
    assert through_index == scanned, (query, index)
    return through_index


async def test_an_update_beside_the_indexed_fields_keeps_the_entries(
    things: AsyncCollection[Document],
) -> None:
    await things.create_index("status")
    await things.create_index("colour")
    await things.insert_many([{"_id": n, "status": "open", "colour": "red"} for n in range(3)])
    await things.update_one({"_id": 0}, {"$push": {"notes": "a"}, "$inc": {"rev": 1}})
    await things.update_one({"_id": 1}, {"$set": {"status": "closed"}})
    assert await found(things, {"status": "open"}, "status_1") == [0, 2]
    assert await found(things, {"status": "closed"}, "status_1") == [1]
    assert await found(things, {"colour": "red"}, "colour_1") == [0, 1, 2]


async def test_a_value_of_another_type_is_a_different_key(
    things: AsyncCollection[Document],
) -> None:
    await things.create_index("flag")
    await things.insert_many([{"_id": 0, "flag": 1}, {"_id": 1, "flag": 1.0}])
    await things.update_one({"_id": 0}, {"$set": {"flag": True}})  # equal to 1 in Python
    await things.update_one({"_id": 1}, {"$set": {"flag": 1}})  # equal to 1.0, another type
    assert await found(things, {"flag": True}, "flag_1") == [0]
    assert await found(things, {"flag": 1}, "flag_1") == [1]


async def test_lists_and_sub_documents_follow_their_elements(
    things: AsyncCollection[Document],
) -> None:
    await things.create_index("person_ids")
    await things.create_index([("credit.class", 1), ("credit.at", -1)])
    await things.insert_one({"_id": "e", "person_ids": ["p1"], "credit": {"class": "A", "at": 1}})
    await things.update_one({"_id": "e"}, {"$push": {"person_ids": "p2"}})
    await things.update_one({"_id": "e"}, {"$pull": {"person_ids": "p1"}})
    await things.update_one({"_id": "e"}, {"$set": {"credit.class": "C"}})
    assert await found(things, {"person_ids": "p2"}, "person_ids_1") == ["e"]
    assert await found(things, {"person_ids": "p1"}, "person_ids_1") == []
    assert await found(things, {"credit.class": "C"}, "credit.class_1_credit.at_-1") == ["e"]
    assert await found(things, {"credit.class": "A"}, "credit.class_1_credit.at_-1") == []


async def test_a_partial_index_follows_its_filter_and_a_sparse_one_its_field(
    things: AsyncCollection[Document],
) -> None:
    await things.create_index("due", partialFilterExpression={"status": "in_review"})
    await things.create_index("serial", sparse=True)
    await things.insert_many(
        [{"_id": n, "status": "received", "due": 5, "serial": f"S{n}"} for n in range(2)]
    )
    await things.update_one({"_id": 0}, {"$set": {"status": "in_review"}})  # only the filter
    await things.update_one({"_id": 1}, {"$unset": {"serial": ""}})
    query = {"status": "in_review", "due": {"$lte": 5}}
    assert await found(things, query, "due_1") == [0]
    await things.update_one({"_id": 0}, {"$set": {"status": "approved"}})
    assert await found(things, query, "due_1") == []
    assert await found(things, {"serial": {"$exists": True}}, "serial_1") == [0]


async def test_a_unique_key_stays_taken_until_it_changes(
    things: AsyncCollection[Document],
) -> None:
    await things.create_index("name_key", unique=True)
    await things.insert_one({"_id": "a", "name_key": "acme"})
    await things.update_one({"_id": "a"}, {"$set": {"status": "approved"}})
    with pytest.raises(DuplicateKeyError):
        await things.insert_one({"_id": "b", "name_key": "acme"})
    await things.update_one({"_id": "a"}, {"$set": {"name_key": "acme-2"}})
    await things.insert_one({"_id": "b", "name_key": "acme"})  # free again
    assert await found(things, {"name_key": "acme-2"}, "name_key_1") == ["a"]
    assert await found(things, {"name_key": "acme"}, "name_key_1") == ["b"]


async def test_a_refused_update_leaves_every_entry_in_place(
    things: AsyncCollection[Document],
) -> None:
    await things.create_index("name_key", unique=True)
    await things.create_index("status")
    await things.insert_many(
        [{"_id": "a", "name_key": "one", "status": "x"}, {"_id": "b", "name_key": "two"}]
    )
    with pytest.raises(DuplicateKeyError):
        await things.update_one({"_id": "a"}, {"$set": {"name_key": "two", "status": "y"}})
    assert await found(things, {"name_key": "one"}, "name_key_1") == ["a"]
    assert await found(things, {"status": "x"}, "status_1") == ["a"]
    assert await found(things, {"status": "y"}, "status_1") == []


async def test_every_update_path_keeps_the_indexes_right(
    things: AsyncCollection[Document],
) -> None:
    await things.create_index("status")
    await things.create_index("outbox_pending")
    await things.insert_many(
        [{"_id": n, "status": "open", "outbox_pending": True} for n in range(6)]
    )
    await things.update_many({"_id": {"$lt": 3}}, {"$set": {"outbox_pending": False}})
    await things.replace_one({"_id": 3}, {"status": "closed", "outbox_pending": True})
    after = await things.find_one_and_update(
        {"_id": 4},
        {"$set": {"status": "closed"}, "$push": {"log": 1}},
        return_document=ReturnDocument.AFTER,
    )
    assert after is not None
    assert after["status"] == "closed"
    await things.update_one({"_id": 9}, {"$set": {"status": "open"}}, upsert=True)
    assert await found(things, {"outbox_pending": False}, "outbox_pending_1") == [0, 1, 2]
    assert await found(things, {"outbox_pending": True}, "outbox_pending_1") == [3, 4, 5]
    assert await found(things, {"status": "closed"}, "status_1") == [3, 4]
    assert await found(things, {"status": "open"}, "status_1") == [0, 1, 2, 5, 9]
