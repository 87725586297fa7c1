"""The department clock on the real database: missed deadlines escalated, lasting waits said."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from pymongo import AsyncMongoClient

from service_runtime.delivery import Decoded, RawRecord
from service_runtime.mongo import Document
from service_runtime.outbox import OutboxRelay
from service_runtime.settings import Settings
from services.department.clock_jobs import announce_lasting_waits, check_deadlines
from services.department.handlers import (
    build_desk,
    when_registration_or_prerequisite_changes_decide,
)
from services.department.store import MongoCaseStore
from services.police.rules import POLICE
from services.registration.market import MARKET
from tests.conftest import LiveStack
from tests.support.events import acknowledged, submitted_event

pytestmark = pytest.mark.integration


class MovableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Delivered:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, bytes]] = []

    async def __call__(
        self, topic: str, key: str, payload: bytes, headers: dict[str, str]
    ) -> asyncio.Future[None]:
        self.events.append((topic, key, payload))
        return acknowledged()


@pytest.mark.parametrize("deemed", [False, True])
async def test_a_case_past_its_limit_is_escalated_once(
    live_stack: LiveStack,
    sample_form: dict[str, Any],
    deemed: bool,  # noqa: FBT001 - pytest passes parameters by name
) -> None:
    client: AsyncMongoClient[Document] = AsyncMongoClient(live_stack.mongodb_uri, tz_aware=True)
    database = client[f"{live_stack.database_prefix}deadline_{uuid4().hex[:6]}"]
    delivered = Delivered()
    store = MongoCaseStore(database, "market", OutboxRelay(database["cases"], delivered))
    await store.create_indexes()
    clock = MovableClock(datetime(2026, 11, 23, 2, tzinfo=UTC))  # a Monday, 10:00 in China
    settings = Settings(DEEMED_APPROVAL_DEPARTMENTS=["market"] if deemed else [])
    desk = build_desk(settings, MARKET, store, clock)
    sample_form["enterprise"]["business_scope"] = [
        "烟草制品批发"
    ]  # needs a prior permit: officer review
    event = submitted_event(sample_form, occurred_at=clock.now)
    handle = when_registration_or_prerequisite_changes_decide(desk.lifecycle, store, clock, 1)
    await handle([Decoded(RawRecord("t", 0, 0, None, b""), event)])
    try:
        assert [c.registration_id for c in await store.queue(escalated=False)] == [
            event.registration_id
        ]
        clock.now += timedelta(hours=20)  # Monday night: still inside the limit
        assert await check_deadlines(desk) == 0
        clock.now += timedelta(days=1)  # past the end of Tuesday, China time
        assert await check_deadlines(desk) == 1
        assert await check_deadlines(desk) == 0  # escalated once
        statuses = [p.decode() for _, _, p in delivered.events]
        assert sum('"deadline_breached"' in s for s in statuses) == 1
        case = (await store.load([event.registration_id]))[event.registration_id].case
        assert case.escalated
        if deemed:
            assert case.status == "approved"
            assert case.decided_by == "system"
        else:
            assert case.status == "deadline_breached"
            escalated = await store.queue(escalated=True)
            assert [c.registration_id for c in escalated] == [event.registration_id]
    finally:
        await client.drop_database(database.name)
        await client.close()


async def test_an_instant_approval_still_waiting_for_the_market_is_said_once(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    client: AsyncMongoClient[Document] = AsyncMongoClient(live_stack.mongodb_uri, tz_aware=True)
    database = client[f"{live_stack.database_prefix}waits_{uuid4().hex[:6]}"]
    delivered = Delivered()
    store = MongoCaseStore(database, "police", OutboxRelay(database["cases"], delivered))
    await store.create_indexes()
    clock = MovableClock(datetime(2026, 11, 23, 2, tzinfo=UTC))
    desk = build_desk(Settings(WAITING_ANNOUNCE_AFTER_MS=5_000), POLICE, store, clock)
    event = submitted_event(sample_form, occurred_at=clock.now)
    handle = when_registration_or_prerequisite_changes_decide(desk.lifecycle, store, clock, 1)
    await handle([Decoded(RawRecord("t", 0, 0, None, b""), event)])
    try:
        assert delivered.events == []  # the rules passed; the market has not decided yet
        clock.now += timedelta(seconds=4)
        assert await announce_lasting_waits(desk) == 0
        clock.now += timedelta(seconds=1)
        assert await announce_lasting_waits(desk) == 1
        assert await announce_lasting_waits(desk) == 0  # said once
        assert [p.decode().count('"waiting"') for _, _, p in delivered.events] == [1]
        case = (await store.load([event.registration_id]))[event.registration_id].case
        assert case.status == "waiting"
        assert case.pending_approval
    finally:
        await client.drop_database(database.name)
        await client.close()
