"""Consumer lag per (group, topic): how many records a group has yet to process.

`LagReader` holds two clients between reads, so a dashboard polling about once a second
reuses two connections instead of opening them each time: an admin client for the committed
offsets (OffsetFetch) and a consumer without a group for the log's beginning and end offsets
(ListOffsets; having no group, it never joins, fetches or commits anything). `consumer_lag`
is the one-shot form: start, read, stop. One read costs one Metadata request, then per group
a FindCoordinator and an OffsetFetch (groups concurrently), then one ListOffsets each for the
beginning and the end offsets.

Per partition, lag is `end - committed`; without a commit, `end - beginning`, as a group
starting from `auto_offset_reset="earliest"` would read it. A commit below the beginning
(records removed by retention) counts from the beginning, since those records cannot be
read. Committed offsets are read before the end offsets, so a read that races a commit
overstates the lag a little and never goes negative.

Checked against the local Tansu broker (0.6) with aiokafka 0.14:
- OffsetFetch for "all partitions of the group" (no partitions named) gets an answer aiokafka
  cannot decode, and the connection closes. The partitions are therefore always named; a
  group that never committed, or does not exist, then answers -1 for each of them.
- A Metadata request that names a topic creates it when it is missing, so the topics are
  looked up in the metadata of all topics: a topic nobody created is reported with 0
  partitions and 0 lag, and is not created.
- DeleteRecords is not supported, so on Tansu every beginning offset is 0.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from service_runtime.kafka import client_options
from service_runtime.settings import RuntimeSettings

Subscriptions = Sequence[tuple[str, Sequence[str]]]
NO_COMMIT = -1  # what OffsetFetch answers for a partition the group never committed


@dataclass(frozen=True)
class GroupLag:
    group: str
    topic: str
    lag: int
    partitions: int


def partition_lag(committed: int, beginning: int, end: int) -> int:
    """Records after the committed position, which is clamped to the readable range."""
    position = beginning if committed == NO_COMMIT else min(max(committed, beginning), end)
    return max(end - position, 0)


class LagReader:
    """Reads consumer lag over connections it keeps between reads; `start` before `read`."""

    def __init__(self, settings: RuntimeSettings, request_timeout_ms: int = 5_000) -> None:
        # A dashboard would rather show an error after 5 s than hang for aiokafka's 40 s.
        options = {**client_options(settings), "request_timeout_ms": request_timeout_ms}
        self._admin = AIOKafkaAdminClient(**options)
        self._log = AIOKafkaConsumer(**options, enable_auto_commit=False)

    async def start(self) -> None:
        await self._admin.start()
        try:
            await self._log.start()
        except BaseException:
            await self._admin.close()
            raise

    async def stop(self) -> None:
        try:
            await self._log.stop()
        finally:
            await self._admin.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def read(self, subscriptions: Subscriptions) -> list[GroupLag]:
        """One `GroupLag` per distinct (group, topic), in the order given."""
        pairs = list(dict.fromkeys((group, topic) for group, ts in subscriptions for topic in ts))
        partitions = await self._partitions({topic for _, topic in pairs})
        groups: dict[str, list[TopicPartition]] = {}
        for group, topic in pairs:
            groups.setdefault(group, []).extend(partitions.get(topic, ()))
        answers = await asyncio.gather(*(self._committed(g, tps) for g, tps in groups.items()))
        committed = dict(zip(groups, answers, strict=True))
        every = [tp for tps in partitions.values() for tp in tps]
        beginning, end = await self._log_offsets(every)
        return [
            GroupLag(
                group=group,
                topic=topic,
                lag=sum(
                    partition_lag(committed[group][tp], beginning[tp], end[tp])
                    for tp in partitions.get(topic, ())
                ),
                partitions=len(partitions.get(topic, ())),
            )
            for group, topic in pairs
        ]

    async def _partitions(self, topics: set[str]) -> dict[str, list[TopicPartition]]:
        described: list[dict[str, Any]] = await self._admin.describe_topics()  # all: see above
        return {
            t["topic"]: [TopicPartition(t["topic"], p["partition"]) for p in t["partitions"]]
            for t in described
            if t["topic"] in topics and t["error_code"] == 0
        }

    async def _committed(self, group: str, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        if not tps:
            return {}
        # A coordinator that just lost the group answers with a group-level error and no
        # partitions, which aiokafka passes on as an empty answer: look it up again, once.
        for _ in range(2):
            answer = await self._admin.list_consumer_group_offsets(group, partitions=tps)
            if answer.keys() >= set(tps):
                return {tp: int(answer[tp].offset) for tp in tps}
        raise KafkaError(f"no committed offsets for {group}: its coordinator did not answer")

    async def _log_offsets(
        self, tps: list[TopicPartition]
    ) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int]]:
        if not tps:
            return {}, {}
        beginning, end = await asyncio.gather(
            self._log.beginning_offsets(tps), self._log.end_offsets(tps)
        )
        return (
            {tp: int(offset) for tp, offset in beginning.items()},
            {tp: int(offset) for tp, offset in end.items()},
        )


async def consumer_lag(settings: RuntimeSettings, subscriptions: Subscriptions) -> list[GroupLag]:
    """(group, topics) pairs in; one `GroupLag` per (group, topic).

    Never raises for a group that does not exist yet: its lag counts from the beginning.
    """
    async with LagReader(settings) as reader:
        return await reader.read(subscriptions)
