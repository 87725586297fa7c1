"""Wake live streams when a registration's page changes, whichever notifier instance changed it.

The instance that changes a page (folds an event, stores a notification) wakes its own streams
at once, handing them the fresh timeline, and announces the change on PAGE_CHANGED. Every
instance reads that topic without a consumer group and wakes its streams for changes made by
the others, which re-read the store; an instance skips its own announcements. A wake says what
changed, the timeline or the notifications, so a stream re-reads only that. A wake that never
came is caught by one slow poll for all streams (`stream_watch.py`), against what each stream
says it has seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import OrderedDict, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import structlog

from services.notifier.timeline import Timeline

log = structlog.get_logger("live")
NoticeMark = frozenset[tuple[str, str | None]]  # (id, delivered_via) of a registration's notices
NO_NOTICES: NoticeMark = frozenset()
# A stream's read of the store and its subscription are moments apart: 1,024 is over a minute
# at the national peak. Fewer objects kept also means shorter full garbage collections.
LATEST_KEPT = 1024


def notice_marks(notices: Iterable[Mapping[str, Any]]) -> dict[str, NoticeMark]:
    """What a page has of each registration's notices: which ones, and how each was sent."""
    marks: defaultdict[str, set[tuple[str, str | None]]] = defaultdict(set)
    for notice in notices:
        marks[notice["registration_id"]].add((notice["id"], notice.get("delivered_via")))
    return {rid: frozenset(mark) for rid, mark in marks.items()}


INSTANCE = uuid4().hex  # this process, to skip its own announcements
Publish = Callable[[bytes], Awaitable[None]]


@dataclass
class Changes:
    timelines: set[str] = field(default_factory=set)
    fresh: dict[str, Timeline] = field(default_factory=dict)  # timelines this process wrote
    notifications: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.timelines or self.notifications)


class Subscription:
    """One stream's interest in some registrations, kept for the stream's whole life.

    Changes that arrive while the stream is busy (reading the store, writing to the socket)
    accumulate here, so none is lost between one wait and the next.
    """

    def __init__(self, registration_ids: Iterable[str], *, notices: bool = False) -> None:
        self.registration_ids = frozenset(registration_ids)
        self.watches_notices = notices  # the page's hall shows them; the timeline stream does not
        # What the stream has (or is about to be handed): the slow poll wakes it for anything newer.
        self.seen_revs: dict[str, int] = {}
        self.seen_notices: dict[str, NoticeMark] = {}
        self._signal = asyncio.Event()
        self._changes = Changes()

    def saw(self, timelines: Iterable[Timeline]) -> None:
        for timeline in timelines:
            rid = timeline.registration_id
            self.seen_revs[rid] = max(self.seen_revs.get(rid, 0), timeline.rev)

    def saw_notices(self, marks: Mapping[str, NoticeMark]) -> None:
        for rid in self.registration_ids:
            self.seen_notices[rid] = marks.get(rid, NO_NOTICES)

    def mark_timeline(self, registration_id: str, timeline: Timeline | None) -> None:
        self._changes.timelines.add(registration_id)
        if timeline is not None:
            self._changes.fresh[registration_id] = timeline
            self.saw([timeline])
        else:
            self._changes.fresh.pop(registration_id, None)  # re-read: a fresher copy exists
        self._signal.set()

    def mark_notifications(self, registration_id: str) -> None:
        self._changes.notifications.add(registration_id)
        self._signal.set()

    async def next(self, timeout: float) -> Changes:
        """What changed since the last call; empty after `timeout`."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._signal.wait(), timeout)
        changes, self._changes = self._changes, Changes()
        self._signal.clear()
        return changes


class PageListeners:
    def __init__(self, latest_kept: int = LATEST_KEPT) -> None:
        self._subscriptions: defaultdict[str, set[Subscription]] = defaultdict(set)
        # The freshest timelines this process wrote, a bounded few: a stream that read the
        # store just before it subscribed catches up from here instead of reading again.
        self._latest: OrderedDict[str, Timeline] = OrderedDict()
        self._latest_kept = latest_kept

    def _each(self, registration_ids: Iterable[str]) -> Iterator[tuple[str, Subscription]]:
        for rid in registration_ids:
            for subscription in tuple(self._subscriptions.get(rid, ())):
                yield rid, subscription

    def timelines_changed(self, fresh: Mapping[str, Timeline | None]) -> None:
        for rid, timeline in fresh.items():
            if timeline is None:
                self._latest.pop(rid, None)  # changed elsewhere: this copy may be stale
                continue
            self._latest[rid] = timeline
            self._latest.move_to_end(rid)
        while len(self._latest) > self._latest_kept:
            self._latest.popitem(last=False)
        for rid, subscription in self._each(fresh):
            subscription.mark_timeline(rid, fresh[rid])

    def notifications_changed(self, registration_ids: Iterable[str]) -> None:
        for rid, subscription in self._each(registration_ids):
            subscription.mark_notifications(rid)

    def subscriptions(self) -> list[Subscription]:
        return list({s for group in self._subscriptions.values() for s in group})

    @contextlib.contextmanager
    def subscribe(
        self,
        registration_ids: Iterable[str],
        *,
        notices: bool = False,
        read: Iterable[Timeline] = (),
    ) -> Iterator[Subscription]:
        """Subscribe before the first read of the store, so nothing slips in between; or name
        what was `read` just before, and a newer copy this process wrote is handed over."""
        subscription = Subscription(registration_ids, notices=notices)
        subscription.saw(read)
        for rid in subscription.registration_ids:
            self._subscriptions[rid].add(subscription)
            latest = self._latest.get(rid)
            if latest is not None and latest.rev > subscription.seen_revs.get(rid, 0):
                subscription.mark_timeline(rid, latest)
        try:
            yield subscription
        finally:
            for rid in subscription.registration_ids:
                self._subscriptions[rid].discard(subscription)
                if not self._subscriptions[rid]:
                    del self._subscriptions[rid]


class PageAnnouncer:
    """Wakes this instance's streams at once, and the other instances' through the bus.

    Announcements are coalesced: everything changed within `linger` seconds goes out as one
    message. At 5 registrations/s the bus carried about four announcements per registration,
    each one produced, stored by the broker and read by every instance; coalescing trades at
    most `linger` of extra delay on the other instances' streams for that traffic.
    """

    def __init__(self, listeners: PageListeners, publish: Publish, linger: float = 0.0) -> None:
        self.listeners = listeners
        self._publish = publish
        self._linger = linger
        self._pending = Changes()
        self._waiting = asyncio.Event()

    async def timelines_changed(self, fresh: Mapping[str, Timeline]) -> None:
        if fresh:
            self.listeners.timelines_changed(fresh)
            self._pending.timelines.update(fresh)
            self._waiting.set()

    async def notifications_changed(self, registration_ids: Iterable[str]) -> None:
        rids = set(registration_ids)
        if rids:
            self.listeners.notifications_changed(rids)
            self._pending.notifications.update(rids)
            self._waiting.set()

    async def flush(self) -> None:
        """Announce everything changed since the last flush, in one message."""
        pending, self._pending = self._pending, Changes()
        self._waiting.clear()
        if pending:
            await self._publish(
                encode_page_changed(pending.timelines, notifications=pending.notifications)
            )

    async def announce_forever(self) -> None:
        # A lost announcement costs the other instances' streams latency, never data: they
        # re-read the store on their slow poll.
        while True:
            await self._waiting.wait()
            await asyncio.sleep(self._linger)
            try:
                await self.flush()
            except Exception as error:  # noqa: BLE001 - keep announcing; the streams poll anyway
                log.warning("page_changed_announce_failed", error=repr(error))

    def on_announcement(self, raw: bytes) -> None:
        origin, timelines, notifications = decode_page_changed(raw)
        if origin == INSTANCE:
            return  # this process woke its streams when it made the change
        self.listeners.timelines_changed(dict.fromkeys(timelines))
        self.listeners.notifications_changed(notifications)


def encode_page_changed(timelines: Iterable[str] = (), notifications: Iterable[str] = ()) -> bytes:
    return json.dumps(
        {"from": INSTANCE, "timelines": sorted(timelines), "notifications": sorted(notifications)}
    ).encode()


def decode_page_changed(raw: bytes) -> tuple[str, list[str], list[str]]:
    value = json.loads(raw)
    if not isinstance(value, dict):
        msg = "page-changed payload must be an object"
        raise TypeError(msg)
    lists = [value.get("timelines", []), value.get("notifications", [])]
    if not all(isinstance(v, list) and all(isinstance(i, str) for i in v) for v in lists):
        msg = "page-changed lists must hold registration ids"
        raise TypeError(msg)
    return str(value.get("from", "")), lists[0], lists[1]
