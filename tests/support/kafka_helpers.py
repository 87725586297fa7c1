"""Test-side Kafka access: produce raw bytes and read topics from the beginning, with deadlines."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition


async def produce(
    bootstrap: str,
    topic: str,
    value: bytes,
    key: bytes | None,
    headers: Iterable[tuple[str, bytes]] = (),
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key, headers=list(headers))
    finally:
        await producer.stop()


async def read_until(
    bootstrap: str,
    topic: str,
    done: Callable[[list[ConsumerRecord]], bool],
    timeout: float = 30.0,
    rounds: int = 3,
) -> list[ConsumerRecord]:
    """Read the whole topic (no group, nothing committed) until `done` holds or the deadline.

    Each round reads from the beginning with a fresh consumer: a fetch that stalls on the local
    broker (seen once under load) cannot hide a record for the whole wait.
    """
    records: list[ConsumerRecord] = []
    for _ in range(rounds):
        records = await _read_round(bootstrap, topic, done, timeout / rounds)
        if done(records):
            break
    return records


async def _read_round(
    bootstrap: str, topic: str, done: Callable[[list[ConsumerRecord]], bool], timeout: float
) -> list[ConsumerRecord]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=50
    )
    await consumer.start()
    records: list[ConsumerRecord] = []
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        deadline = time.monotonic() + timeout
        while not partitions and time.monotonic() < deadline:
            await consumer.topics()  # refresh metadata
            partitions = consumer.partitions_for_topic(topic) or set()
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        while time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            for batch in batches.values():
                records.extend(batch)
            if done(records):
                return records
        return records
    finally:
        await consumer.stop()
