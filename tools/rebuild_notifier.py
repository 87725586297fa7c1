"""Rebuild the notifier's read model (timelines, then notices) from the topics into a fresh database.

    python -m tools.rebuild_notifier --into rebuilt_

reads, from offset 0 until a fetch finds nothing more, every topic the notifier's
timeline group reads, then every topic its notification group reads, with no consumer group
(nothing is committed, no live group is touched). Each batch goes through the live group's own
decoder, handler and delivery policy (a batch that fails is retried, then split; an undecodable
record is skipped and counted) and the same guard against the local broker's offset gaps.
Everything goes into `<into>notifier` (`timelines`, `notifications`). The broker and database
come from KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI, as for the services.

Nothing is published and nothing is sent: the completions the fold emits are on
`registration.completed.v1` already (the rebuilt documents' outboxes are emptied at the end),
and notices are stored as shown in the page with no outside channel tried, each marked as
rebuilt, so a notifier pointed at the rebuilt database (MONGODB_DATABASE_PREFIX=<into>) neither
sends an email or SMS again nor re-creates a reminder it finds there.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from pymongo import AsyncMongoClient

from contracts.dead_letter import DeadLetter
from contracts.registry import decoder_for_subscription
from contracts.topology import NOTIFIER, NOTIFIER_AFTER_LICENCE, TOPOLOGY
from service_runtime.delivery import BatchConsumer, Decoded, RawRecord, RetryPolicy
from service_runtime.kafka import client_options
from service_runtime.mongo import Document
from service_runtime.offset_gaps import OffsetGaps
from service_runtime.outbox import OutboxRelay, Stored
from service_runtime.settings import Settings
from services.notifier.audience import Audience
from services.notifier.handlers import decode_timeline_event, when_status_changed_update_timeline
from services.notifier.helpdesk import without_replies
from services.notifier.live import PageAnnouncer, PageListeners
from services.notifier.notifications import Dispatched, NotificationStore
from services.notifier.push import decode_push_event, when_pushed_notify_enterprises
from services.notifier.store import MongoTimelineStore
from services.notifier.timeline_reads import TimelineReads

log = structlog.get_logger("rebuild")
BATCH = 500
IDLE_ROUNDS = 30  # getmany waits 1 s each
REREADS = 3
NOTIFICATIONS = "notifier.notifications"
REBUILT = {
    "channel": "rebuild",
    "status": "not_resent",
    "detail": "rebuilt from the topics: shown in the page, outside channels not tried again",
}


class RebuiltTimelines(MongoTimelineStore):
    """The notifier's store, minus publishing: every event folded here is on the bus already."""

    async def publish(self, stored: Sequence[Stored]) -> None:  # noqa: ARG002
        return None


class RebuiltNotifications(NotificationStore):
    """Each notice is stored as the live one was; its sending is recorded as not done again."""

    async def record_dispatches(self, dispatched: Sequence[Dispatched]) -> None:
        at = datetime.now(UTC)
        await super().record_dispatches(
            [
                Dispatched(d.notification_id, [*d.deliveries, {**REBUILT, "at": at}], "page")
                for d in dispatched
            ]
        )


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
    database = client[f"{into_prefix}notifier"]
    timelines = database[MongoTimelineStore.collection_name]
    for collection in (timelines, database[NotificationStore.collection_name]):
        if await collection.estimated_document_count():
            await client.close()
            msg = f"{collection.full_name} 不为空 / is not empty: rebuild into a fresh prefix"
            raise ValueError(msg)
    skipped = _Skipped()
    announcer = PageAnnouncer(PageListeners(), _discard)
    notices = RebuiltNotifications(database)
    await notices.create_indexes()
    phases: list[
        tuple[tuple[str, ...], Callable[[Sequence[Decoded[Any]]], Awaitable[None]], Any]
    ] = [
        (
            TOPOLOGY.subscription_for(NOTIFIER).topics,
            when_status_changed_update_timeline(
                RebuiltTimelines(database, OutboxRelay(timelines, _never_sent)), announcer
            ),
            decode_timeline_event,
        ),
        # After the progress: the portrait, the delivery, permits, annual reports, a
        # deregistration and the helpdesk's steps follow the registration, as they do live. The
        # departments' replies are the helpdesk's own record, not the timeline's: left out.
        (
            TOPOLOGY.subscription_for(NOTIFIER_AFTER_LICENCE).topics,
            without_replies(
                when_status_changed_update_timeline(
                    RebuiltTimelines(database, OutboxRelay(timelines, _never_sent)), announcer
                )
            ),
            decoder_for_subscription(NOTIFIER_AFTER_LICENCE),
        ),
        # After the timelines: a policy's audience is read from them (push.Audience).
        (
            TOPOLOGY.subscription_for(NOTIFICATIONS).topics,
            when_pushed_notify_enterprises(
                Audience(TimelineReads(timelines)), notices, (), announcer
            ),
            decode_push_event,
        ),
    ]
    consumer = AIOKafkaConsumer(**client_options(settings), group_id=None, enable_auto_commit=False)
    await consumer.start()
    read = reread = 0
    holes: dict[str, list[int]] = {}
    try:
        await consumer.topics()  # metadata, so the partitions are known
        every = {topics: _partitions(consumer, set(topics)) for topics, _, _ in phases}
        for topics, handle, decode in phases:
            policy = BatchConsumer(
                group="rebuild",
                decode=decode,
                handle=handle,
                dead_letter=skipped,
                policy=RetryPolicy(
                    settings.delivery_max_attempts, settings.delivery_backoff_ms / 1000
                ),
            )
            # Asked before the first assignment: aiokafka then keeps metadata of assigned topics only.
            records, partitions, unserved = await _replay(consumer, every[topics], policy)
            read, reread = read + records, reread + partitions
            holes.update(unserved)
        await timelines.update_many(
            {"outbox_pending": True}, {"$set": {"outbox": [], "outbox_pending": False}}
        )
    finally:
        await consumer.stop()
        await client.close()
    return {
        "read": read,
        "reread": reread,
        "never_served": sum(len(offsets) for offsets in holes.values()),
        "undecodable": skipped.undecodable,
        "failed": skipped.failed,
    }


def _partitions(consumer: AIOKafkaConsumer, topics: set[str]) -> list[TopicPartition]:
    return [
        TopicPartition(topic, p)
        for topic in sorted(topics)
        for p in sorted(consumer.partitions_for_topic(topic) or ())
    ]


async def _replay(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], policy: BatchConsumer[Any]
) -> tuple[int, int, dict[str, list[int]]]:
    """Every record through `policy`, from offset 0.

    Returns (records read, partitions read again, offsets the broker never served).

    Every offset below where a partition's reading stopped must have been read (these topics
    have no compaction and no transaction markers); a partition where one was not is read again
    from its start, up to REREADS times. Folding is idempotent by event id, so a second pass
    changes nothing the first stored. When two passes in a row miss exactly the same offsets,
    the broker does not serve them at all (Tansu has left such a hole in a partition it was
    written to concurrently; live consumers step over it after their retries too, see
    service_runtime/offset_gaps.py): the rebuild names them and goes on, since reading again
    cannot bring them back.
    """
    read, reread, pending = 0, 0, list(partitions)
    missed: dict[TopicPartition, set[int]] = {}
    for attempt in range(REREADS + 1):
        offsets, stopped_at = await _read_to_the_end(consumer, pending, policy)
        read += sum(len(found) for found in offsets.values())
        missing = {tp: set(range(stopped_at[tp])) - offsets[tp] for tp in pending}
        missing = {tp: lost for tp, lost in missing.items() if lost}
        if not missing:
            return read, reread, {}
        if attempt > 0 and missing == missed:
            holes = {str(tp): sorted(lost) for tp, lost in missing.items()}
            log.error("rebuild_offsets_never_served", holes=holes)
            return read, reread, holes
        missed, pending = missing, list(missing)
        reread += len(pending)
        log.warning("rebuild_partitions_reread", partitions=len(pending), attempt=attempt + 1)
    msg = (
        f"{len(pending)} 个分区未能读全 / partitions not read in full: {sorted(map(str, pending))}"
    )
    raise RuntimeError(msg)


async def _read_to_the_end(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], policy: BatchConsumer[Any]
) -> tuple[dict[TopicPartition, set[int]], dict[TopicPartition, int]]:
    """One pass from offset 0: the offsets each partition gave, and where its reading stopped.

    It reads past the partitions' end offsets until a fetch finds nothing more: the local
    broker (Tansu) has been seen to report an end one below a record it serves (a partition
    that answered offset 13 while its end was 13), when two producers wrote to it at once.
    """
    consumer.assign(partitions)
    await consumer.seek_to_beginning(*partitions)
    gaps, idle_rounds = OffsetGaps(), 0
    offsets: dict[TopicPartition, set[int]] = {tp: set() for tp in partitions}
    ends = await consumer.end_offsets(partitions)
    while True:
        fetched = await consumer.getmany(timeout_ms=1_000, max_records=BATCH)
        if not fetched and not await _behind(consumer, ends):
            break  # at or past every end, and nothing more to fetch
        idle_rounds = 0 if fetched else idle_rounds + 1
        if idle_rounds > IDLE_ROUNDS:
            msg = "读取停滞 / no progress for 30 s: is the broker reachable?"
            raise RuntimeError(msg)
        records = [
            RawRecord.from_consumer_record(r)
            for batch in gaps.contiguous(consumer, fetched).values()
            for r in batch
        ]
        for record in records:
            offsets[TopicPartition(record.topic, record.partition)].add(record.offset)
        if records:
            await policy.consume(records)
    return offsets, {tp: await consumer.position(tp) for tp in partitions}


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
        f"已重建 / rebuilt {args.into}notifier (timelines, notifications): "
        f"{counts['read']} events read, "
        f"{counts['undecodable']} undecodable (dead letters live too), "
        f"{counts['failed']} could not be folded, "
        f"{counts['never_served']} offsets the broker never served (named in the log)"
    )
    # A hole the broker left is not the rebuild's failure, but an operator must look at it.
    return 1 if counts["failed"] or counts["never_served"] else 0


if __name__ == "__main__":
    sys.exit(main())
