"""Hostile Last-Event-ID values get a bilingual 400, and /healthz tells the public nothing."""

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import cast

import httpx
import pytest
import structlog
from fastapi import FastAPI

from service_runtime.access import issue_access_token
from service_runtime.host import create_service_app
from service_runtime.problems import install_problem_handlers
from service_runtime.settings import Settings
from services.notifier.decision_times import History
from services.notifier.http import router
from services.notifier.live import PageListeners
from services.notifier.stream_limits import stream_slots
from services.notifier.timeline import Timeline
from tests.support.parts import hand_parts

RID = "cd" * 16
SETTINGS = Settings()
AT = datetime(2026, 11, 23, tzinfo=UTC)


class OneTimeline:
    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline

    async def find(self, registration_id: str) -> Timeline | None:
        return self.timeline if registration_id == self.timeline.registration_id else None


def withdrawn_timeline() -> Timeline:
    entries = [
        {"seq": n, "sequence": n, "event_id": f"e{n}", "department": "registration",
         "status": "submitted", "occurred_at": AT, "message_zh": "…", "message_en": "…"}
        for n in (1, 2, 3)
    ]  # fmt: skip
    return Timeline(RID, entries=entries, overall_status="withdrawn", withdrawn_at=AT)


async def stream(last_event_id: str | bytes) -> httpx.Response:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    hand_parts(
        app,
        SETTINGS,
        timelines=OneTimeline(withdrawn_timeline()),
        listeners=PageListeners(),
        stream_slots=stream_slots(SETTINGS),
        decision_times=SimpleNamespace(history=History()),  # nothing learnt: a fresh stack
    )
    token = issue_access_token(SETTINGS.access_token_secret.get_secret_value(), RID)
    # httpx sends a bytes value as it is; its annotations allow only str or only bytes values.
    headers = cast(
        "Mapping[str, str]", {"Authorization": f"Bearer {token}", "Last-Event-ID": last_event_id}
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://notifier.test") as client:
        return await client.get(f"/api/v1/registrations/{RID}/stream", headers=headers)


# Header bytes arrive as Latin-1: b"\xb2" is '²', which str.isdigit() accepts and int() refuses.
@pytest.mark.parametrize(
    "last_event_id", [b"\xb2", b"1\xb9", "1" * 5_000, "1" * 19, "-1", "1e3", "0x10", "1 2"]
)
async def test_a_last_event_id_that_is_not_a_short_run_of_ascii_digits_is_a_bilingual_400(
    last_event_id: str | bytes,
) -> None:
    answer = await stream(last_event_id)
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid_last_event_id"
    assert body["message_zh"] == "请求格式错误"
    assert body["errors"][0]["path"] == "Last-Event-ID"
    assert "Last-Event-ID 须为不超过 18 位的数字" in body["errors"][0]["message_zh"]
    assert "at most 18 digits" in body["errors"][0]["message_en"]


@pytest.mark.parametrize(("last_event_id", "sent"), [("", [1, 2, 3]), ("2", [3]), ("3", [])])
async def test_a_valid_last_event_id_resumes_after_that_entry(
    last_event_id: str, sent: list[int]
) -> None:
    answer = await stream(last_event_id)
    assert answer.status_code == 200
    ids = [int(line[4:]) for line in answer.text.splitlines() if line.startswith("id: ")]
    assert ids == sent
    assert "event: end" in answer.text


async def build_nothing(runtime: object) -> None:
    """This test starts no lifespan: the health check is all it calls."""


class FailingMongo:
    def __init__(self, message: str) -> None:
        self.admin = self
        self.message = message

    async def command(self, name: str) -> None:
        raise ConnectionError(self.message)


async def test_an_unhealthy_answer_keeps_the_error_detail_in_the_log() -> None:
    detail = "mongo-0.internal:27017 timed out, replica set rs0"
    app = create_service_app(SETTINGS, bootstrap=build_nothing)
    app.state.runtime = SimpleNamespace(mongo=FailingMongo(detail), broker=None)
    transport = httpx.ASGITransport(app=app)
    with structlog.testing.capture_logs() as logs:
        async with httpx.AsyncClient(transport=transport, base_url="http://svc.test") as client:
            answer = await client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["code"] == "unhealthy"
    assert answer.json()["message_en"] == "service unavailable"
    for leaked in ("mongo-0", "27017", "rs0", "ConnectionError"):
        assert leaked not in answer.text
    assert [(e["event"], e["error_type"]) for e in logs] == [
        ("health_check_failed", "ConnectionError")
    ]
    assert detail in json.dumps(logs)
