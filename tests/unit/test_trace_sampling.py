"""Which spans are recorded, what they keep, and which trace an outbox entry continues."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from contracts.dead_letter import DeadLetter
from contracts.events import RegistrationSubmitted
from contracts.topics import DEPARTMENT_STATUS
from service_runtime.delivery import BatchConsumer, Decoded, RawRecord, RetryPolicy
from service_runtime.outbox import outbox_entry
from service_runtime.telemetry import ChildSpansOnly, build_tracer_provider, headers_of
from tests.support.events import submitted_event


def _provider() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    return build_tracer_provider("test", exporter), exporter


def test_a_request_that_changes_something_starts_a_trace_and_a_read_does_not() -> None:
    provider, exporter = _provider()
    tracer = provider.get_tracer("test")
    for method in ("POST", "GET", "HEAD"):
        with (
            tracer.start_as_current_span(
                f"{method} /x", kind=SpanKind.SERVER, attributes={"http.request.method": method}
            ),
            tracer.start_as_current_span("db", kind=SpanKind.CLIENT),
        ):
            pass
    assert sorted(s.name for s in exporter.get_finished_spans()) == ["POST /x", "db"]


def test_spans_with_no_parent_other_than_requests_are_not_recorded() -> None:
    provider, exporter = _provider()
    tracer = provider.get_tracer("test")
    for kind in (SpanKind.CLIENT, SpanKind.CONSUMER, SpanKind.INTERNAL, SpanKind.PRODUCER):
        with tracer.start_as_current_span("background", kind=kind):
            pass
    assert exporter.get_finished_spans() == ()


def test_the_client_address_user_agent_and_url_are_never_recorded() -> None:
    provider, exporter = _provider()
    attributes = {
        "http.request.method": "POST",
        "http.route": "/api/v1/registrations",
        "client.address": "203.0.113.9",
        "net.peer.ip": "203.0.113.9",
        "user_agent.original": "Mozilla/5.0",
        "url.full": "http://x/api/v1/names/check?name=张三",
        "http.target": "/api/v1/names/check?name=张三",
    }
    with provider.get_tracer("test").start_as_current_span(
        "POST", kind=SpanKind.SERVER, attributes=attributes
    ):
        pass
    (span,) = exporter.get_finished_spans()
    assert dict(span.attributes or {}) == {
        "http.request.method": "POST",
        "http.route": "/api/v1/registrations",
    }


async def test_each_message_of_a_batch_is_handled_in_its_own_registrations_trace(
    sample_form: dict[str, Any],
) -> None:
    provider, exporter = _provider()
    tracer = provider.get_tracer("test")
    events: list[RegistrationSubmitted] = []
    records: list[RawRecord] = []
    trace_ids: dict[str, int] = {}
    for n in range(2):
        event = submitted_event(sample_form)
        with tracer.start_as_current_span(
            "POST", kind=SpanKind.SERVER, attributes={"http.request.method": "POST"}
        ) as span:
            headers = headers_of(span)
        trace_ids[event.registration_id] = span.get_span_context().trace_id
        events.append(event)
        records.append(
            RawRecord(
                "registration.submitted.tax.v1",
                0,
                n,
                event.registration_id.encode(),
                event.model_dump_json().encode(),
                tuple((k, v.encode()) for k, v in headers.items()),
            )
        )
    written: dict[str, str] = {}

    async def handle(batch: Sequence[Decoded[RegistrationSubmitted]]) -> None:
        # one bulk write for both, as the department handlers do
        for item in batch:
            entry = outbox_entry(DEPARTMENT_STATUS, item.event)
            written[item.event.registration_id] = entry["trace"]["traceparent"]

    async def no_dead_letters(topic: str, key: bytes | None, letter: DeadLetter) -> None:
        raise AssertionError

    consumer = BatchConsumer(
        group="department.tax",
        decode=type(events[0]).model_validate_json,
        handle=handle,
        dead_letter=no_dead_letters,
        policy=RetryPolicy(1, 0),
        tracer=tracer,
    )
    await consumer.consume(records)
    handled = [s for s in exporter.get_finished_spans() if s.kind is SpanKind.CONSUMER]
    assert len(handled) == 2
    for consumed in handled:
        assert consumed.attributes is not None
        registration = cast("str", consumed.attributes["registration.id"])
        assert consumed.context.trace_id == trace_ids[registration]
        # The entry written for this registration continues this registration's span.
        assert format(consumed.context.span_id, "016x") in written[registration]
    assert trace.get_current_span() is trace.INVALID_SPAN


def test_database_commands_start_spans_only_inside_a_recording_span() -> None:
    provider, exporter = _provider()
    commands = ChildSpansOnly(provider).get_tracer("pymongo")
    outside = commands.start_span("db.find", kind=SpanKind.CLIENT)
    assert outside is trace.INVALID_SPAN  # nothing built: it could never be sampled
    outside.end()
    with provider.get_tracer("test").start_as_current_span(
        "POST /x", kind=SpanKind.SERVER, attributes={"http.request.method": "POST"}
    ):
        inside = commands.start_span("db.insert", kind=SpanKind.CLIENT)
        inside.end()
    assert sorted(s.name for s in exporter.get_finished_spans()) == ["POST /x", "db.insert"]
