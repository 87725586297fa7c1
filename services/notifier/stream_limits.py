"""Caps on live streams (SSE): in total, per client address, and per client.

Each open stream holds a connection and a task for up to an hour, so without caps one script
could hold thousands. A client is one signed-in browser on the page, or one registration on the
API stream. A stream over a cap gets 429 with Retry-After before it starts; the slot is taken
when the stream starts and given back when it ends, however it ends.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from contextlib import contextmanager

from service_runtime.problems import Problem
from service_runtime.settings import NotifierSettings

RETRY_AFTER_SECONDS = 10


class StreamSlots:
    def __init__(self, total: int, per_address: int, per_client: int) -> None:
        self.total, self.per_address, self.per_client = total, per_address, per_client
        self._open = 0
        self._by_address: Counter[str] = Counter()
        self._by_client: Counter[str] = Counter()

    def check(self, address: str, client: str) -> None:
        """429 when one more stream would pass a cap; nothing is taken yet."""
        if self._open >= self.total:
            raise Problem(429, "too_many_live_streams", retry_after=RETRY_AFTER_SECONDS)
        if self._by_address[address] >= self.per_address:
            raise Problem(
                429, "too_many_live_streams_from_address", retry_after=RETRY_AFTER_SECONDS
            )
        if self._by_client[client] >= self.per_client:
            raise Problem(429, "too_many_live_streams_for_client", retry_after=RETRY_AFTER_SECONDS)

    @contextmanager
    def held(self, address: str, client: str) -> Iterator[None]:
        self._open += 1
        self._by_address[address] += 1
        self._by_client[client] += 1
        try:
            yield
        finally:
            self._open -= 1
            for counter, key in ((self._by_address, address), (self._by_client, client)):
                counter[key] -= 1
                if counter[key] <= 0:
                    del counter[key]  # the tables hold only open streams

    @property
    def open(self) -> int:
        return self._open


async def within(
    slots: StreamSlots, address: str, client: str, events: AsyncIterator[str]
) -> AsyncGenerator[str, None]:
    """The stream's events, counted against the caps while it runs."""
    with slots.held(address, client):
        async for event in events:
            yield event


def stream_slots(settings: NotifierSettings) -> StreamSlots:
    return StreamSlots(
        settings.live_streams_max,
        settings.live_streams_per_address,
        settings.live_streams_per_client,
    )
