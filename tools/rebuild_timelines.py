"""Rebuild the notifier's timelines from the topics into a fresh database.

    python -m tools.rebuild_timelines --into rebuilt_

reads every topic the notifier's timeline group reads, from offset 0 up to the end offsets it
finds when it starts, with no consumer group (nothing is committed, no live group is touched),
and folds each batch exactly as the live notifier does: the same decoder, the same handler, and
the same delivery policy (a batch that fails is retried, then split; an undecodable record is
skipped and counted) and the same guard against the local broker's offset gaps. Everything
goes into `<into>notifier.timelines`. The broker and database come from
KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI, as for the services.

Completions the fold emits are already on `registration.completed.v1` (the live notifier
published them), so nothing is published: the rebuilt documents' outboxes are emptied at the
end. Point a notifier at the rebuilt database with MONGODB_DATABASE_PREFIX=<into>. Notices
(`notifications`) are not rebuilt: folding them again would send their email and SMS again.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from pymongo import AsyncMongoClient

from contracts.dead_letter import DeadLetter
from contracts.topology import NOTIFIER, TOPOLOGY
from service_runtime.delivery import BatchConsumer, RawRecord, RetryPolicy
from service_runtime.kafka import client_options
from service_runtime.mongo import Document
from service_runtime.offset_gaps import OffsetGaps
from service_runtime.outbox import OutboxRelay, Stored
from service_runtime.settings import Settings
from services.notifier.handlers import decode_timeline_event, when_status_changed_update_timeline
from services.notifier.live import PageAnnouncer, PageListeners
from services.notifier.store import MongoTimelineStore

BATCH = 500
IDLE_ROUNDS = 30  # getmany waits 1 s each


class RebuiltTimelines(MongoTimelineStore):
    """The notifier's store, minus publishing: every event folded here is on the bus already."""

    async def publish(self, stored: Sequence[Stored]) -> None:  # noqa: ARG002
        return None


async def _never_sent(*_: Any) -> Any:  # noqa: ANN401 - the relay's send signature
    raise RuntimeError("a rebuild publishes nothing")


async def _discard(_: bytes) -> None:
    return None


class _Skipped:
    """Where the live group would dead-letter a record, the rebuild counts it and goes on.

    A record that does not decode was dead-lettered live too; one that decodes but cannot be
    folded even alone, after the retries, is counted apart: the rebuild may then differ.
    """

    def __init__(self) -> None:
        self.undecodable = 0
        self.failed = 0

    async def __call__(self, topic: str, key: bytes | None, letter: DeadLetter) -> None:  # noqa: ARG002
        if letter.error_type == "ValidationError":
            self.undecodable += 1
        else:
            self.failed += 1


async def rebuild(settings: Settings, into_prefix: str) -> dict[str, int]:
    """Fold every stored event into `<into_prefix>notifier`; returns what it read and skipped."""
    if into_prefix == settings.mongodb_database_prefix:
        msg = "重建必须写入新的数据库 / the rebuild must write to a fresh database prefix"
        raise ValueError(msg)
    client: AsyncMongoClient[Document] = AsyncMongoClient(settings.mongodb_uri, tz_aware=True)
    timelines = client[f"{into_prefix}notifier"][MongoTimelineStore.collection_name]
    if await timelines.estimated_document_count():
        await client.close()
        msg = f"{timelines.full_name} 不为空 / is not empty: rebuild into a fresh prefix"
        raise ValueError(msg)
    store = RebuiltTimelines(timelines.database, OutboxRelay(timelines, _never_sent))
    skipped = _Skipped()
    policy = BatchConsumer(
        group="rebuild",
        decode=decode_timeline_event,
        handle=when_status_changed_update_timeline(store, PageAnnouncer(PageListeners(), _discard)),
        dead_letter=skipped,
        policy=RetryPolicy(settings.delivery_max_attempts, settings.delivery_backoff_ms / 1000),
    )
    consumer = AIOKafkaConsumer(**client_options(settings), group_id=None, enable_auto_commit=False)
    await consumer.start()
    read = 0
    try:
        topics = TOPOLOGY.subscription_for(NOTIFIER).topics
        await consumer.topics()  # metadata, so the partitions are known
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        ends = await consumer.end_offsets(partitions)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        gaps, idle_rounds = OffsetGaps(), 0
        while await _behind(consumer, ends):
            fetched = await consumer.getmany(timeout_ms=1_000, max_records=BATCH)
            idle_rounds = 0 if fetched else idle_rounds + 1
            if idle_rounds > IDLE_ROUNDS:
                msg = "读取停滞 / no progress for 30 s: is the broker reachable?"
                raise RuntimeError(msg)
            records = [
                RawRecord.from_consumer_record(r)
                for tp, batch in gaps.contiguous(consumer, fetched).items()
                for r in batch
                if r.offset < ends[tp]  # what arrived after the rebuild started is not in it
            ]
            read += len(records)
            if records:
                await policy.consume(records)
        await timelines.update_many(
            {"outbox_pending": True}, {"$set": {"outbox": [], "outbox_pending": False}}
        )
    finally:
        await consumer.stop()
        await client.close()
    return {"read": read, "undecodable": skipped.undecodable, "failed": skipped.failed}


async def _behind(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return True
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--into", required=True, help="database prefix to rebuild into")
    args = parser.parse_args(argv)
    try:
        counts = asyncio.run(rebuild(Settings(), args.into))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    print(
        f"已重建 / rebuilt {args.into}notifier.timelines: {counts['read']} events read, "
        f"{counts['undecodable']} undecodable (dead letters live too), "
        f"{counts['failed']} could not be folded"
    )
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
