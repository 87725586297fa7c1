"""The local trace sink and the waterfall behind /ops.

Every service exports its spans with OTLP over HTTP (service_runtime/telemetry.py). Under
`make run` they come here, `POST /v1/traces` with `Authorization: Bearer $TRACES_TOKEN`, and
are kept for TRACE_RETENTION_HOURS; in production an OpenTelemetry Collector can send the same
spans both to the operators' tracing backend and here. Only the attributes a waterfall needs
are kept: no addresses, URLs or statements.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from google.protobuf.message import DecodeError  # type: ignore[import-untyped]
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Status
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from service_runtime.access import bearer_matches
from service_runtime.host import Runtime
from service_runtime.mongo import Document
from service_runtime.operators import OperatorId
from service_runtime.problems import Problem, problem_response
from service_runtime.settings import NotifierSettings
from service_runtime.telemetry import REGISTRATION_ATTRIBUTE
from services.notifier.parts import Parts

PROTOBUF = "application/x-protobuf"
KEPT_ATTRIBUTES = frozenset(
    {
        REGISTRATION_ATTRIBUTE,
        "messaging.destination.name",
        "messaging.consumer.group.name",
        "db.operation",
        "db.operation.name",
        "db.name",
        "db.namespace",
        "http.route",
        "http.method",
        "http.request.method",
        "http.status_code",
        "http.response.status_code",
    }
)
KINDS = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}
SPANS_SHOWN = 2_000
TRACE_BUNDLES = "trace_bundles"  # one document per export (span_bundle)

sink_router = APIRouter(tags=["traces"])
router = APIRouter(tags=["operators"])


def _value(any_value: Any) -> str | int | float | bool | None:  # noqa: ANN401 - protobuf AnyValue
    field = any_value.WhichOneof("value")
    if field in ("string_value", "int_value", "double_value", "bool_value"):
        value: str | int | float | bool = getattr(any_value, field)
        return value
    return None


def span_documents(export: ExportTraceServiceRequest) -> list[Document]:
    """Each span, with the service that sent it and only the kept attributes."""
    documents = []
    for resource_spans in export.resource_spans:
        service = next(
            (
                str(_value(a.value))
                for a in resource_spans.resource.attributes
                if a.key == "service.name"
            ),
            "unknown",
        )
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                attributes = {
                    a.key: _value(a.value) for a in span.attributes if a.key in KEPT_ATTRIBUTES
                }
                documents.append(
                    {
                        "trace_id": span.trace_id.hex(),
                        "span_id": span.span_id.hex(),
                        "parent_span_id": span.parent_span_id.hex() or None,
                        "name": span.name[:200],
                        "service": service[:100],
                        "kind": KINDS.get(span.kind, "unspecified"),
                        "start_ns": span.start_time_unix_nano,
                        "end_ns": span.end_time_unix_nano,
                        "error": span.status.code == Status.STATUS_CODE_ERROR,
                        "attributes": attributes,
                    }
                )
    return documents


def span_bundle(
    export: ExportTraceServiceRequest, received_at: datetime, retention: timedelta
) -> Document | None:
    """One document for a whole export, indexed by the traces and registrations it holds.

    One document per span cost the local database a write and four index entries for each of
    about 28 spans per registration: at 40 registrations/s, the sink's inserts were a third of
    the database's CPU. An exporter sends a few hundred spans at a time, so one document per
    export is a few writes a second whatever the rate. Its id is the export's digest: an
    exporter's retry of the same request is a duplicate, not a second copy.
    """
    spans = span_documents(export)
    if not spans:
        return None
    bundle: Document = {
        "_id": hashlib.sha256(export.SerializeToString(deterministic=True)).hexdigest()[:32],
        "trace_ids": sorted({s["trace_id"] for s in spans}),
        "spans": spans,
        "expire_at": received_at + retention,
    }
    registrations = {s["attributes"].get(REGISTRATION_ATTRIBUTE) for s in spans} - {None}
    if registrations:  # absent, not empty: a sparse index
        bundle["registration_ids"] = sorted(str(r) for r in registrations)
    return bundle


def waterfall(spans: Iterable[Document]) -> list[dict[str, Any]]:
    """Spans in start order, with start and length in ms from the trace's first span.

    `waited_ms` is the time between the parent's end and this span's start: how long the
    message sat in an outbox, on a topic or in a fetch before this service took it.
    """
    ordered = sorted(spans, key=lambda s: (s["start_ns"], s["end_ns"]))
    if not ordered:
        return []
    origin = ordered[0]["start_ns"]
    ends = {s["span_id"]: s["end_ns"] for s in ordered}
    rows = []
    for span in ordered:
        parent_end = ends.get(span.get("parent_span_id") or "")
        waited = (span["start_ns"] - parent_end) / 1e6 if parent_end else None
        rows.append(
            {
                "span_id": span["span_id"],
                "parent_span_id": span.get("parent_span_id"),
                "trace_id": span["trace_id"],
                "service": span["service"],
                "name": span["name"],
                "kind": span["kind"],
                "start_ms": round((span["start_ns"] - origin) / 1e6, 2),
                "duration_ms": round((span["end_ns"] - span["start_ns"]) / 1e6, 2),
                "waited_ms": round(waited, 2) if waited is not None and waited > 0 else None,
                "error": span.get("error", False),
            }
        )
    return rows


@sink_router.post("/v1/traces", include_in_schema=False)
async def receive_spans(request: Request, parts: Parts) -> Response:
    """OTLP/HTTP (protobuf) intake; the token is checked before the body is read."""
    token = parts.runtime.settings.traces_token.get_secret_value()
    if not bearer_matches(request.headers.get("authorization"), token):
        response = problem_response(401, "traces_token_required")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    if request.headers.get("content-type", "").split(";")[0].strip() != PROTOBUF:
        return problem_response(415, "otlp_protobuf_required", expected=PROTOBUF)
    export = ExportTraceServiceRequest()
    try:
        export.ParseFromString(await request.body())
    except DecodeError:
        return problem_response(400, "otlp_body_invalid")
    settings = parts.runtime.settings
    bundle = span_bundle(export, datetime.now(UTC), timedelta(hours=settings.trace_retention_hours))
    if bundle is not None:
        with contextlib.suppress(DuplicateKeyError):  # an exporter's retry: the spans are here
            await parts.trace_bundles.insert_one(bundle)
    return Response(ExportTraceServiceResponse().SerializeToString(), media_type=PROTOBUF)


@router.get("/ops/api/registrations/{registration_id}/trace")
async def registration_trace(
    parts: Parts,
    registration_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    operator: OperatorId,  # noqa: ARG001 - the dependency is the check
) -> JSONResponse:
    """The waterfall of the traces that carry this registration (normally exactly one)."""
    bundles = parts.trace_bundles
    trace_ids = sorted(
        {
            span["trace_id"]
            async for bundle in bundles.find({"registration_ids": registration_id}, {"spans": 1})
            for span in bundle["spans"]
            if span["attributes"].get(REGISTRATION_ATTRIBUTE) == registration_id
        }
    )
    if not trace_ids:
        raise Problem(404, "trace_not_found")
    wanted = set(trace_ids)
    found = [
        span
        async for bundle in bundles.find({"trace_ids": {"$in": trace_ids}}, {"spans": 1})
        for span in bundle["spans"]
        if span["trace_id"] in wanted
    ][:SPANS_SHOWN]
    return JSONResponse(
        {"registration_id": registration_id, "trace_ids": trace_ids, "spans": waterfall(found)}
    )


async def open_trace_bundles(runtime: Runtime[NotifierSettings]) -> AsyncCollection[Document]:
    """The spans every service sends, an export per document, kept TRACE_RETENTION_HOURS."""
    bundles = runtime.database("notifier")[TRACE_BUNDLES]
    await bundles.create_index("trace_ids")
    await bundles.create_index("registration_ids", sparse=True)
    await runtime.expire(bundles)  # TRACE_RETENTION_HOURS
    return bundles
