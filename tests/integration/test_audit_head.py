"""The audit log's head on the real database: found in few lookups, signed while appends go on."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pymongo import AsyncMongoClient, monitoring

from service_runtime.mongo import Document
from services.notifier.audit import HEAD_STEP, AuditLog
from services.notifier.audit_chain import verify
from tests.conftest import LiveStack

pytestmark = pytest.mark.integration
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
RECORDS = 300
BATCH = 30


class Finds(monitoring.CommandListener):
    def __init__(self) -> None:
        self.count = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "find":
            self.count += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
async def database_name(live_stack: LiveStack) -> AsyncIterator[str]:
    name = f"{live_stack.database_prefix}scratch_audit_{uuid4().hex[:6]}"
    yield name
    client: AsyncMongoClient[Document] = AsyncMongoClient(live_stack.mongodb_uri)
    await client.drop_database(name)
    await client.close()


def audit_log(client: AsyncMongoClient[Document], database_name: str) -> AuditLog:
    database = client[database_name]
    return AuditLog(database["audit_records"], database["audit_checkpoints"], KEY, 1_000)


def bodies(start: int, count: int) -> list[dict[str, Any]]:
    return [
        {"event_id": uuid4().hex, "registration_id": f"{n % 7:032x}", "kind": "test", "n": n}
        for n in range(start, start + count)
    ]


async def test_another_instance_finds_the_head_in_a_few_lookups(
    live_stack: LiveStack, database_name: str
) -> None:
    writer_client: AsyncMongoClient[Document] = AsyncMongoClient(live_stack.mongodb_uri)
    finds = Finds()
    reader_client: AsyncMongoClient[Document] = AsyncMongoClient(
        live_stack.mongodb_uri, event_listeners=[finds]
    )
    try:
        writer, reader = (
            audit_log(writer_client, database_name),
            audit_log(reader_client, database_name),
        )
        await writer.create_indexes()
        for start in range(0, RECORDS, BATCH):
            await writer.append(bodies(start, BATCH))
        written = await writer.head()

        finds.count = 0
        assert await reader.head() == written  # no checkpoint yet: it walks from the start
        # one lookup of the newest checkpoint, then one of id 1, then HEAD_STEP ids at a time
        assert finds.count <= 2 + math.ceil(RECORDS / HEAD_STEP) + 1
        finds.count = 0
        assert await reader.head() == written
        assert finds.count == 1  # the head is current: one lookup finds nothing after it
    finally:
        await writer_client.close()
        await reader_client.close()


async def test_a_checkpoint_during_appends_signs_a_record_of_an_intact_chain(
    live_stack: LiveStack, database_name: str
) -> None:
    client: AsyncMongoClient[Document] = AsyncMongoClient(live_stack.mongodb_uri)
    try:
        audit = audit_log(client, database_name)
        await audit.create_indexes()
        await audit.append(bodies(0, BATCH))

        async def appends() -> None:
            for start in range(BATCH, RECORDS, BATCH):
                await audit.append(bodies(start, BATCH))

        signed = await asyncio.gather(appends(), audit.checkpoint(), audit.checkpoint())
        signed_seqs = [seq for seq in signed[1:] if seq is not None]
        assert signed_seqs  # at least one of them signed a head
        database = client[database_name]
        records = await database["audit_records"].find({}).sort("_id", 1).to_list(None)
        checkpoints = await database["audit_checkpoints"].find({}).to_list(None)
        assert [r["seq"] for r in records] == list(range(1, RECORDS + 1))
        assert {c["seq"] for c in checkpoints} >= set(signed_seqs)
        verdict = verify(records, checkpoints, KEY.public_key())
        assert verdict.intact, verdict
    finally:
        await client.close()


async def test_two_writers_and_redelivered_events_leave_each_event_once_in_an_intact_chain(
    live_stack: LiveStack, database_name: str
) -> None:
    finds = Finds()
    first_client: AsyncMongoClient[Document] = AsyncMongoClient(
        live_stack.mongodb_uri, event_listeners=[finds]
    )
    second_client: AsyncMongoClient[Document] = AsyncMongoClient(live_stack.mongodb_uri)
    try:
        first, second = (
            audit_log(first_client, database_name),
            audit_log(second_client, database_name),
        )
        await first.create_indexes()
        await first.append(bodies(0, BATCH))
        finds.count = 0
        await first.append(bodies(BATCH, BATCH))
        assert finds.count == 1  # its head is current: only the registrations' own heads
        await second.append(bodies(2 * BATCH, BATCH))  # first's known head is now stale
        redelivered = bodies(3 * BATCH, BATCH)
        await first.append(redelivered[: BATCH // 2])
        await first.append(redelivered)  # half of it logged already
        await second.append(redelivered)  # all of it logged already
        database = first_client[database_name]
        records = await database["audit_records"].find({}).sort("_id", 1).to_list(None)
        assert [r["seq"] for r in records] == list(range(1, 4 * BATCH + 1))
        ids = [r["body"]["event_id"] for r in records]
        assert len(set(ids)) == len(ids)
        verdict = verify(records, [], KEY.public_key())
        assert verdict.intact, verdict
    finally:
        await first_client.close()
        await second_client.close()
