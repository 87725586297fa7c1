"""Dead letters and notifications carry an expiry that a TTL index enforces, on the real database."""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from pymongo import AsyncMongoClient

from service_runtime.delivery import Decoded, RawRecord, build_dead_letter
from service_runtime.mongo import Document
from service_runtime.retention import delete_expired
from services.notifier.dead_letters import create_dead_letter_indexes, when_dead_lettered_keep_it
from services.notifier.notifications import NotificationStore
from tests.conftest import LiveStack
from tests.support.events import policy_notification

pytestmark = pytest.mark.integration


def ttl_fields(indexes: Mapping[str, Any]) -> dict[str, int]:
    return {
        spec["key"][0][0]: spec["expireAfterSeconds"]
        for spec in indexes.values()
        if "expireAfterSeconds" in spec
    }


async def test_a_dead_letter_expires_after_the_retention(live_stack: LiveStack) -> None:
    client: AsyncMongoClient[Document] = AsyncMongoClient(live_stack.mongodb_uri, tz_aware=True)
    letters = client[f"{live_stack.database_prefix}retention_{uuid4().hex[:6]}"]["dead_letters"]
    try:
        await create_dead_letter_indexes(letters)
        record = RawRecord("registration.submitted.credit.v1", 0, 7, b"k", b"{not json")
        letter = build_dead_letter(record, "tax", ValueError("bad"), attempts=1)
        await when_dead_lettered_keep_it(letters, timedelta(days=90))([Decoded(record, letter)])
        stored = await letters.find_one({})
        assert stored is not None
        assert stored["expire_at"] - stored["failed_at"] == timedelta(days=90)
        assert ttl_fields(await letters.index_information()) == {"expire_at": 0}
    finally:
        await client.drop_database(letters.database.name)
        await client.close()


async def test_a_notification_expires_after_the_retention(live_stack: LiveStack) -> None:
    client: AsyncMongoClient[Document] = AsyncMongoClient(live_stack.mongodb_uri, tz_aware=True)
    database = client[f"{live_stack.database_prefix}retention_{uuid4().hex[:6]}"]
    try:
        store = NotificationStore(database, timedelta(days=400))
        await store.create_indexes()
        now = datetime.now(UTC).replace(microsecond=0)
        notice = policy_notification(now)
        await store.add([notice])
        [stored] = await store.for_registrations([notice.registration_id])
        assert stored.expire_at == now + timedelta(days=400)
        assert ttl_fields(await store.collection.index_information()) == {"expire_at": 0}
    finally:
        await client.drop_database(database.name)
        await client.close()


async def test_what_is_past_its_expiry_is_deleted_and_the_rest_kept(
    live_stack: LiveStack,
) -> None:
    """The minute's deletion that stands in for the local database's TTL monitor."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(live_stack.mongodb_uri, tz_aware=True)
    spans = client[f"{live_stack.database_prefix}retention_{uuid4().hex[:6]}"]["trace_bundles"]
    try:
        now = datetime.now(UTC)
        await spans.insert_many(
            [
                {"_id": "old", "expire_at": now - timedelta(seconds=1)},
                {"_id": "new", "expire_at": now + timedelta(hours=1)},
            ]
        )
        assert await delete_expired(spans) == 1
        assert [d["_id"] async for d in spans.find({})] == ["new"]
    finally:
        await client.drop_database(spans.database.name)
        await client.close()
