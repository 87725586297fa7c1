"""The operators' dashboard's numbers: counts, timings, service starts, lag, dead letters, and
the enterprises' credit (how many per class, the latest risk warnings)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from aiokafka.errors import KafkaError
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from contracts.operations import ServiceStarted
from contracts.registry import decoder_for_subscription
from contracts.topology import TOPOLOGY
from service_runtime.delivery import Decoded
from service_runtime.host import Runtime
from service_runtime.lag import LagReader
from service_runtime.metrics import CONSUMER_LAG
from service_runtime.mongo import Document
from service_runtime.settings import NotifierSettings
from services.notifier.masking import mask_payload
from services.notifier.metrics import WINDOW, processing, slowest, status_counts
from services.notifier.store import MongoTimelineStore
from services.notifier.timeline_reads import TimelineReads

log = structlog.get_logger("notifier.dashboard")
SUMMARY_TTL_SECONDS = 0.25  # many open dashboards share one computation
# The counts read every timeline, so a computation takes longer as registrations accumulate;
# its result is then kept this many times as long as it took, so open dashboards never keep
# the database busy more than a tenth of the time, however large the read model grows.
SUMMARY_COST_FACTOR = 10.0
DEAD_LETTERS_SHOWN = 50
CREDIT_CLASSES = ("A", "B", "C", "D")
RISK_CLASSES = ("C", "D")  # a portrait in these raised a risk warning (credit's is_risk_flag)
RISK_FLAGS_SHOWN = 20


class CostBoundCache:
    """One computation shared by every caller, kept for a multiple of what it took."""

    def __init__(
        self,
        compute: Callable[[], Awaitable[dict[str, Any]]],
        floor: float = SUMMARY_TTL_SECONDS,
        factor: float = SUMMARY_COST_FACTOR,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._compute, self._floor, self._factor, self._clock = compute, floor, factor, clock
        self._cached: tuple[float, dict[str, Any]] | None = None  # (fresh until, result)
        self._lock = asyncio.Lock()

    async def get(self) -> dict[str, Any]:
        async with self._lock:
            if self._cached and self._clock() < self._cached[0]:
                return self._cached[1]
            started = self._clock()
            result = await self._compute()
            took = self._clock() - started
            self._cached = (self._clock() + max(self._floor, self._factor * took), result)
            return result


class Dashboard:
    def __init__(
        self, runtime: Runtime[NotifierSettings], letters: AsyncCollection[Document]
    ) -> None:
        self._runtime = runtime
        self._timeline_docs = runtime.database("notifier")[MongoTimelineStore.collection_name]
        self._timelines = TimelineReads(self._timeline_docs)
        self._letters = letters
        self._starts = runtime.database("notifier")["service_starts"]
        self._lag = LagReader(runtime.settings)
        self._lag_ready = asyncio.Event()
        self._shared = CostBoundCache(self._compute)

    async def summary(self) -> dict[str, Any]:
        return await self._shared.get()

    async def _compute(self) -> dict[str, Any]:
        now = datetime.now(UTC)
        counted = await self._timelines.statuses()
        recent = await self._timelines.active_since(now - WINDOW)
        letters = [
            {
                **doc["letter"],
                "payload": mask_payload(doc["letter"].get("payload", "")),
                "id": doc["_id"],
                "state": doc["state"],
            }
            async for doc in self._letters.find({}).sort("failed_at", -1).limit(DEAD_LETTERS_SHOWN)
        ]
        return {
            "at": now.isoformat(),
            "total": len(counted),
            **status_counts(counted),
            "processing": processing(recent, now),
            "slowest": slowest(recent, now),
            "service_starts": await self._service_starts(now),
            "consumer_lag": await self._consumer_lag(),
            "dead_letters": letters,
            "dead_letters_waiting": await self._letters.count_documents({"state": "dead"}),
            "credit": {
                "classes": await self._credit_classes(),
                "risk_flags": await self._risk_flags(),
            },
        }

    async def _credit_classes(self) -> dict[str, int]:
        """Timelines per credit class of their latest portrait: one aggregation, on the index."""
        counted = await self._timeline_docs.aggregate(
            [
                {"$match": {"credit.credit_class": {"$in": list(CREDIT_CLASSES)}}},
                {"$group": {"_id": "$credit.credit_class", "count": {"$sum": 1}}},
            ]
        )
        return dict.fromkeys(CREDIT_CLASSES, 0) | {
            row["_id"]: row["count"] async for row in counted
        }

    async def _risk_flags(self) -> list[dict[str, Any]]:
        """The enterprises under a risk warning (class C or D now), newest portrait first.

        The index on (credit.credit_class, credit.computed_at) yields them in order, so only
        these few are read; each shows its latest warning from the timeline's entries.
        """
        found = (
            self._timeline_docs.find(
                {"credit.credit_class": {"$in": list(RISK_CLASSES)}},
                {"profile.name": 1, "uscc": 1, "credit": 1, "entries": 1},
            )
            .sort("credit.computed_at", -1)
            .limit(RISK_FLAGS_SHOWN)
        )
        return [_risk_flag(doc) async for doc in found]

    async def _service_starts(self, now: datetime) -> list[dict[str, Any]]:
        """Per service, starts in the last hour: more than one per instance is a restart."""
        found = self._starts.find({"started_at": {"$gte": now - WINDOW}}, {"_id": 0})
        by_service: dict[str, list[dict[str, Any]]] = {}
        async for start in found:
            by_service.setdefault(start["service"], []).append(start)
        return [
            {
                "service": service,
                "starts": len(starts),
                "instances": len({s["instance"] for s in starts}),
                "last_started_at": max(s["started_at"] for s in starts).isoformat(),
            }
            for service, starts in sorted(by_service.items())
        ]

    async def _consumer_lag(self) -> list[dict[str, Any]]:
        subscriptions = [(s.group_id, s.topics) for s in TOPOLOGY.subscriptions]
        if not self._lag_ready.is_set():
            return []
        try:
            return [lag.__dict__ for lag in await self._lag.read(subscriptions)]
        except (KafkaError, OSError) as error:
            log.warning("consumer_lag_unavailable", error=repr(error))
            return []

    async def measure_lag(self) -> None:
        """Every group's lag, for /metrics: the bus-wide view a lag exporter would give."""
        for lag in await self._consumer_lag():
            CONSUMER_LAG.labels(lag["group"], lag["topic"]).set(lag["lag"])

    async def keep_lag_reader(self) -> None:
        """A background job: holds the lag reader's connections for the service's lifetime."""
        await self._lag.start()
        self._lag_ready.set()
        try:
            await asyncio.Event().wait()
        finally:
            self._lag_ready.clear()
            await self._lag.stop()


def _risk_flag(doc: Document) -> dict[str, Any]:
    credit, profile = doc["credit"], doc.get("profile") or {}
    flags = [e for e in doc.get("entries") or () if e.get("status") == "risk_flagged"]
    latest = max(flags, key=lambda e: e["occurred_at"], default=None)  # None: on its way
    at = latest["occurred_at"] if latest else credit["computed_at"]
    return {
        "registration_id": doc["_id"],
        "name": profile.get("name"),
        "uscc": doc.get("uscc"),
        "credit_class": credit["credit_class"],
        "level": credit["level"],
        "message_zh": latest.get("message_zh") if latest else None,
        "message_en": latest.get("message_en") if latest else None,
        "flagged_at": at.isoformat(),
    }


def when_service_started_count_it(
    starts: AsyncCollection[Document], retention: timedelta
) -> Callable[[Sequence[Decoded[ServiceStarted]]], Awaitable[None]]:
    async def handle(batch: Sequence[Decoded[ServiceStarted]]) -> None:
        docs = [
            {
                "_id": str(item.event.event_id),
                "service": item.event.service,
                "instance": item.event.instance,
                "started_at": item.event.started_at,
                "expire_at": item.event.started_at + retention,
            }
            for item in batch
        ]
        with contextlib.suppress(BulkWriteError):  # delivered again: those are stored already
            await starts.insert_many(docs, ordered=False)

    return handle


async def open_dashboard(
    runtime: Runtime[NotifierSettings], letters: AsyncCollection[Document]
) -> Dashboard:
    """The dashboard, its lag reader, and the consumer that counts service starts."""
    database = runtime.database("notifier")
    await database[MongoTimelineStore.collection_name].create_index("last_event_at")
    board = Dashboard(runtime, letters)
    runtime.background.append(board.keep_lag_reader)
    runtime.metric_probes.append(board.measure_lag)
    starts = database["service_starts"]
    await starts.create_index([("started_at", -1)])
    await runtime.expire(starts)
    runtime.subscribe_batches(
        TOPOLOGY.subscription_for("notifier.service_starts"),
        decode=decoder_for_subscription("notifier.service_starts"),
        handle=when_service_started_count_it(starts, timedelta(days=7)),
        name="when_service_started_count_it",
        background=True,
    )
    return board
