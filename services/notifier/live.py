"""Wake live streams when a registration's page changes, whichever notifier instance changed it.

The instance that folds an event wakes its own streams at once and hands them the fresh
timeline; it also announces the change on PAGE_CHANGED, which every instance reads without a
consumer group, so streams connected to the others re-read the store and follow within a fetch.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping

from services.notifier.timeline import Timeline


class _Waiter:
    def __init__(self) -> None:
        self.changed = asyncio.Event()
        self.registrations: set[str] = set()
        self.timelines: dict[str, Timeline] = {}


class PageListeners:
    def __init__(self) -> None:
        self._waiting: defaultdict[str, set[_Waiter]] = defaultdict(set)

    def notify(self, timelines: Mapping[str, Timeline]) -> None:
        """Fresh timelines written by this process."""
        for rid, timeline in timelines.items():
            for waiter in self._waiting.get(rid, ()):
                waiter.timelines[rid] = timeline
                waiter.registrations.add(rid)
                waiter.changed.set()

    def wake(self, registration_ids: Iterable[str]) -> None:
        """Something changed elsewhere (another instance, or a notification): re-read."""
        for rid in registration_ids:
            for waiter in self._waiting.get(rid, ()):
                waiter.registrations.add(rid)
                waiter.changed.set()

    async def wait(
        self, registration_ids: Iterable[str], timeout: float
    ) -> tuple[set[str], dict[str, Timeline]]:
        """Which registrations changed (and fresh timelines where known); empty after `timeout`."""
        waiter = _Waiter()
        rids = set(registration_ids)
        for rid in rids:
            self._waiting[rid].add(waiter)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.changed.wait(), timeout)
        finally:
            for rid in rids:
                self._waiting[rid].discard(waiter)
                if not self._waiting[rid]:
                    del self._waiting[rid]
        return waiter.registrations, waiter.timelines


def encode_page_changed(registration_ids: Iterable[str]) -> bytes:
    return json.dumps(sorted(set(registration_ids))).encode()


def decode_page_changed(raw: bytes) -> list[str]:
    value = json.loads(raw)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        msg = "page-changed payload must be a list of registration ids"
        raise TypeError(msg)
    return value
