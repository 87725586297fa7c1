"""Moving a stored date, where a test cannot wait for the calendar (20 days of public notice,
two working days of a reply limit, a founding year past)."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient

from tests.conftest import LiveStack


async def set_stored(
    stack: LiveStack, owner: str, collection: str, query: dict[str, Any], fields: dict[str, Any]
) -> None:
    """Set `fields` on the one document `query` finds in `owner`'s database of this stack."""
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.mongodb_uri)
    try:
        found = mongo[f"{stack.database_prefix}{owner}"][collection]
        moved = await found.update_one(query, {"$set": fields})
        assert moved.modified_count == 1, (collection, query)
    finally:
        await mongo.close()
