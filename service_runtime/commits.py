"""Offsets committed a few times a second, not after every batch; still only what was handled.

A consumer acknowledges a batch once its effects are stored. Committing right then costs a
broker round trip per batch, and at 10 registrations/s nearly every batch holds one message:
pricing it on the local stack (commits at most every 500 ms, `make bench`, docs/benchmark.md,
fifteenth round) took about 3-5 ms of broker CPU per registration. So an acknowledgement
notes the offsets handled so far, and they are committed every `interval`, when the group
takes partitions away (before another member resumes from them) and when the consumer stops.

At-least-once holds: only offsets of handled batches are committed. What a crash leaves
uncommitted (at most `interval` of batches) is delivered again, and every consumer here is
idempotent by event id, as it must be for any redelivery.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from typing import Any

import structlog
from aiokafka import ConsumerRebalanceListener, TopicPartition

log = structlog.get_logger("commits")


class PeriodicCommits:
    """Stands in for the consumer where FastStream acknowledges: `commit` only notes."""

    def __init__(self, consumer: Any, interval: float) -> None:  # noqa: ANN401 - aiokafka consumer
        self._consumer = consumer
        self._interval = interval
        self._returned: dict[TopicPartition, int] = {}  # the batch being handled
        self._handled: dict[TopicPartition, int] = {}
        self._flushing = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._closed = False  # stopping: what is acknowledged now is committed at once

    def returned(self, records: Iterable[Any]) -> None:
        """The batch about to be handled (FastStream handles one at a time per consumer)."""
        self._returned = {TopicPartition(r.topic, r.partition): r.offset + 1 for r in records}

    async def commit(self) -> None:
        """The batch was handled (FastStream's acknowledgement): commit its offsets soon."""
        self._handled.update(self._returned)
        self._returned = {}
        if self._closed:
            await self.flush()
        elif self._task is None or self._task.done():
            self._task = asyncio.create_task(self._commit_after_interval())

    def seek(self, partition: TopicPartition, offset: int) -> None:
        """A batch that failed is read again from its first offset (the nack)."""
        self._consumer.seek(partition, offset)

    async def _commit_after_interval(self) -> None:
        # Until nothing is left: a batch acknowledged while a commit was in flight is noted
        # after that commit took its offsets, and must not wait for a next batch that may
        # never come (a chaos test caught the lag staying above 0).
        while self._handled and not self._closed:
            await asyncio.sleep(self._interval)
            await self.flush()

    async def flush(self, partitions: set[TopicPartition] | None = None) -> None:
        """Commit what was handled (on `partitions` only, if named)."""
        async with self._flushing:
            due = {
                p: offset
                for p, offset in self._handled.items()
                if partitions is None or p in partitions
            }
            if not due:
                return
            try:
                await self._consumer.commit(due)
            except Exception as error:  # noqa: BLE001 - a lost commit means a redelivery only
                log.warning("offsets_not_committed", error=repr(error)[:200])
            for p, offset in due.items():
                if self._handled.get(p) == offset:
                    del self._handled[p]

    async def close(self) -> None:
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()


class CommitBeforeRevoke(ConsumerRebalanceListener):  # type: ignore[misc]  # untyped base
    """Commits what was handled on partitions the group is about to hand to another member."""

    def __init__(self) -> None:
        self.commits: PeriodicCommits | None = None

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        if self.commits is not None:
            await self.commits.flush(set(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        pass
