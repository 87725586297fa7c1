"""The trace sink keeps only what a waterfall needs, and the waterfall shows where time went."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

from service_runtime.access import bearer_matches
from services.notifier.traces import span_bundle, span_documents, waterfall

TRACE = bytes.fromhex("0af7651916cd43dd8448eb211c80319c")


def _span(span_id: str, parent: str, start_ms: int, end_ms: int, **attributes: str) -> Span:
    return Span(
        trace_id=TRACE,
        span_id=bytes.fromhex(span_id),
        parent_span_id=bytes.fromhex(parent),
        name="work",
        kind=Span.SPAN_KIND_CONSUMER,
        start_time_unix_nano=start_ms * 1_000_000,
        end_time_unix_nano=end_ms * 1_000_000,
        attributes=[KeyValue(key=k, value=AnyValue(string_value=v)) for k, v in attributes.items()],
    )


def _export(service: str, *spans: Span) -> ExportTraceServiceRequest:
    resource = ResourceSpans(scope_spans=[ScopeSpans(spans=list(spans))])
    resource.resource.attributes.append(
        KeyValue(key="service.name", value=AnyValue(string_value=service))
    )
    return ExportTraceServiceRequest(resource_spans=[resource])


def test_only_the_waterfalls_attributes_are_kept() -> None:
    export = _export(
        "tax",
        _span(
            "00f067aa0ba902b7",
            "",
            0,
            5,
            **{
                "registration.id": "a" * 32,
                "client.address": "203.0.113.9",
                "db.statement": "find {'id_number': '440101199001011234'}",
                "messaging.destination.name": "registration.submitted.tax.v1",
            },
        ),
    )
    now = datetime.now(UTC)
    bundle = span_bundle(export, now, timedelta(hours=1))
    assert bundle is not None
    (doc,) = bundle["spans"]
    assert doc["service"] == "tax"
    assert doc["attributes"] == {
        "registration.id": "a" * 32,
        "messaging.destination.name": "registration.submitted.tax.v1",
    }
    assert doc["parent_span_id"] is None
    assert doc["kind"] == "consumer"
    # The bundle is found by the traces and registrations it holds, and expires as a whole.
    assert bundle["trace_ids"] == [TRACE.hex()]
    assert bundle["registration_ids"] == ["a" * 32]
    assert bundle["expire_at"] == now + timedelta(hours=1)
    # An exporter's retry of the same request is the same document, not a second copy.
    assert span_bundle(export, now, timedelta(hours=1))["_id"] == bundle["_id"]  # type: ignore[index]


def test_spans_of_no_registration_leave_the_sparse_field_out_and_an_empty_export_stores_nothing() -> (
    None
):
    bundle = span_bundle(
        _export("notifier", _span("00f067aa0ba902b7", "", 0, 5)), datetime.now(UTC), timedelta(1)
    )
    assert bundle is not None
    assert "registration_ids" not in bundle  # the index on it is sparse
    assert span_bundle(ExportTraceServiceRequest(), datetime.now(UTC), timedelta(1)) is None


def test_the_waterfall_is_in_start_order_with_the_wait_before_each_step() -> None:
    export = _export(
        "x",
        _span("0000000000000002", "0000000000000001", 130, 150),
        _span("0000000000000001", "", 100, 110),
        _span("0000000000000003", "0000000000000001", 105, 108),
    )
    rows = waterfall(span_documents(export))
    assert [r["span_id"][-1] for r in rows] == ["1", "3", "2"]
    assert [r["start_ms"] for r in rows] == [0, 5, 30]
    assert [r["duration_ms"] for r in rows] == [10, 3, 20]
    # The second child started 20 ms after its parent ended: it waited on the bus.
    assert [r["waited_ms"] for r in rows] == [None, None, 20]


def test_a_shared_token_matches_only_exactly_and_never_when_none_is_set() -> None:
    assert bearer_matches("Bearer s3cret", "s3cret")
    assert bearer_matches("bearer s3cret", "s3cret")  # the scheme is case-insensitive
    assert not bearer_matches("Bearer s3cre", "s3cret")
    assert not bearer_matches("Basic s3cret", "s3cret")
    assert not bearer_matches(None, "s3cret")
    assert not bearer_matches("Bearer ", "")  # an empty setting opens nothing
