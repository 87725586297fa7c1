"""Fixtures for tests that run against the real local database."""

from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from service_runtime.mongo import Document
from tests.conftest import LiveStack


@pytest.fixture
async def collection(live_stack: LiveStack) -> AsyncIterator[AsyncCollection[Document]]:
    """An `aggregates` collection in a database of its own, dropped afterwards."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(live_stack.mongodb_uri, tz_aware=True)
    database = client[f"{live_stack.database_prefix}scratch_{uuid4().hex[:6]}"]
    yield database["aggregates"]
    await client.drop_database(database.name)
    await client.close()
