"""Replay: the notifier's read model rebuilt from the topics (offset 0, no consumer group) into
a fresh database equals the live one: timelines entry for entry, notices field for field, and
no notice is sent again."""

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
from tests.support.policies import publish_policy
from tools.rebuild_notifier import REBUILT, rebuild

# Only the order in which events arrived differs between a live fold and a replay (`seq`, and
# the list's order; the page sorts by time), and the bookkeeping of the write.
BOOKKEEPING = ("rev", "outbox", "outbox_pending", "outbox_updated_at")
# A notice is rebuilt in full; only how it was sent is not repeated (and so not compared).
SENDING = ("deliveries", "delivered_via")
NOTICES_SECONDS = 60


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


async def notices(mongodb_uri: str, prefix: str) -> dict[str, dict[str, Any]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_uri)
    try:
        cursor = client[f"{prefix}notifier"]["notifications"].find()
        return {doc["_id"]: doc async for doc in cursor}
    finally:
        await client.close()


def unsent(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in SENDING}


async def settled_notices(stack: LiveStack, wanted: set[tuple[str, str]]) -> dict[str, Any]:
    """The live notices once every (registration, about) in `wanted` is stored and sent."""
    deadline = time.monotonic() + NOTICES_SECONDS
    while time.monotonic() < deadline:
        live = await notices(stack.mongodb_uri, stack.database_prefix)
        have = {
            (n["registration_id"], n["about"]) for n in live.values() if not n["dispatch_pending"]
        }
        if wanted <= have:
            return live
        await asyncio.sleep(0.5)
    raise AssertionError(f"live notices missing after {NOTICES_SECONDS}s: {wanted - have}")


async def rated_timelines(stack: LiveStack, rids: list[str]) -> dict[str, Any]:
    """The live timelines once each of `rids` holds its credit portrait: the credit service's
    consumers are background ones, so the portrait follows the completion by a few seconds."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        live = await timelines(stack.mongodb_uri, stack.database_prefix)
        if all(live.get(rid, {}).get("credit") for rid in rids):
            return live
        await asyncio.sleep(0.5)
    raise AssertionError("the live timelines had no credit portrait after 60 s")


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


async def test_the_read_model_rebuilt_from_the_topics_equals_the_live_one(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    code = f"T{uuid4().int % 9000 + 1000}"  # section T: no other test's forms use it
    form = copy.deepcopy(sample_form)
    form["enterprise"]["industry_code"] = code
    async with httpx.AsyncClient(timeout=30) as client:
        accepted = [await submit(client, live_stack, copy.deepcopy(form)) for _ in range(3)]
        for rid, token in accepted:
            await wait_for_overall(client, live_stack, rid, token, {"completed"})
        await renew_access_until_the_old_token_is_refused(client, live_stack, *accepted[0])
        policy = await publish_policy(
            client,
            live_stack.notifier_url,
            code,
            ("重建测试政策", "A policy for the rebuild test"),
            ("本测试的企业。", "This test's enterprises."),
            operator="ops-rebuild",
        )
    wanted = {(rid, about) for rid, _ in accepted for about in ("completed", f"policy:{policy}")}
    live_notices = await settled_notices(live_stack, wanted)
    live = await rated_timelines(live_stack, [rid for rid, _ in accepted])

    into = f"rebuilt{uuid4().hex[:8]}_"
    settings = Settings(
        KAFKA_BOOTSTRAP_SERVERS=live_stack.kafka,
        MONGODB_URI=live_stack.mongodb_uri,
        MONGODB_DATABASE_PREFIX=live_stack.database_prefix,
    )
    counts = await rebuild(settings, into)
    rebuilt = await timelines(live_stack.mongodb_uri, into)
    rebuilt_notices = await notices(live_stack.mongodb_uri, into)

    assert counts["read"] >= len(accepted) * 8
    assert counts["failed"] == 0, counts
    # Every registration the live notifier knew is there again (others may have moved on since
    # the snapshot, so only this test's own, settled ones are compared field by field).
    assert set(live) <= set(rebuilt)
    for rid, _ in accepted:
        assert rebuilt[rid] == live[rid]
    assert rebuilt[accepted[0][0]]["min_token_version"] > 0
    assert all(t["overall_status"] == "completed" for rid, _ in accepted for t in [rebuilt[rid]])

    # Every notice of the whole e2e history (progress, corrections, refusals, policies from the
    # other tests) is there again, the same in all but how it was sent; none was sent again.
    settled = {i for i, n in live_notices.items() if not n["dispatch_pending"]}
    assert settled <= set(rebuilt_notices)
    for notice_id in settled:
        assert unsent(rebuilt_notices[notice_id]) == unsent(live_notices[notice_id])
    for notice in rebuilt_notices.values():
        assert not notice["dispatch_pending"]
        assert [d["channel"] for d in notice["deliveries"]] == ["page", REBUILT["channel"]]
