"""Wake live streams in this process when their timeline changed."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Iterable


class TimelineListeners:
    def __init__(self) -> None:
        self._waiting: defaultdict[str, set[asyncio.Event]] = defaultdict(set)

    def notify(self, registration_ids: Iterable[str]) -> None:
        for rid in registration_ids:
            for event in self._waiting.get(rid, ()):
                event.set()

    async def wait(self, registration_id: str, timeout: float) -> None:
        """Return on a change or after `timeout` (other instances may have written it)."""
        event = asyncio.Event()
        self._waiting[registration_id].add(event)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout)
        finally:
            self._waiting[registration_id].discard(event)
            if not self._waiting[registration_id]:
                del self._waiting[registration_id]
