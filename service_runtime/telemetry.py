"""OpenTelemetry tracing: one trace per change a person makes, across HTTP, Kafka and MongoDB.

A registration's trace starts at the HTTP request that submits it. Each outbox entry keeps
the trace of the message or request that wrote it, each consumer continues it with one span per
message (service_runtime/delivery.py), and PyMongo's commands nest inside. Spans are exported
with OTLP, configured by the standard `OTEL_EXPORTER_OTLP_*` variables; under `make run` they
go to the notifier's trace sink, which /ops draws as a waterfall (services/notifier/traces.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes
from typing_extensions import override

# Requests that only read start no trace: a dashboard polling twice a second would otherwise
# bury the registrations' traces, and cost every service a span export per poll.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Never exported: the client's address and user agent are personal data, and a query string
# can carry what a person typed.
PERSONAL_ATTRIBUTES = frozenset(
    {
        "client.address",
        "client.port",
        "net.peer.ip",
        "net.peer.port",
        "http.client_ip",
        "http.user_agent",
        "user_agent.original",
        "http.url",
        "url.full",
        "url.query",
        "http.target",
    }
)
REGISTRATION_ATTRIBUTE = "registration.id"

# registration id -> trace headers of the message being handled for it in the current batch.
_MESSAGE_TRACES: ContextVar[Mapping[str, dict[str, str]] | None] = ContextVar(
    "message_traces", default=None
)


class ChangesSampler(Sampler):
    """Root spans: HTTP requests that change something, at `ratio`. Other spans follow parents.

    A batch span with no parent (FastStream's, one per fetched batch) and a database command
    outside any request (sweepers, dashboards) are not sampled, so an idle stack exports nothing.
    An incoming request decides here even when it carries a `traceparent`: a caller cannot make
    us record its reads.
    """

    def __init__(self, ratio: float = 1.0) -> None:
        self._ratio = TraceIdRatioBased(ratio)
        self._follow_parent = ParentBased(ALWAYS_OFF)

    def should_sample(  # noqa: PLR0913, PLR0917 - the Sampler interface
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if kind is SpanKind.SERVER:
            method = str((attributes or {}).get("http.request.method") or "")
            method = method or str((attributes or {}).get("http.method") or "")
            if method.upper() in READ_METHODS or not method:
                return SamplingResult(Decision.DROP)
            result = self._ratio.should_sample(
                parent_context, trace_id, name, kind, attributes, links, trace_state
            )
        else:
            result = self._follow_parent.should_sample(
                parent_context, trace_id, name, kind, attributes, links, trace_state
            )
        if result.decision is not Decision.RECORD_AND_SAMPLE:
            return result
        # The span starts with exactly these attributes (the SDK takes them from the result).
        kept = {k: v for k, v in (attributes or {}).items() if k not in PERSONAL_ATTRIBUTES}
        return SamplingResult(result.decision, kept, result.trace_state)

    def get_description(self) -> str:
        return f"ChangesSampler({self._ratio.rate})"


def build_tracer_provider(
    service: str, exporter: str | SpanExporter = "none", ratio: float = 1.0
) -> TracerProvider:
    """`exporter`: "otlp" (the OTEL_EXPORTER_OTLP_* variables say where), "console" or "none"."""
    provider = TracerProvider(
        resource=Resource.create({"service.name": service}), sampler=ChangesSampler(ratio)
    )
    if isinstance(exporter, SpanExporter):
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    elif exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter,
        )

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    elif exporter == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    return provider


def instrument_pymongo(provider: TracerProvider) -> None:
    """A span per database command, inside whatever span is current (once per process)."""
    from opentelemetry.instrumentation.pymongo import PymongoInstrumentor  # noqa: PLC0415

    instrumentor = PymongoInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=ChildSpansOnly(provider))


class ChildSpansOnly:
    """A provider whose tracers start a span only inside a recording one.

    A database command outside a traced message (outbox relays, sweepers, dashboards, batches of
    many registrations) can never be sampled: ChangesSampler starts traces only at HTTP changes.
    The SDK still builds a non-recording span for it (ids, sampler, context): a profile
    (py-spy) of a department at 10/s put about a tenth of its busy samples there.
    """

    def __init__(self, provider: TracerProvider) -> None:
        self._provider = provider

    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:  # noqa: ANN401
        return _ChildOnlyTracer(self._provider.get_tracer(*args, **kwargs))


class _ChildOnlyTracer(trace.Tracer):
    def __init__(self, tracer: trace.Tracer) -> None:
        self._tracer = tracer

    @override
    def start_span(
        self,
        name: str,
        context: Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> trace.Span:
        if not trace.get_current_span(context).is_recording():
            return trace.INVALID_SPAN
        return self._tracer.start_span(
            name,
            context,
            kind,
            attributes,
            links,
            start_time,
            record_exception,
            set_status_on_exception,
        )

    def start_as_current_span(self, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - a context manager
        return self._tracer.start_as_current_span(*args, **kwargs)


def current_trace_headers() -> dict[str, str]:
    """W3C trace headers of the current span."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def trace_headers_for(registration_id: str) -> dict[str, str]:
    """What an outbox entry about `registration_id` stores: the trace it continues.

    A batch handler writes for many registrations at once; each entry continues the trace of the
    message it answers, not the batch's.
    """
    handled = _MESSAGE_TRACES.get()
    if handled and registration_id in handled:
        return dict(handled[registration_id])
    return current_trace_headers()


@contextmanager
def message_traces(traces: Mapping[str, dict[str, str]]) -> Iterator[None]:
    token = _MESSAGE_TRACES.set(traces)
    try:
        yield
    finally:
        _MESSAGE_TRACES.reset(token)


def headers_of(span: trace.Span) -> dict[str, str]:
    carrier: dict[str, str] = {}
    propagate.inject(carrier, context=trace.set_span_in_context(span))
    return carrier


def extract(headers: Mapping[str, Any]) -> Context:
    return propagate.extract(headers)


def mark_registration(registration_id: str) -> None:
    """Name the registration on the current span, so its trace can be found by it."""
    span = trace.get_current_span()
    if span.is_recording():
        span.set_attribute(REGISTRATION_ATTRIBUTE, registration_id)
