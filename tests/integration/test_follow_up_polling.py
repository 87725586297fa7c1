"""Follow-up polling on a real consumer and the real local broker: the pinned aiokafka still
routes every fetch through the method the wrapper replaces, and the wait it picks is used."""

from __future__ import annotations

import time
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from service_runtime.follow_ups import FollowUps, watch_for_follow_ups
from tests.conftest import LiveStack
from tests.support.kafka_helpers import produce

pytestmark = pytest.mark.integration

PACED, BRISK = 500, 30


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def next_record(consumer: AIOKafkaConsumer, timeout: float = 30.0) -> ConsumerRecord:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batches = await consumer.getmany(timeout_ms=500)
        for records in batches.values():
            return records[0]
    msg = "no record within the deadline"
    raise AssertionError(msg)


async def test_a_form_on_the_wire_makes_the_next_fetch_brisk(live_stack: LiveStack) -> None:
    suffix = uuid4().hex[:8]
    form, status = f"follow-up-form-{suffix}", f"follow-up-status-{suffix}"
    admin = AIOKafkaAdminClient(bootstrap_servers=live_stack.kafka)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(form, 1, 1), NewTopic(status, 1, 1)])
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(
        form,
        status,
        bootstrap_servers=live_stack.kafka,
        group_id=f"follow-up-{suffix}",
        auto_offset_reset="earliest",
        fetch_max_wait_ms=PACED,
    )
    await consumer.start()
    clock = Clock()
    try:
        assert watch_for_follow_ups(
            consumer, FollowUps(frozenset({form}), BRISK, 1.0, PACED, clock)
        )
        fetcher = consumer._fetcher  # noqa: SLF001 - what the wrapper sets

        await produce(live_stack.kafka, form, b"form", b"r1")
        assert (await next_record(consumer)).topic == form
        assert fetcher._fetch_max_wait_ms == BRISK  # noqa: SLF001

        clock.now += 2  # the moment is over: the next fetch that returns goes back to the pace
        await produce(live_stack.kafka, status, b"status", b"r1")
        assert (await next_record(consumer)).topic == status
        assert fetcher._fetch_max_wait_ms == PACED  # noqa: SLF001
    finally:
        await consumer.stop()
