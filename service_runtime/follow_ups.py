"""Brisk polling for a moment after a record that announces more.

A form reaches a dependent department a few milliseconds before its prerequisite's decision,
and the notifier a few before the departments' statuses. Two things made each such follow-up
wait up to half the busy fetch wait, at every hop (measured with the spans of a 10/s run: the
dependents read the market's decision p50 40 ms after it was published):
- the moment a fetch brings data, aiokafka sends the next fetch for the group's other
  partitions, and leaves the partition that just delivered out until that fetch returns: a
  follow-up on the same partition (one registration's statuses share a key) waits for it;
- the local broker (Tansu) looks for data only at 0, 1/2, 3/4 ... of a fetch's wait, so a
  record published just after a fetch started waits for the half-way check.
So after a record from one of the group's `follow_ups_after` topics, its fetches use a short
wait for `window` (a short wait costs the broker more checks, hence only for a moment). On real
Kafka a fetch returns as soon as data arrives, so there it only shortens the first case.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import structlog

log = structlog.get_logger("pacing")


@dataclass
class FollowUps:
    """The fetch wait of one consumer: the paced one, or the brisk one for a moment."""

    topics: frozenset[str]
    brisk_wait_ms: int
    window_s: float
    paced_wait_ms: int
    clock: Callable[[], float] = time.monotonic
    _brisk_until: float = field(default=0.0, init=False)

    def brisk(self) -> bool:
        return self.clock() < self._brisk_until

    def fetched(self, topics: Collection[str]) -> int:
        """The wait for the next fetch, after one that brought records of these topics."""
        if not self.topics.isdisjoint(topics):
            self._brisk_until = self.clock() + self.window_s
        # Never longer than the paced wait: a stack configured to poll faster keeps its pace.
        return min(self.brisk_wait_ms, self.paced_wait_ms) if self.brisk() else self.paced_wait_ms


def watch_for_follow_ups(consumer: Any, follow_ups: FollowUps) -> bool:  # noqa: ANN401
    """Choose the consumer's fetch wait after each fetch, before aiokafka sends the next one.

    aiokafka has no hook there: this wraps its fetcher's `_proc_fetch_request`, which returns
    whether new records arrived, and reads the partitions holding records (`_records`). If a
    newer aiokafka moves either, the consumer keeps its paced waits and this says so.
    """
    fetcher: Any = getattr(consumer, "_fetcher", None)
    fetch = getattr(fetcher, "_proc_fetch_request", None)
    if fetch is None or not hasattr(fetcher, "_records"):
        log.warning("follow_up_polling_unavailable", reason="aiokafka internals moved")
        return False

    async def fetch_then_choose_wait(*args: Any) -> bool:  # noqa: ANN401 - aiokafka's own
        has_new_records: bool = await fetch(*args)
        topics = {tp.topic for tp in fetcher._records} if has_new_records else ()  # noqa: SLF001
        fetcher._fetch_max_wait_ms = follow_ups.fetched(topics)  # noqa: SLF001
        return has_new_records

    wrapped: Callable[..., Awaitable[bool]] = fetch_then_choose_wait
    fetcher._proc_fetch_request = wrapped  # noqa: SLF001 - see the docstring
    return True
