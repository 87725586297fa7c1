"""The slow poll behind live streams: one read for all of them, waking only those behind the store."""

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from pymongo import AsyncMongoClient, monitoring

from contracts.events import DepartmentStatusChanged, RegistrationSubmitted
from service_runtime.mongo import Document
from services.notifier.live import PageListeners, notice_marks
from services.notifier.notifications import NotificationStore
from services.notifier.page_views import notification_view
from services.notifier.store import Change, MongoTimelineStore
from services.notifier.stream_watch import CHUNK, StreamWatch
from services.notifier.timeline import Timeline, apply
from tests.conftest import LiveStack
from tests.support.events import policy_notification, status_event, submitted_event

pytestmark = pytest.mark.integration


class Finds(monitoring.CommandListener):
    def __init__(self) -> None:
        self.on: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "find":
            self.on.append(event.command["find"])

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def fold(
    store: MongoTimelineStore,
    rid: str,
    event: RegistrationSubmitted | DepartmentStatusChanged,
    *,
    new: bool = False,
) -> Timeline:
    """What the notifier's consumer does for one event: load, apply, save."""
    loaded = (await store.load([rid], presumed_new={rid} if new else ()))[rid]
    apply(loaded.timeline, event)
    await store.save([Change(loaded, [])])
    return loaded.timeline


async def test_one_poll_reads_every_open_stream_at_once_and_wakes_only_those_behind(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    finds = Finds()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        live_stack.mongodb_uri, tz_aware=True, event_listeners=[finds]
    )
    database = client[f"{live_stack.database_prefix}watch_{uuid4().hex[:6]}"]
    # Two notifier instances on one database; the second one's announcements are lost.
    here = MongoTimelineStore(database, relay=None)  # type: ignore[arg-type]
    there = MongoTimelineStore(database, relay=None)  # type: ignore[arg-type]
    notices = NotificationStore(database)
    listeners = PageListeners()
    watch = StreamWatch(listeners, here.revisions, notices.marks)
    try:
        rids = [uuid4().hex for _ in range(3)]
        for rid in rids:
            await fold(here, rid, submitted_event(sample_form, rid), new=True)
        many = [f"idle-{i}" for i in range(CHUNK + 100)]  # streams on nothing stored yet
        with (
            listeners.subscribe(rids[:2]) as stream,
            listeners.subscribe([rids[2]], notices=True) as page,
            listeners.subscribe(many),
        ):
            stream.saw((await here.find_many(rids[:2])).values())
            page.saw((await here.find_many([rids[2]])).values())
            page.saw_notices({})  # no notices yet

            finds.on.clear()
            assert await watch.poll() == 0  # every stream has what is stored
            # However many streams are open: one statement per chunk of ids, not one per stream.
            assert finds.on.count("timelines") == 2
            assert finds.on.count("notifications") == 1  # only the page watches notices

            await fold(there, rids[1], status_event("tax", "approved", registration_id=rids[1]))
            notice = policy_notification(datetime.now(UTC), registration_id=rids[2])
            await NotificationStore(database).add([notice])
            assert await watch.poll() == 2
            woken = await stream.next(timeout=0.01)
            assert woken.timelines == {rids[1]}
            assert not woken.fresh  # the stream re-reads: the change was made elsewhere
            assert (await page.next(timeout=0.01)).notifications == {rids[2]}

            # Once a stream has re-read, it is no longer behind.
            stream.saw((await here.find_many([rids[1]])).values())
            page.saw_notices(notice_marks([notification_view(notice)]))
            assert await watch.poll() == 0

            # A change this instance made and handed over fresh is not read again.
            police = status_event("police", "approved", registration_id=rids[0])
            listeners.timelines_changed({rids[0]: await fold(here, rids[0], police)})
            assert await watch.poll() == 0
    finally:
        await client.drop_database(database.name)
        await client.close()
