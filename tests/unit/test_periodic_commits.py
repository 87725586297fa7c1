"""Handled offsets are committed a few times a second, and never an unhandled one."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiokafka import TopicPartition

from service_runtime.commits import CommitBeforeRevoke, PeriodicCommits

A, B = TopicPartition("t", 0), TopicPartition("t", 1)


@dataclass
class Record:
    topic: str
    partition: int
    offset: int


class Consumer:
    def __init__(self) -> None:
        self.committed: list[dict[TopicPartition, int]] = []
        self.seeks: list[tuple[TopicPartition, int]] = []

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.committed.append(dict(offsets))

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.seeks.append((partition, offset))


async def test_acknowledged_batches_are_committed_together_after_the_interval() -> None:
    consumer = Consumer()
    commits = PeriodicCommits(consumer, interval=0.05)
    commits.returned([Record("t", 0, 10), Record("t", 0, 11), Record("t", 1, 4)])
    await commits.commit()
    commits.returned([Record("t", 0, 12)])
    await commits.commit()
    assert consumer.committed == []  # not per batch

    await asyncio.sleep(0.15)

    assert consumer.committed == [{A: 13, B: 5}]  # the next offset to read, per partition


async def test_a_batch_that_failed_is_never_committed() -> None:
    consumer = Consumer()
    commits = PeriodicCommits(consumer, interval=0.01)
    commits.returned([Record("t", 0, 10)])
    await commits.commit()
    commits.returned([Record("t", 0, 11), Record("t", 0, 12)])  # its handler fails: no ack
    commits.seek(A, 11)  # the nack reads it again
    await asyncio.sleep(0.05)
    assert consumer.committed == [{A: 11}]
    assert consumer.seeks == [(A, 11)]


async def test_partitions_taken_away_are_committed_before_the_group_moves_them() -> None:
    consumer = Consumer()
    commits = PeriodicCommits(consumer, interval=60)
    listener = CommitBeforeRevoke()
    listener.commits = commits
    commits.returned([Record("t", 0, 3), Record("t", 1, 8)])
    await commits.commit()

    await listener.on_partitions_revoked({B})

    assert consumer.committed == [{B: 9}]
    await commits.close()  # stopping commits the rest at once
    assert consumer.committed == [{B: 9}, {A: 4}]
    commits.returned([Record("t", 0, 4)])
    await commits.commit()  # a batch finishing while the consumer stops
    assert consumer.committed[-1] == {A: 5}


class SlowConsumer(Consumer):
    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        await asyncio.sleep(0.05)  # a commit in flight
        await super().commit(offsets)


async def test_a_batch_acknowledged_while_a_commit_is_in_flight_is_committed_too() -> None:
    consumer = SlowConsumer()
    commits = PeriodicCommits(consumer, interval=0.01)
    commits.returned([Record("t", 0, 1)])
    await commits.commit()
    await asyncio.sleep(0.03)  # the first commit is in flight now
    commits.returned([Record("t", 0, 2)])
    await commits.commit()  # the last batch: nothing comes after it

    await asyncio.sleep(0.3)

    assert consumer.committed == [{A: 2}, {A: 3}]
