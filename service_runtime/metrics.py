"""Prometheus metrics: the families operators graph and alert on, served at `/metrics`.

Counters and histograms are updated where the work happens (per batch, per request), which
costs microseconds. What lives in the database or the broker (the outbox backlog, consumer
lag) is read when Prometheus scrapes, by the probes a service registers, each bounded by a
timeout so a slow probe leaves its gauge at the last value instead of failing the scrape.

Labels name subscriptions, routes, topics, departments and channels, never a registration id
or anything an enterprise typed: a label value is kept for as long as the process runs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service_runtime.access import bearer_matches
from service_runtime.problems import problem_response

log = structlog.get_logger("metrics")
Probe = Callable[[], Awaitable[None]]
PROBE_TIMEOUT_SECONDS = 2.0

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

MESSAGES_HANDLED = Counter(
    "enterprise_messages_handled",
    "Messages a consumer group decoded and stored the effects of.",
    ["group"],
)
MESSAGES_DEAD_LETTERED = Counter(
    "enterprise_messages_dead_lettered",
    "Messages a consumer group gave up on and sent to the dead-letter topic.",
    ["group", "topic"],
)
BATCH_ATTEMPTS_FAILED = Counter(
    "enterprise_batch_attempts_failed",
    "Batch handling attempts that raised and were retried.",
    ["group"],
)
BATCH_SIZE = Histogram(
    "enterprise_batch_size",
    "Records per batch a consumer group received.",
    ["group"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
)
HANDLER_SECONDS = Histogram(
    "enterprise_handler_seconds",
    "Time to handle one batch, retries included.",
    ["group"],
    buckets=_LATENCY_BUCKETS,
)
HTTP_SECONDS = Histogram(
    "enterprise_http_request_seconds",
    "HTTP request latency by route template, method and status.",
    ["route", "method", "status"],
    buckets=_LATENCY_BUCKETS,
)
OUTBOX_BACKLOG = Gauge(
    "enterprise_outbox_backlog",
    "Documents whose outbox still holds events not confirmed published.",
    ["collection"],
)
OUTBOX_OLDEST_SECONDS = Gauge(
    "enterprise_outbox_oldest_seconds",
    "Age of the oldest outbox entry not confirmed published (0 when none).",
    ["collection"],
)
CONSUMER_LAG = Gauge(
    "enterprise_consumer_lag",
    "Records a consumer group has yet to process, per topic.",
    ["group", "topic"],
)
LIVE_STREAMS_OPEN = Gauge("enterprise_live_streams_open", "Live progress streams open now.")
NOTIFICATION_DELIVERIES = Counter(
    "enterprise_notification_deliveries",
    "Notification delivery attempts by channel and outcome.",
    ["channel", "outcome"],
)
DEADLINE_BREACHES = Counter(
    "enterprise_deadline_breaches",
    "Cases escalated because they passed their statutory time limit.",
    ["department"],
)
REGISTRATIONS_SUBMITTED = Counter(
    "enterprise_registrations_submitted", "Registrations accepted for processing."
)
REGISTRATIONS_COMPLETED = Counter(
    "enterprise_registrations_completed", "Registrations every department approved."
)


async def run_probes(probes: Sequence[Probe]) -> None:
    async def bounded(probe: Probe) -> None:
        try:
            await asyncio.wait_for(probe(), PROBE_TIMEOUT_SECONDS)
        except Exception as error:  # noqa: BLE001 - a failed probe keeps its last value
            log.warning("metrics_probe_failed", probe=_name(probe), error=repr(error))

    await asyncio.gather(*(bounded(p) for p in probes))


def _name(probe: Probe) -> str:
    return getattr(probe, "__qualname__", type(probe).__name__)


def install_metrics_endpoint(
    app: FastAPI, token: str, probes: Callable[[], Sequence[Probe]]
) -> None:
    """`GET /metrics` in Prometheus' text format, for a scraper holding `token` (METRICS_TOKEN)."""

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if not bearer_matches(request.headers.get("authorization"), token):
            response = problem_response(401, "metrics_token_required")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        await run_probes(probes())
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


class HttpMetrics:
    """Times each request under its route template (`/api/v1/registrations/{registration_id}`).

    A path that matches no route is counted as `unmatched`, so a scanner probing random paths
    cannot create label values without limit.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = _route_template(scope)
            if route != "/metrics":
                HTTP_SECONDS.labels(route, scope["method"], str(status)).observe(
                    time.perf_counter() - started
                )


def _route_template(scope: Scope) -> str:
    """The template of the route the router chose (it records it in the shared scope)."""
    route = scope.get("route")
    path = getattr(route, "path", None) if route is not None else None
    return path if isinstance(path, str) else "unmatched"
