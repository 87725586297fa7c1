"""A registration still open after the reservation period lapses, and its name is free again."""

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from pymongo import AsyncMongoClient

from contracts.events import RegistrationSubmitted
from contracts.form import RegistrationForm
from service_runtime.mongo import Document
from service_runtime.outbox import OutboxRelay
from services.registration.lapse import lapse_stale_registrations
from services.registration.names import name_key
from services.registration.store import MongoRegistrationStore
from tests.conftest import LiveStack, with_unique_name
from tests.support.events import acknowledged

pytestmark = pytest.mark.integration
NOW = datetime(2026, 12, 2, 2, tzinfo=UTC)


async def ignore(*_args: object) -> asyncio.Future[None]:
    return acknowledged()


def submitted(form: dict[str, Any], days_ago: float) -> RegistrationSubmitted:
    return RegistrationSubmitted(
        event_id=uuid4(),
        source="registration",
        occurred_at=NOW - timedelta(days=days_ago),
        registration_id=uuid4().hex,
        form=RegistrationForm.model_validate(with_unique_name(form)),
    )


async def test_only_registrations_open_past_the_period_lapse(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    client: AsyncMongoClient[Document] = AsyncMongoClient(live_stack.mongodb_uri, tz_aware=True)
    database = client[f"{live_stack.database_prefix}lapse_{uuid4().hex[:6]}"]
    store = MongoRegistrationStore(database, OutboxRelay(database["registrations"], ignore))
    await store.create_indexes()
    try:
        stale, fresh = submitted(sample_form, 31), submitted(sample_form, 29)
        completed = submitted(sample_form, 40)
        for event in (stale, fresh, completed):
            assert await store.add(event, uuid4().hex, "sha") is None
        await store.mark_completed([completed.registration_id])

        assert await lapse_stale_registrations(store, NOW, reservation_days=30) == 1
        assert await lapse_stale_registrations(store, NOW, reservation_days=30) == 0  # once

        def key(event: RegistrationSubmitted) -> str:
            return name_key(event.form.enterprise.area, event.form.enterprise.name)

        assert not await store.name_is_held(key(stale))  # free again
        assert await store.name_is_held(key(fresh))
        assert await store.name_is_held(key(completed))  # a registered name stays taken
        doc = await database["registrations"].find_one({"_id": stale.registration_id})
        assert doc is not None
        assert doc["status"] == "withdrawn"
        withdrawn = [e for e in doc["outbox"] if e["topic"] == "registration.withdrawn.v1"]
        assert [json.loads(e["payload"])["lapsed"] for e in withdrawn] == [True]
    finally:
        await client.drop_database(database.name)
        await client.close()
