"""One place builds every service: a FastAPI app whose lifespan owns broker, database and tasks.

Nothing connects at import time. Each service has one bootstrap function: it opens the
service's stores, registers its subscribers and background jobs on the `Runtime` before the
broker starts, and returns the service's typed parts, which endpoints receive through
`service_parts` (a FastAPI dependency).
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar
from uuid import uuid4

import structlog
from aiokafka.errors import KafkaError
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from contracts.dead_letter import DeadLetter
from contracts.operations import ServiceStarted
from contracts.topics import SERVICE_STARTED
from contracts.topology import Subscription
from service_runtime.body_limit import BodyLimit
from service_runtime.delivery import BatchConsumer, Decoded, RawRecord, RetryPolicy
from service_runtime.heap import freeze_startup_heap
from service_runtime.kafka import EventProducer, build_broker, consumer_options, ensure_topics
from service_runtime.logging import configure_logging
from service_runtime.metrics import HttpMetrics, Probe, install_metrics_endpoint
from service_runtime.mongo import Document, build_mongo_client
from service_runtime.outbox import OutboxRelay
from service_runtime.pacing import Brisk, pace
from service_runtime.problems import install_problem_handlers, problem_response
from service_runtime.retention import expire_forever
from service_runtime.same_origin import SameOriginWrites
from service_runtime.security_headers import SecurityHeaders
from service_runtime.settings import RuntimeSettings
from service_runtime.telemetry import build_tracer_provider, instrument_pymongo

E = TypeVar("E")
# A service's own settings class; covariant, so a desk that needs DepartmentSettings also runs
# in registration, whose RegistrationSettings extend them.
S_co = TypeVar("S_co", bound=RuntimeSettings, covariant=True)
S = TypeVar("S", bound=RuntimeSettings)
P = TypeVar("P")
log = structlog.get_logger("host")


@dataclass(frozen=True)
class Runtime(Generic[S_co]):
    settings: S_co
    broker: KafkaBroker
    mongo: AsyncMongoClient[Document]
    provider: TracerProvider
    producer: EventProducer
    background: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)
    # Read when Prometheus scrapes /metrics (service_runtime/metrics.py).
    metric_probes: list[Probe] = field(default_factory=list)

    def database(self, owner: str) -> AsyncDatabase[Document]:
        return self.mongo[self.settings.database_name(owner)]

    async def expire(self, collection: AsyncCollection[Document]) -> None:
        """Documents past their `expire_at` go: a TTL index, and a deletion every minute."""
        await collection.create_index("expire_at", expireAfterSeconds=0)
        self.background.append(lambda: expire_forever(collection))

    async def publish(self, topic: str, key: str, payload: bytes, headers: dict[str, str]) -> None:
        await self.broker.publish(payload, topic, key=key.encode(), headers=headers)

    async def dead_letter(self, topic: str, key: bytes | None, letter: DeadLetter) -> None:
        await self.broker.publish(
            letter.model_dump_json().encode(),
            topic,
            key=key,
            headers={"content-type": "application/json"},
        )

    def outbox_relay(self, database: AsyncDatabase[Document], collection: str) -> OutboxRelay:
        linger = self.settings.outbox_clear_linger_ms / 1000
        relay = OutboxRelay(database[collection], self.producer.send, linger=linger)
        interval = self.settings.outbox_sweep_interval_ms / 1000
        self.background.append(lambda: relay.sweep_forever(interval, timedelta(seconds=5)))
        self.background.append(relay.publish_enqueued_forever)
        self.background.append(relay.write_marks_forever)
        self.metric_probes.append(relay.measure_backlog)
        return relay

    def subscribe_batches(
        self,
        subscription: Subscription,
        decode: Callable[[bytes], E],
        handle: Callable[[Sequence[Decoded[E]]], Awaitable[None]],
        name: str,
        *,
        background: bool = False,
    ) -> None:
        """Consume the subscription's topics in its group, under the delivery policy.

        A `background` consumer is off the enterprise's critical path and fetches less often.
        """
        topics, group = subscription.topics, subscription.group_id
        consumer = BatchConsumer(
            group=group,
            decode=decode,
            handle=handle,
            dead_letter=self.dead_letter,
            policy=RetryPolicy(
                self.settings.delivery_max_attempts, self.settings.delivery_backoff_ms / 1000
            ),
            tracer=self.provider.get_tracer("enterprise_page.delivery"),
        )

        async def on_batch(records: Any) -> None:  # noqa: ANN401 - aiokafka records
            await consumer.consume([RawRecord.from_consumer_record(r) for r in records])

        on_batch.__name__ = name
        busy_wait = (
            self.settings.kafka_background_fetch_max_wait_ms
            if background
            else self.settings.kafka_fetch_max_wait_ms
        )
        subscriber = self.broker.subscriber(
            *topics,
            **consumer_options(self.settings, group, busy_wait),
            decoder=_raw_records,
            title=name,
        )
        idle_wait = (
            self.settings.kafka_background_idle_fetch_max_wait_ms
            if background
            else self.settings.kafka_idle_fetch_max_wait_ms
        )
        brisk = Brisk(
            frozenset(subscription.follow_ups_after),
            self.settings.kafka_follow_up_fetch_max_wait_ms,
            self.settings.kafka_follow_up_window_ms,
        )
        pace(subscriber, busy_wait, idle_wait, self.settings.kafka_commit_interval_ms, brisk)
        subscriber(on_batch)

    def subscribe_broadcast(
        self, topic: str, handle: Callable[[bytes], Awaitable[None]], name: str
    ) -> None:
        """Every instance reads every message from now on: no consumer group, nothing committed.

        For wake-up signals only; a lost signal must cost latency, never data.
        """

        async def on_messages(records: Any) -> None:  # noqa: ANN401 - aiokafka records
            for record in records:
                try:
                    await handle(record.value or b"")
                except (ValueError, TypeError) as error:
                    log.warning("broadcast_ignored", topic=topic, error=repr(error))

        on_messages.__name__ = name
        subscriber = self.broker.subscriber(
            topic,
            batch=True,
            batch_timeout_ms=self.settings.kafka_idle_after_ms,
            auto_offset_reset="latest",
            fetch_max_wait_ms=self.settings.kafka_fetch_max_wait_ms,
            decoder=_raw_records,
            title=name,
        )
        pace(
            subscriber,
            self.settings.kafka_fetch_max_wait_ms,
            self.settings.kafka_idle_fetch_max_wait_ms,
        )
        subscriber(on_messages)


async def _raw_records(msg: Any) -> tuple[Any, ...]:  # noqa: ANN401 - FastStream decoder hook
    """The batch's aiokafka records, undecoded: decoding (and dead-lettering) is the policy's job.

    Handlers take these as their one parameter instead of asking FastStream's dependency
    injection for the message: a profile (py-spy) of a department at 5/s put about 12% of its
    busy samples in handing the message to and from the worker thread that injection uses to
    resolve it from its context.
    """
    raw = msg.raw_message
    return tuple(raw) if isinstance(raw, (list, tuple)) else (raw,)


# Opens a service's stores, registers its consumers and jobs, and returns its parts.
Bootstrap = Callable[[Runtime[S]], Awaitable[object]]


def runtime_of(request: Request) -> Runtime[RuntimeSettings]:
    """The running service's runtime (settings, broker, database), set by its lifespan."""
    runtime: Runtime[RuntimeSettings] = request.app.state.runtime
    return runtime


def settings_of(request: Request, kind: type[S]) -> S:
    """The running service's settings, as the class its endpoints need."""
    settings = runtime_of(request).settings
    if not isinstance(settings, kind):
        msg = f"this service reads {type(settings).__name__}, not {kind.__name__}"
        raise TypeError(msg)
    return settings


def service_parts(kind: type[P]) -> Callable[[Request], P]:
    """A FastAPI dependency that hands an endpoint its service's parts, as `kind`.

    Not checked with isinstance: a test may hand the endpoints a smaller object that has only
    the parts they use.
    """

    def parts(request: Request) -> P:
        found: P = request.app.state.parts
        return found

    parts.__name__ = f"{kind.__name__.lower()}_parts"
    return parts


async def announce_start(runtime: Runtime[RuntimeSettings]) -> None:
    """Tell the operators' dashboard this instance started (a restart shows as a second start)."""
    started = ServiceStarted(
        event_id=uuid4(),
        service=runtime.settings.service_name,
        instance=f"{socket.gethostname()}:{os.getpid()}",
        started_at=datetime.now(UTC),
    )
    try:
        await runtime.publish(
            SERVICE_STARTED,
            started.service,
            started.model_dump_json().encode(),
            {"content-type": "application/json"},
        )
    except KafkaError as error:  # the dashboard misses one start; the service still serves
        log.warning("start_not_announced", error=repr(error))


def build_runtime(settings: S, provider: TracerProvider | None = None) -> Runtime[S]:
    provider = provider or build_tracer_provider(
        settings.service_name, settings.otel_traces_exporter, settings.otel_traces_sampler_arg
    )
    return Runtime(
        settings=settings,
        broker=build_broker(settings, provider),
        mongo=build_mongo_client(settings),
        provider=provider,
        producer=EventProducer(settings),
    )


def create_service_app(
    settings: S,
    bootstrap: Bootstrap[S],
    routers: Sequence[APIRouter] = (),
    title: str = "Enterprise Page",
    *,
    cookie_paths: Sequence[str] = (),
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, settings.log_level)
        instrument_pymongo(provider)  # before the client exists: it registers a listener
        runtime = build_runtime(settings, provider)
        app.state.runtime = runtime
        app.state.parts = await bootstrap(runtime)
        await ensure_topics(settings)
        await runtime.broker.start()
        await runtime.producer.start()
        await announce_start(runtime)
        tasks = [asyncio.create_task(job()) for job in runtime.background]
        frozen = freeze_startup_heap()  # last: the consumers and jobs exist now
        log.info("service_started", port=settings.http_port, heap_frozen=frozen)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with suppress(asyncio.CancelledError):
                    await task
            await runtime.producer.stop()
            await runtime.broker.stop()
            await runtime.mongo.close()
            provider.shutdown()  # exports the spans still buffered
            log.info("service_stopped")

    provider = build_tracer_provider(
        settings.service_name, settings.otel_traces_exporter, settings.otel_traces_sampler_arg
    )
    docs = settings.api_docs  # off in production: the schema maps every endpoint for a prober
    app = FastAPI(
        title=title,
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    install_problem_handlers(app)
    install_metrics_endpoint(
        app, settings.metrics_token.get_secret_value(), lambda: app.state.runtime.metric_probes
    )
    app.add_middleware(HttpMetrics)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_body_bytes)
    if cookie_paths:
        app.add_middleware(
            SameOriginWrites,
            guarded_prefixes=cookie_paths,
            public_origins=[settings.notifier_public_url, settings.registration_public_url],
        )
    app.add_middleware(  # added last, so outermost: refusals get the headers too
        SecurityHeaders,
        hsts=not settings.is_local,
        exempt_paths=[
            path
            for path in (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url)
            if docs and path
        ],
    )

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        runtime: Runtime[RuntimeSettings] = app.state.runtime
        try:
            await runtime.mongo.admin.command("ping")
            broker_ok = await runtime.broker.ping(timeout=2.0)
        except Exception as error:  # noqa: BLE001 - health reports, never raises
            # The detail stays in the log: the endpoint is public, and a driver's error names
            # hosts, ports and replica-set members. The ping carries no personal data.
            log.warning("health_check_failed", error_type=type(error).__name__, error=str(error))
            return problem_response(503, "unhealthy")
        if not broker_ok:
            return problem_response(503, "broker_unreachable")
        return JSONResponse({"status": "ok", "service": settings.service_name})

    for router in routers:
        app.include_router(router)
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        # The sink's own intake is not traced: each export would be traced and exported again.
        excluded_urls="/healthz,/metrics,/v1/traces",
        exclude_spans=["receive", "send"],  # a live stream would add a span per event sent
    )
    return app
