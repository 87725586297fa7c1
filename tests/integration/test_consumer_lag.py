"""Consumer lag read from the real local broker: commits by a real consumer group, exact counts."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from service_runtime.lag import GroupLag, LagReader, consumer_lag
from service_runtime.settings import Settings
from tools.localstack import Stack, free_port, start_embedded_kafka

pytestmark = pytest.mark.integration

PER_PARTITION = {0: 4, 1: 3, 2: 3}


@pytest.fixture(scope="module")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A broker only: KAFKA_BOOTSTRAP_SERVERS when set, else the embedded Tansu."""
    if explicit := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield explicit
        return
    stack = Stack(logs=tmp_path_factory.mktemp("lag") / "logs")
    try:
        start_embedded_kafka(stack, free_port())
        yield stack.kafka
    finally:
        stack.stop()


def settings_for(kafka: str) -> Settings:
    return Settings(KAFKA_BOOTSTRAP_SERVERS=kafka, SERVICE_NAME="lag-test")


async def create_topic(kafka: str, partitions: int = len(PER_PARTITION)) -> str:
    topic = f"lag.{uuid4().hex[:8]}.v1"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, partitions, 1)])
    finally:
        await admin.close()
    return topic


async def produce(kafka: str, topic: str, per_partition: dict[int, int]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka, enable_idempotence=False)
    await producer.start()
    try:
        for partition, count in per_partition.items():
            for i in range(count):
                await producer.send_and_wait(topic, b"%d" % i, key=b"k", partition=partition)
    finally:
        await producer.stop()


async def consume_and_commit(
    kafka: str, topic: str, group: str, commit: dict[int, int], timeout: float = 30.0
) -> int:
    """Join `group`, read the whole topic, then commit `commit` (partition -> records done)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=50,
        session_timeout_ms=6_000,
        heartbeat_interval_ms=1_000,
    )
    await consumer.start()
    try:
        seen = 0
        deadline = time.monotonic() + timeout
        while seen < sum(PER_PARTITION.values()) and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            seen += sum(len(batch) for batch in batches.values())
        await consumer.commit({TopicPartition(topic, p): done for p, done in commit.items()})
        return seen
    finally:
        await consumer.stop()


async def test_lag_is_what_each_group_has_not_committed(kafka: str) -> None:
    topic = await create_topic(kafka)
    await produce(kafka, topic, PER_PARTITION)
    group, never_seen = f"lag-{uuid4().hex[:8]}", f"never-{uuid4().hex[:8]}"
    # partition 0: 2 of 4 done, partition 1: all 3 done, partition 2: never committed
    assert await consume_and_commit(kafka, topic, group, {0: 2, 1: 3}) == 10

    lags = await consumer_lag(settings_for(kafka), [(group, [topic]), (never_seen, (topic,))])

    assert lags == [
        GroupLag(group=group, topic=topic, lag=(4 - 2) + (3 - 3) + (3 - 0), partitions=3),
        GroupLag(group=never_seen, topic=topic, lag=10, partitions=3),
    ]


async def test_a_reader_kept_open_sees_new_records_and_creates_no_topic(kafka: str) -> None:
    topic = await create_topic(kafka, partitions=2)
    missing = f"lag.{uuid4().hex[:8]}.never-created.v1"
    asked = [("a", [topic, missing]), ("b", [topic])]
    async with LagReader(settings_for(kafka)) as reader:
        assert await reader.read(asked) == [
            GroupLag("a", topic, 0, 2),
            GroupLag("a", missing, 0, 0),
            GroupLag("b", topic, 0, 2),
        ]
        await produce(kafka, topic, {0: 2, 1: 5})
        assert [lag.lag for lag in await reader.read(asked)] == [7, 0, 7]

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        assert missing not in await admin.list_topics()
    finally:
        await admin.close()
