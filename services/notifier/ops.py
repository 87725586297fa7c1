"""The operators' dashboard at /ops: live counts, queues, deadlines, timings, lag, dead letters.

Every /ops/api call needs an operator token (OPERATOR_TOKEN_SECRET; tools.operator_token).
Dead letters from every contract topic are kept here, and an operator can re-drive one: its
payload goes back on its topic, and if it fails again it returns with its attempt count raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path as FilePath
from typing import Annotated, Any
from uuid import uuid4

import structlog
from aiokafka.errors import KafkaError
from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from contracts.dead_letter import DeadLetter, redrive_message
from contracts.notices import PolicyPublished, PolicyTargeting
from contracts.operations import ServiceStarted
from contracts.topics import POLICY_PUBLISHED
from contracts.topology import TOPOLOGY
from service_runtime.access import bearer_token, read_operator_token
from service_runtime.auth_first import AuthFirstRoute, authenticated_first
from service_runtime.delivery import Decoded
from service_runtime.host import Runtime
from service_runtime.lag import LagReader
from service_runtime.metrics import CONSUMER_LAG
from service_runtime.mongo import Document
from service_runtime.problems import Problem
from services.notifier.masking import mask_payload
from services.notifier.metrics import WINDOW, processing, slowest, status_counts
from services.notifier.store import MongoTimelineStore

log = structlog.get_logger("notifier.ops")
router = APIRouter(tags=["operators"], route_class=AuthFirstRoute)
STATIC = FilePath(__file__).parent / "static"
SUMMARY_TTL_SECONDS = 0.25  # many open dashboards share one computation
DEAD_LETTERS_SHOWN = 50
REGISTRATION_ID = re.compile(r"[0-9a-f]{32}")


class PolicyDraft(BaseModel):
    title_zh: str = Field(min_length=1, max_length=200)
    title_en: str = Field(min_length=1, max_length=200)
    body_zh: str = Field(min_length=1, max_length=2000)
    body_en: str = Field(min_length=1, max_length=2000)
    targeting: PolicyTargeting = Field(default_factory=PolicyTargeting)


def require_operator(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> str:
    """The operator's id; endpoints with a body also run it first (`operator_first`)."""
    runtime: Runtime = request.app.state.runtime
    token = bearer_token(authorization)
    if token is None:
        raise Problem(401, "operator_token_required")
    operator = read_operator_token(
        runtime.settings.operator_token_secret.get_secret_value(),
        token,
        max_hours=runtime.settings.operator_token_max_hours,
    )
    if operator is None:
        raise Problem(401, "operator_token_invalid")
    return operator


OperatorId = Annotated[str, Depends(require_operator)]
operator_first = authenticated_first(
    lambda request: require_operator(request, request.headers.get("authorization"))
)


@router.get("/ops", include_in_schema=False)
async def dashboard() -> FileResponse:
    return FileResponse(STATIC / "ops.html", headers={"Cache-Control": "no-store"})


@router.get("/ops/api/summary")
async def summary(request: Request, operator: OperatorId) -> JSONResponse:  # noqa: ARG001
    """Everything the dashboard shows, computed at most four times a second for all viewers."""
    runtime: Runtime = request.app.state.runtime
    board: Dashboard = runtime.state["dashboard"]
    return JSONResponse(await board.summary())


@router.post("/ops/api/dead-letters/{letter_id}/redrive", status_code=202)
async def redrive(
    request: Request,
    letter_id: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
    operator: OperatorId,
) -> JSONResponse:
    """Put the letter's payload back on its topic, once; it comes back if it fails again."""
    runtime: Runtime = request.app.state.runtime
    letters: AsyncCollection[Document] = runtime.state["dead_letters"]
    claimed = await letters.find_one_and_update(
        {"_id": letter_id, "state": "dead"},
        {"$set": {"state": "redriving", "redriven_by": operator}},
    )
    if claimed is None:
        exists = await letters.find_one({"_id": letter_id}, {"_id": 1})
        raise Problem(404 if exists is None else 409, "dead_letter_not_redrivable")
    message = redrive_message(DeadLetter.model_validate(claimed["letter"]))
    try:
        await runtime.broker.publish(
            message.payload, message.topic, key=message.key, headers=message.headers
        )
    except KafkaError as error:
        await letters.update_one({"_id": letter_id}, {"$set": {"state": "dead"}})
        raise Problem(503, "broker_unavailable", detail=type(error).__name__) from error
    now = datetime.now(UTC)
    await letters.update_one(
        {"_id": letter_id}, {"$set": {"state": "redriven", "redriven_at": now}}
    )
    await runtime.state["audit"].append(
        [redrive_record(letter_id, message.topic, message.key, operator, now)]
    )
    log.info("dead_letter_redriven", letter_id=letter_id, topic=message.topic, by=operator)
    return JSONResponse({"id": letter_id, "state": "redriven", "topic": message.topic}, 202)


@router.post("/ops/api/policies", status_code=202)
@operator_first
async def publish_policy(
    request: Request, operator: OperatorId, draft: PolicyDraft
) -> JSONResponse:
    """Publish a policy notice (政府找企业); it reaches only the enterprises its tags match."""
    runtime: Runtime = request.app.state.runtime
    event = PolicyPublished(
        event_id=uuid4(),
        source="notifier.ops",
        occurred_at=datetime.now(UTC),
        policy_id=uuid4().hex,
        published_by=operator,
        **draft.model_dump(),
    )
    await runtime.publish(
        POLICY_PUBLISHED,
        event.policy_id,
        event.model_dump_json().encode(),
        {"content-type": "application/json"},
    )
    return JSONResponse({"policy_id": event.policy_id, "state": "published"}, 202)


def redrive_record(
    letter_id: str, topic: str, key: bytes | None, operator: str, at: datetime
) -> dict[str, Any]:
    """The audit log's record of a re-drive (services/notifier/audit.py)."""
    registration = key.decode("utf-8", "replace") if key else ""
    return {
        "event_id": str(uuid4()),
        "occurred_at": at.isoformat(timespec="milliseconds"),
        "kind": "operator.redrive",
        "registration_id": registration if REGISTRATION_ID.fullmatch(registration) else None,
        "operator": operator,
        "letter_id": letter_id,
        "topic": topic,
    }


def letter_id(letter: DeadLetter) -> str:
    """Stable per dead-lettering: a re-delivered letter lands once, a re-failure is new."""
    identity = ":".join(
        map(str, (letter.original_topic, letter.partition, letter.offset, letter.attempts))
    )
    identity += f":{letter.consumer_group}"
    return hashlib.sha256(identity.encode()).hexdigest()


def when_dead_lettered_keep_it(
    letters: AsyncCollection[Document], retention: timedelta
) -> Callable[[Sequence[Decoded[DeadLetter]]], Awaitable[None]]:
    async def handle(batch: Sequence[Decoded[DeadLetter]]) -> None:
        for item in batch:
            letter = item.event
            doc = {
                "_id": letter_id(letter),
                "letter": letter.model_dump(mode="json"),
                "failed_at": letter.failed_at,
                "state": "dead",
                # The raw payload is kept for a re-drive, and only this long.
                "expire_at": letter.failed_at + retention,
            }
            with contextlib.suppress(DuplicateKeyError):  # Kafka delivered it again
                await letters.insert_one(doc)

    return handle


class Dashboard:
    def __init__(self, runtime: Runtime, letters: AsyncCollection[Document]) -> None:
        self._runtime = runtime
        self._timelines = runtime.database("notifier")[MongoTimelineStore.collection_name]
        self._letters = letters
        self._starts = runtime.database("notifier")["service_starts"]
        self._lag = LagReader(runtime.settings)
        self._lag_ready = asyncio.Event()
        self._cached: tuple[float, dict[str, Any]] | None = None
        self._lock = asyncio.Lock()

    async def summary(self) -> dict[str, Any]:
        async with self._lock:
            if self._cached and time.monotonic() - self._cached[0] < SUMMARY_TTL_SECONDS:
                return self._cached[1]
            result = await self._compute()
            self._cached = (time.monotonic(), result)
            return result

    async def _compute(self) -> dict[str, Any]:
        now = datetime.now(UTC)
        counted = [
            doc
            async for doc in self._timelines.find(
                {}, {"overall_status": 1, "departments": 1, "profile.name": 1}
            )
        ]
        recent = [
            doc
            async for doc in self._timelines.find(
                {"last_event_at": {"$gte": now - WINDOW}},
                {"entries": 1, "submitted_at": 1, "completed_at": 1, "profile.name": 1},
            )
        ]
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
        }

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


async def create_dead_letter_indexes(letters: AsyncCollection[Document]) -> None:
    await letters.create_index([("failed_at", -1)])
    await letters.create_index("state")
    await letters.create_index("expire_at", expireAfterSeconds=0)  # the retention


async def ops_component(runtime: Runtime) -> None:
    database = runtime.database("notifier")
    letters = database["dead_letters"]
    await create_dead_letter_indexes(letters)
    await runtime.expire(letters)  # DEAD_LETTER_RETENTION_DAYS
    await database[MongoTimelineStore.collection_name].create_index("last_event_at")
    runtime.state["dead_letters"] = letters
    board = Dashboard(runtime, letters)
    runtime.state["dashboard"] = board
    runtime.background.append(board.keep_lag_reader)
    runtime.metric_probes.append(board.measure_lag)
    starts = database["service_starts"]
    await starts.create_index([("started_at", -1)])
    await runtime.expire(starts)
    runtime.subscribe_batches(
        TOPOLOGY.subscription_for("notifier.service_starts"),
        decode=ServiceStarted.model_validate_json,
        handle=when_service_started_count_it(starts, timedelta(days=7)),
        name="when_service_started_count_it",
        background=True,
    )
    runtime.subscribe_batches(
        TOPOLOGY.subscription_for("notifier.dead_letters"),
        decode=DeadLetter.model_validate_json,
        handle=when_dead_lettered_keep_it(
            letters, timedelta(days=runtime.settings.dead_letter_retention_days)
        ),
        name="when_dead_lettered_keep_it",
        background=True,  # the dashboard lists dead letters; nobody's page waits on them
    )
