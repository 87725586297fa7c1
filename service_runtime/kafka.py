"""Kafka broker factory, topic creation and the subscriber options every consumer uses."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider

from contracts.topics import dead_letter_topic
from contracts.topology import TOPOLOGY
from service_runtime.settings import RuntimeSettings
from service_runtime.transport import kafka_client_security, kafka_security


def build_broker(settings: RuntimeSettings, provider: TracerProvider) -> KafkaBroker:
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=settings.service_name,
        enable_idempotence=settings.kafka_enable_idempotence,
        acks="all",
        linger_ms=settings.kafka_linger_ms,
        middlewares=[KafkaTelemetryMiddleware(tracer_provider=provider)],
        logger=None,
        security=kafka_security(settings),
    )


class EventProducer:
    """Sends relayed outbox entries straight through aiokafka, many in flight at once.

    A profile (py-spy) of a department at 10/s put a quarter of its busy samples in
    FastStream's publish path: the middleware and a producer span for every message, each
    awaited before the next. An outbox entry needs neither: its trace headers were taken when
    it was written, and the relay needs only the broker's acknowledgement of every entry.
    Records handed to `send` in order reach a partition in that order (aiokafka keeps one
    request in flight per partition).
    """

    def __init__(self, settings: RuntimeSettings) -> None:
        self._settings = settings
        self._producer: AIOKafkaProducer | None = None  # built in the running loop, by start

    async def start(self) -> None:
        self._producer = AIOKafkaProducer(
            **client_options(self._settings),
            acks="all",
            enable_idempotence=self._settings.kafka_enable_idempotence,
            linger_ms=self._settings.kafka_linger_ms,
        )
        await self._producer.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()

    async def send(
        self, topic: str, key: str, payload: bytes, headers: dict[str, str]
    ) -> asyncio.Future[Any]:
        """Queue one record; the returned future resolves when the broker acknowledged it."""
        if self._producer is None:
            raise RuntimeError("the event producer is not started")
        acknowledgement: asyncio.Future[Any] = await self._producer.send(
            topic,
            payload,
            key=key.encode(),
            headers=[(name, value.encode()) for name, value in headers.items()],
        )
        return acknowledgement


def client_options(settings: RuntimeSettings) -> dict[str, Any]:
    """What every plain aiokafka client (admin, producer, consumer) needs to reach the cluster."""
    return {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "client_id": settings.service_name,
        **kafka_client_security(settings),
    }


def consumer_options(
    settings: RuntimeSettings, group_id: str, fetch_max_wait_ms: int | None = None
) -> dict[str, Any]:
    """At least once: commit only after the batch's effects are stored; rewind on error."""
    return {
        "group_id": group_id,
        "batch": True,
        # How long a poll waits for data; an empty poll after that marks the consumer idle.
        "batch_timeout_ms": settings.kafka_idle_after_ms,
        "max_records": settings.kafka_max_batch,
        "auto_offset_reset": "earliest",
        "fetch_max_wait_ms": fetch_max_wait_ms or settings.kafka_fetch_max_wait_ms,
        "session_timeout_ms": settings.kafka_session_timeout_ms,
        "heartbeat_interval_ms": max(settings.kafka_session_timeout_ms // 5, 100),
        "ack_policy": AckPolicy.NACK_ON_ERROR,
    }


async def ensure_topics(
    settings: RuntimeSettings, topics: tuple[str, ...] = TOPOLOGY.all_topics
) -> None:
    """Create every topic and its dead-letter topic with the configured partition count."""
    wanted = [t for topic in topics for t in (topic, dead_letter_topic(topic))]
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(t, partitions(settings, t), settings.kafka_replication_factor)
            for t in wanted
            if t not in existing
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another service was first
                await admin.create_topics(missing)
    finally:
        await admin.close()


def partitions(settings: RuntimeSettings, topic: str) -> int:
    return settings.kafka_topic_partitions_by_topic.get(topic, settings.kafka_topic_partitions)
