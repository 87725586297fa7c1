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
from collections.abc import Iterable, Iterator, Mapping

from services.notifier.timeline import Timeline


class Subscription:
    """One stream's interest in some registrations, kept for the stream's whole life.

    Changes that arrive while the stream is busy (reading the store, writing to the socket)
    accumulate here, so none is lost between one wait and the next.
    """

    def __init__(self, registration_ids: Iterable[str]) -> None:
        self.registration_ids = frozenset(registration_ids)
        self._changed = asyncio.Event()
        self._registrations: set[str] = set()
        self._timelines: dict[str, Timeline] = {}

    def _mark(self, registration_id: str, timeline: Timeline | None) -> None:
        self._registrations.add(registration_id)
        if timeline is not None:
            self._timelines[registration_id] = timeline
        else:
            self._timelines.pop(registration_id, None)  # re-read: a fresher copy may exist
        self._changed.set()

    async def next(self, timeout: float) -> tuple[set[str], dict[str, Timeline]]:
        """What changed since the last call (and fresh timelines where known); empty on timeout."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)
        changed, timelines = self._registrations, self._timelines
        self._registrations, self._timelines = set(), {}
        self._changed.clear()
        return changed, timelines


class PageListeners:
    def __init__(self) -> None:
        self._subscriptions: defaultdict[str, set[Subscription]] = defaultdict(set)

    def notify(self, timelines: Mapping[str, Timeline]) -> None:
        """Fresh timelines written by this process."""
        for rid, timeline in timelines.items():
            for subscription in self._subscriptions.get(rid, ()):
                subscription._mark(rid, timeline)  # noqa: SLF001 - the listeners own the marks

    def wake(self, registration_ids: Iterable[str]) -> None:
        """Something changed elsewhere (another instance, or a notification): re-read."""
        for rid in registration_ids:
            for subscription in self._subscriptions.get(rid, ()):
                subscription._mark(rid, None)  # noqa: SLF001 - the listeners own the marks

    @contextlib.contextmanager
    def subscribe(self, registration_ids: Iterable[str]) -> Iterator[Subscription]:
        """Subscribe before the first read of the store, so nothing slips in between."""
        subscription = Subscription(registration_ids)
        for rid in subscription.registration_ids:
            self._subscriptions[rid].add(subscription)
        try:
            yield subscription
        finally:
            for rid in subscription.registration_ids:
                self._subscriptions[rid].discard(subscription)
                if not self._subscriptions[rid]:
                    del self._subscriptions[rid]


def encode_page_changed(registration_ids: Iterable[str]) -> bytes:
    return json.dumps(sorted(set(registration_ids))).encode()


def decode_page_changed(raw: bytes) -> list[str]:
    value = json.loads(raw)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        msg = "page-changed payload must be a list of registration ids"
        raise TypeError(msg)
    return value
