"""Mongo client factory; PyMongo's AsyncMongoClient is Motor's official successor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from service_runtime.settings import RuntimeSettings
from service_runtime.transport import mongo_client_options

Document = dict[str, Any]


def build_mongo_client(settings: RuntimeSettings) -> AsyncMongoClient[Document]:
    return AsyncMongoClient(
        settings.mongodb_uri,
        appname=settings.service_name,
        tz_aware=True,
        uuidRepresentation="standard",
        serverSelectionTimeoutMS=5_000,
        **mongo_client_options(settings),
    )


DUPLICATE_KEY = 11000


async def insert_new(collection: AsyncCollection[Document], docs: Sequence[Document]) -> set[int]:
    """Insert every document whose `_id` is new; returns the indexes of those that existed (a
    redelivered fact). Any other write error is raised."""
    try:
        await collection.insert_many(list(docs), ordered=False)
    except BulkWriteError as error:
        failed = error.details["writeErrors"]
        if any(e.get("code") != DUPLICATE_KEY for e in failed):
            raise
        return {e["index"] for e in failed}
    return set()
