"""The slow poll behind every live stream: one read per interval for all of them.

A stream is woken at once by the change that concerns it (`live.py`). The poll only covers a
wake that never came: another instance's announcement lost on the bus. Each stream used to poll
the store itself every few seconds, so the database's load grew with the streams open, and the
streams open grow with the latency: at 40 registrations/s on the local stack the polls drowned
the database (6.6 timeline reads per registration instead of 2) and throughput collapsed.

Now one task reads the stored revision of every watched timeline (and the marks of every
watched page's notices) in one statement per chunk of ids, and wakes only the streams that are
behind what is stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import structlog

from services.notifier.live import NO_NOTICES, NoticeMark, PageListeners

log = structlog.get_logger("stream_watch")
Revisions = Callable[[Sequence[str]], Awaitable[dict[str, int]]]
NoticeMarks = Callable[[Sequence[str]], Awaitable[dict[str, NoticeMark]]]
WATCH_SECONDS = 5.0
T = TypeVar("T")
CHUNK = 500  # ids per statement: a bounded `$in`, however many streams are open


class StreamWatch:
    def __init__(
        self,
        listeners: PageListeners,
        revisions: Revisions,
        marks: NoticeMarks,
        interval: float = WATCH_SECONDS,
    ) -> None:
        self._listeners = listeners
        self._revisions = revisions
        self._marks = marks
        self._interval = interval

    async def poll(self) -> int:
        """Wake every stream that is behind the store; how many wakes that took."""
        subscriptions = self._listeners.subscriptions()
        revs = await _chunked(
            self._revisions, {r for s in subscriptions for r in s.registration_ids}
        )
        wakes = 0
        for subscription in subscriptions:
            for rid in subscription.registration_ids:
                if revs.get(rid, 0) > subscription.seen_revs.get(rid, 0):
                    subscription.mark_timeline(rid, None)
                    wakes += 1
        paged = [s for s in subscriptions if s.watches_notices]
        marks = await _chunked(self._marks, {r for s in paged for r in s.registration_ids})
        for subscription in paged:
            for rid in subscription.registration_ids:
                if marks.get(rid, NO_NOTICES) != subscription.seen_notices.get(rid, NO_NOTICES):
                    subscription.mark_notifications(rid)
                    wakes += 1
        return wakes

    async def poll_forever(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.poll()
            except Exception as error:  # noqa: BLE001 - keep watching; the next round retries
                log.warning("stream_watch_failed", error=repr(error))


async def _chunked(
    read: Callable[[Sequence[str]], Awaitable[dict[str, T]]], ids: set[str]
) -> dict[str, T]:
    ordered, found = sorted(ids), dict[str, T]()
    for start in range(0, len(ordered), CHUNK):
        found.update(await read(ordered[start : start + CHUNK]))
    return found
