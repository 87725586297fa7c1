"""OpenTelemetry tracing; FastStream's Kafka middleware carries the context across topics."""

from __future__ import annotations

from opentelemetry import context as otel_context
from opentelemetry import propagate
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)


def build_tracer_provider(service: str, exporter: str | SpanExporter = "none") -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if isinstance(exporter, SpanExporter):
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    elif exporter == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    return provider


def current_trace_headers() -> dict[str, str]:
    """W3C trace headers of the current span, stored with an outbox entry."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def attach_trace(headers: dict[str, str]) -> object:
    """Continue a stored trace so a relayed event stays in the registration's trace."""
    return otel_context.attach(propagate.extract(headers))


def detach_trace(token: object) -> None:
    otel_context.detach(token)  # type: ignore[arg-type]
