"""A policy pushed to many enterprises records its deliveries a chunk at a time, all of them."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from pymongo import AsyncMongoClient, monitoring

from service_runtime.mongo import Document
from services.notifier.notifications import NotificationStore
from services.notifier.push import DISPATCH_RECORD_CHUNK, dispatch
from tests.conftest import LiveStack
from tests.support.events import policy_notification

pytestmark = pytest.mark.integration


class UpdateStatements(monitoring.CommandListener):
    def __init__(self) -> None:
        self.count = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "update" and "notifications" in str(event.command.get("update")):
            self.count += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_dispatch_records_every_notification_in_chunks(live_stack: LiveStack) -> None:
    updates = UpdateStatements()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        live_stack.mongodb_uri, tz_aware=True, event_listeners=[updates]
    )
    database = client[f"{live_stack.database_prefix}dispatch_{uuid4().hex[:6]}"]
    now = datetime.now(UTC)
    notices = [policy_notification(now) for _ in range(2 * DISPATCH_RECORD_CHUNK + 7)]
    try:
        store = NotificationStore(database)
        await store.add(notices)
        await dispatch(notices, {}, store, [], lambda: now)  # no outside channel: the page only
        assert await store.collection.count_documents({"dispatch_pending": True}) == 0
        stored = await store.collection.find_one({"_id": notices[-1].id})
        assert stored is not None
        assert stored["delivered_via"] == "page"
        assert updates.count == 3  # 50 + 50 + 7, not 107 statements
    finally:
        await client.drop_database(database.name)
        await client.close()
