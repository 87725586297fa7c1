"""Replay: the notifier's timelines rebuilt from the topics (offset 0, no consumer group) into
a fresh database equal the live ones, entry for entry."""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any
from uuid import uuid4

import httpx
from pymongo import AsyncMongoClient

from service_runtime.settings import Settings
from tests.conftest import LiveStack, submit, wait_for_overall
from tools.rebuild_timelines import rebuild

# Only the order in which events arrived differs between a live fold and a replay (`seq`, and
# the list's order; the page sorts by time), and the bookkeeping of the write.
BOOKKEEPING = ("rev", "outbox", "outbox_pending", "outbox_updated_at")


def normalised(doc: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in doc.items() if k not in BOOKKEEPING}
    kept["entries"] = sorted(
        ({k: v for k, v in e.items() if k != "seq"} for e in doc.get("entries", [])),
        key=lambda e: e["event_id"],
    )
    return kept


async def timelines(mongodb_uri: str, prefix: str) -> dict[str, dict[str, Any]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_uri)
    try:
        cursor = client[f"{prefix}notifier"]["timelines"].find()
        return {doc["_id"]: normalised(doc) async for doc in cursor}
    finally:
        await client.close()


async def renew_access_until_the_old_token_is_refused(
    client: httpx.AsyncClient, stack: LiveStack, rid: str, token: str
) -> None:
    renewed = await client.post(
        f"{stack.registration_url}/api/v1/registrations/{rid}/access-token",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert renewed.status_code == 201, renewed.text
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the revocation reaches the notifier through the bus
        response = await client.get(
            f"{stack.notifier_url}/api/v1/registrations/{rid}/timeline",
            headers={"Authorization": f"Bearer {token}"},
        )
        if response.status_code == 401:
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the old token still opened the timeline after 30 s")


async def test_timelines_rebuilt_from_the_topics_equal_the_live_ones(live_stack, sample_form):
    async with httpx.AsyncClient(timeout=30) as client:
        accepted = [await submit(client, live_stack, copy.deepcopy(sample_form)) for _ in range(3)]
        for rid, token in accepted:
            await wait_for_overall(client, live_stack, rid, token, {"completed"})
        await renew_access_until_the_old_token_is_refused(client, live_stack, *accepted[0])
    live = await timelines(live_stack.mongodb_uri, live_stack.database_prefix)

    into = f"rebuilt{uuid4().hex[:8]}_"
    settings = Settings(
        KAFKA_BOOTSTRAP_SERVERS=live_stack.kafka,
        MONGODB_URI=live_stack.mongodb_uri,
        MONGODB_DATABASE_PREFIX=live_stack.database_prefix,
    )
    counts = await rebuild(settings, into)
    rebuilt = await timelines(live_stack.mongodb_uri, into)

    assert counts["read"] >= len(accepted) * 8
    assert counts["failed"] == 0, counts
    # Every registration the live notifier knew is there again (others may have moved on since
    # the snapshot, so only this test's own, settled ones are compared field by field).
    assert set(live) <= set(rebuilt)
    for rid, _ in accepted:
        assert rebuilt[rid] == live[rid]
    assert rebuilt[accepted[0][0]]["min_token_version"] > 0
    assert all(t["overall_status"] == "completed" for rid, _ in accepted for t in [rebuilt[rid]])
