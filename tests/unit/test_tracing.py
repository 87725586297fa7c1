"""One trace follows a registration: across the bus, and across the outbox's deferred publish."""

import asyncio
from collections.abc import Sequence
from typing import Any, cast

from faststream.kafka import TestKafkaBroker
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from contracts.events import RegistrationSubmitted
from contracts.topics import submitted_topic
from service_runtime.host import build_runtime
from service_runtime.outbox import OutboxRelay, Stored, outbox_entry
from service_runtime.settings import Settings
from service_runtime.telemetry import build_tracer_provider, current_trace_headers
from tests.support.events import acknowledged, submitted_event

TOPIC = submitted_topic("tax")


def submitted(sample_form: dict[str, Any]) -> RegistrationSubmitted:
    return submitted_event(sample_form)


async def test_an_outbox_entry_is_published_in_the_trace_it_was_written_in(
    sample_form: dict[str, Any],
) -> None:
    exporter = InMemorySpanExporter()
    provider = build_tracer_provider("test", exporter)
    seen: list[str] = []

    async def send(
        topic: str, key: str, payload: bytes, headers: dict[str, str]
    ) -> asyncio.Future[None]:
        seen.append(headers.get("traceparent", ""))
        return acknowledged()

    with provider.get_tracer("test").start_as_current_span("write") as span:
        entry = outbox_entry(TOPIC, submitted(sample_form))
        trace_id = format(span.get_span_context().trace_id, "032x")

    relay = OutboxRelay(collection=cast("AsyncCollection[dict[str, Any]]", _NoMarks()), send=send)
    await relay.publish_stored([Stored("r1", [entry])])  # later, outside the span
    assert seen == [entry["trace"]["traceparent"]]
    assert trace_id in seen[0]


async def test_the_kafka_middleware_carries_the_trace_from_publisher_to_consumer(
    sample_form: dict[str, Any],
) -> None:
    exporter = InMemorySpanExporter()
    provider = build_tracer_provider("test", exporter)
    runtime = build_runtime(Settings(KAFKA_BOOTSTRAP_SERVERS="test:9092"), provider)
    received: list[str] = []

    @runtime.broker.subscriber(TOPIC, group_id="trace-test")
    async def consume(event: RegistrationSubmitted) -> None:
        received.append(current_trace_headers()["traceparent"])

    async with TestKafkaBroker(runtime.broker):
        with provider.get_tracer("test").start_as_current_span(
            "POST /api/v1/registrations",
            kind=SpanKind.SERVER,
            attributes={"http.request.method": "POST"},
        ) as span:
            trace_id = format(span.get_span_context().trace_id, "032x")
            await runtime.publish(TOPIC, "k", submitted(sample_form).model_dump_json().encode(), {})
    assert len(received) == 1
    assert trace_id in received[0]
    assert {format(s.context.trace_id, "032x") for s in exporter.get_finished_spans()} == {trace_id}


class _NoMarks:
    async def bulk_write(self, ops: Sequence[UpdateOne], ordered: bool) -> None:  # noqa: FBT001
        return None
