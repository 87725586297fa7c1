"""Hand fresh timelines to live streams in this process, so a stream need not re-read them."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Mapping

from services.notifier.timeline import Timeline


class _Waiter:
    def __init__(self) -> None:
        self.changed = asyncio.Event()
        self.timeline: Timeline | None = None


class TimelineListeners:
    def __init__(self) -> None:
        self._waiting: defaultdict[str, set[_Waiter]] = defaultdict(set)

    def notify(self, timelines: Mapping[str, Timeline]) -> None:
        for rid, timeline in timelines.items():
            for waiter in self._waiting.get(rid, ()):
                waiter.timeline = timeline
                waiter.changed.set()

    async def wait(self, registration_id: str, timeout: float) -> Timeline | None:
        """The next timeline written here, or None after `timeout` (another instance may own it)."""
        waiter = _Waiter()
        self._waiting[registration_id].add(waiter)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.changed.wait(), timeout)
        finally:
            self._waiting[registration_id].discard(waiter)
            if not self._waiting[registration_id]:
                del self._waiting[registration_id]
        return waiter.timeline
