"""Retention: documents past their `expire_at` are deleted every minute.

Each such collection also has a TTL index, which is how MongoDB itself deletes them. The local
stand-in's TTL monitor reads every document of every TTL collection, under the lock every
write waits for (measured: 4.4 s for 155,000 spans, once a minute, so a 10-minute soak's p99
grew to seconds), so the local stack switches it off (tools/localstack.py) and this delete,
on the indexed field, does the work there. On MongoDB it finds little left to do.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog
from pymongo.asynchronous.collection import AsyncCollection

from service_runtime.mongo import Document

log = structlog.get_logger("retention")
INTERVAL_SECONDS = 60.0  # as MongoDB's TTL monitor


async def delete_expired(collection: AsyncCollection[Document]) -> int:
    result = await collection.delete_many({"expire_at": {"$lt": datetime.now(UTC)}})
    return int(result.deleted_count)


async def expire_forever(
    collection: AsyncCollection[Document], interval: float = INTERVAL_SECONDS
) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            deleted = await delete_expired(collection)
            if deleted:
                log.info("expired_deleted", collection=collection.name, deleted=deleted)
        except Exception as error:  # noqa: BLE001 - the next round deletes them
            log.warning("expiry_failed", collection=collection.name, error=repr(error))
