"""Fetch pacing: poll the broker briskly while messages flow, gently while idle.

Measured on the local Tansu broker: a dozen consumers polling with a short wait kept it at
34-68% of a core with no traffic at all, and a fetch is not always answered as soon as data
arrives, so a long wait also costs latency while messages flow. So a consumer uses the busy
wait while batches arrive, and the idle one once a whole `idle_after` passed without a
message. On real Kafka a fetch returns as soon as data arrives, so both can be long there.

FastStream's batch subscriber also sleeps for `batch_timeout_ms` after every empty poll, and a
message arriving in that sleep waits it out (up to 200 ms per hop by default). The paced
subscriber leaves that sleep out: `getmany` has already waited `batch_timeout_ms` for data.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import chain
from typing import Any
from weakref import WeakKeyDictionary

import structlog
from faststream.kafka.subscriber.usecase import BatchSubscriber

from service_runtime.commits import CommitBeforeRevoke, PeriodicCommits
from service_runtime.follow_ups import FollowUps, watch_for_follow_ups
from service_runtime.offset_gaps import OffsetGaps

log = structlog.get_logger("pacing")
# Each consumer's gap check (service_runtime/offset_gaps.py) and follow-up polling
# (service_runtime/follow_ups.py), and each subscriber's periodic
# commits (service_runtime/commits.py); the subscriber class has no room for them.
_GAPS: WeakKeyDictionary[Any, OffsetGaps] = WeakKeyDictionary()
_COMMITS: WeakKeyDictionary[Any, PeriodicCommits] = WeakKeyDictionary()
_FOLLOW_UPS: WeakKeyDictionary[Any, FollowUps] = WeakKeyDictionary()


def set_fetch_wait(consumer: Any, wait_ms: int) -> bool:  # noqa: ANN401 - aiokafka consumer
    """Change a running aiokafka consumer's fetch wait; it applies from the next fetch request.

    aiokafka reads `Fetcher._fetch_max_wait_ms` each time it builds a request and has no public
    setter. If a newer aiokafka moves it, pacing stops and the consumer keeps its start value.
    """
    fetcher = getattr(consumer, "_fetcher", None)
    if fetcher is None or not hasattr(fetcher, "_fetch_max_wait_ms"):
        return False
    fetcher._fetch_max_wait_ms = wait_ms  # noqa: SLF001 - see the docstring
    return True


def _watch_for_follow_ups(consumer: Any, follow_ups: FollowUps | None) -> None:  # noqa: ANN401
    if follow_ups and consumer and watch_for_follow_ups(consumer, follow_ups):
        _FOLLOW_UPS[consumer] = follow_ups


def _set_paced_wait(consumer: Any, wait_ms: int) -> None:  # noqa: ANN401 - aiokafka consumer
    """The wait the traffic calls for; a consumer polling briskly for follow-ups keeps its
    brisk wait until the moment is over, then takes this one."""
    follow_ups = _FOLLOW_UPS.get(consumer)
    if follow_ups is not None:
        follow_ups.paced_wait_ms = wait_ms
    if follow_ups is None or not follow_ups.brisk():
        set_fetch_wait(consumer, wait_ms)


@dataclass(frozen=True)
class Brisk:
    """After a record of `topics`, fetch with `wait_ms` for `window_ms` (follow_ups.py)."""

    topics: frozenset[str] = frozenset()
    wait_ms: int = 0
    window_ms: int = 0

    def follow_ups(self, paced_wait_ms: int) -> FollowUps | None:
        if not (self.topics and self.wait_ms and self.window_ms):
            return None
        return FollowUps(self.topics, self.wait_ms, self.window_ms / 1000, paced_wait_ms)


@cache
def paced_batch_subscriber(
    busy_wait_ms: int, idle_wait_ms: int, commit_interval_ms: int = 0, brisk: Brisk = Brisk()
) -> type[BatchSubscriber]:
    """A BatchSubscriber subclass whose fetch wait follows the traffic (and briefly its
    follow-ups) and, for a consumer group given a `commit_interval_ms`, whose handled offsets
    are committed periodically (one class per setting)."""

    class PacedBatchSubscriber(BatchSubscriber):
        __slots__ = ()

        async def start(self) -> None:
            # Only a group commits; a subscriber given its own rebalance listener keeps
            # FastStream's commit after every batch.
            if not (commit_interval_ms and self.group_id and self._listener is None):
                await super().start()
            else:
                listener = self._listener = CommitBeforeRevoke()
                await super().start()
                if self.consumer is not None:
                    commits = PeriodicCommits(self.consumer, commit_interval_ms / 1000)
                    _COMMITS[self] = listener.commits = commits
                    self.parser._setup(commits)  # noqa: SLF001 - where FastStream acknowledges
            _watch_for_follow_ups(self.consumer, brisk.follow_ups(busy_wait_ms))

        async def stop(self) -> None:
            commits = _COMMITS.pop(self, None)
            if commits is not None:
                await commits.close()
            await super().stop()

        async def get_msg(self, consumer: Any) -> tuple[Any, ...]:  # noqa: ANN401
            batches = await consumer.getmany(
                timeout_ms=self.batch_timeout_ms, max_records=self.max_records
            )
            _set_paced_wait(consumer, busy_wait_ms if batches else idle_wait_ms)
            gaps = _GAPS.get(consumer)
            if gaps is None:
                gaps = _GAPS[consumer] = OffsetGaps()
            records = tuple(chain.from_iterable(gaps.contiguous(consumer, batches).values()))
            commits = _COMMITS.get(self)
            if commits is not None:
                commits.returned(records)
            return records

    return PacedBatchSubscriber


def pace(
    subscriber: Any,  # noqa: ANN401
    busy_wait_ms: int,
    idle_wait_ms: int,
    commit_interval_ms: int = 0,
    brisk: Brisk = Brisk(),
) -> None:
    """Make a FastStream batch subscriber paced; it must not have started yet. An idle wait
    shorter than the busy one is taken as the busy one."""
    if not isinstance(subscriber, BatchSubscriber):
        msg = f"only batch subscribers can be paced, not {type(subscriber).__name__}"
        raise TypeError(msg)
    subscriber.__class__ = paced_batch_subscriber(
        busy_wait_ms, max(busy_wait_ms, idle_wait_ms), commit_interval_ms, brisk
    )
