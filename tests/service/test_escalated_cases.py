"""A case escalated after its statutory deadline: only a supervisor may claim and decide it."""

from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast

import httpx
import pytest
from fastapi import FastAPI

from contracts.events import DepartmentStatusChanged, decided_fact
from service_runtime.access import Officer, issue_officer_token
from service_runtime.problems import install_problem_handlers
from service_runtime.settings import Settings
from services.department.case import Case
from services.department.handlers import build_desk
from services.department.http import router
from services.department.lifecycle import Lifecycle
from services.department.store import MongoCaseStore
from services.police.rules import POLICE
from services.registration.market import MARKET
from tests.support.events import submitted_event
from tests.support.in_memory_cases import InMemoryCaseStore
from tests.support.parts import hand_parts

T0 = datetime(2026, 11, 23, 2, tzinfo=UTC)
RID = "ef" * 16
SETTINGS = Settings()
BASE = f"/api/v1/departments/police/cases/{RID}"


def market_approval(sample_form: dict[str, Any]) -> DepartmentStatusChanged:
    market, case = Lifecycle(MARKET), Case(RID, "market")
    return market.on_form(case, submitted_event(sample_form, RID, T0), T0, T0)[-1]


def escalated_case(sample_form: dict[str, Any], claimed_by: str | None = None) -> Case:
    sample_form["seals"]["maker_id"] = "UNLICENSED"  # a rule fails: an officer must review
    police, case = Lifecycle(POLICE), Case(RID, "police")
    police.on_prerequisite(case, decided_fact(market_approval(sample_form)), T0)
    police.on_form(case, submitted_event(sample_form, RID, T0), T0, T0 + timedelta(days=1))
    case.claimed_by = claimed_by
    police.on_clock(case, T0 + timedelta(days=2), deemed_approval=False)
    assert case.escalated
    assert case.status == "deadline_breached"
    return case


def officer_app(store: InMemoryCaseStore) -> FastAPI:
    # build_desk takes a MongoCaseStore; the officers' endpoints use only what this one has.
    desk = build_desk(
        SETTINGS, POLICE, cast("MongoCaseStore", store), lambda: T0 + timedelta(days=2)
    )
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    return hand_parts(app, SETTINGS, desks={"police": desk})


def bearer(officer_id: str, role: Literal["officer", "supervisor"] = "officer") -> dict[str, str]:
    secret = SETTINGS.officer_token_secret.get_secret_value()
    return {
        "Authorization": f"Bearer {issue_officer_token(secret, Officer(officer_id, 'police', role))}"
    }


def assert_supervisors_only(answer: httpx.Response) -> None:
    assert answer.status_code == 403
    body = answer.json()
    assert body["code"] == "supervisors_only"
    assert body["message_zh"] == "无权执行该操作或访问该数据"
    assert body["errors"][0]["message_zh"] == "超过法定时限而上报的案件仅限主管认领和决定"
    assert "supervisors only" in body["errors"][0]["message_en"]


@pytest.mark.parametrize("claimed_before_the_deadline", [None, "p-officer"])
async def test_an_officer_can_neither_claim_nor_decide_an_escalated_case(
    sample_form: dict[str, Any], claimed_before_the_deadline: str | None
) -> None:
    store = InMemoryCaseStore(
        "police", cases=[escalated_case(sample_form, claimed_before_the_deadline)]
    )
    transport = httpx.ASGITransport(app=officer_app(store))
    async with httpx.AsyncClient(transport=transport, base_url="http://police.test") as client:
        claimed = await client.post(f"{BASE}/claim", headers=bearer("p-officer"))
        decided = await client.post(
            f"{BASE}/decision", json={"decision": "approve"}, headers=bearer("p-officer")
        )
        queue = await client.get("/api/v1/departments/police/queue", headers=bearer("p-officer"))
    assert_supervisors_only(claimed)
    assert_supervisors_only(decided)
    assert queue.json() == []  # the escalated case is not in an officer's queue
    assert store.cases[RID].status == "deadline_breached"
    assert store.cases[RID].claimed_by is None
    assert store.published == []


async def test_a_supervisor_claims_and_decides_an_escalated_case(
    sample_form: dict[str, Any],
) -> None:
    store = InMemoryCaseStore("police", cases=[escalated_case(sample_form, claimed_by="p-officer")])
    supervisor = bearer("p-boss", "supervisor")
    transport = httpx.ASGITransport(app=officer_app(store))
    async with httpx.AsyncClient(transport=transport, base_url="http://police.test") as client:
        queue = await client.get("/api/v1/departments/police/supervisor-queue", headers=supervisor)
        claimed = await client.post(f"{BASE}/claim", headers=supervisor)
        decided = await client.post(
            f"{BASE}/decision", json={"decision": "reject"}, headers=supervisor
        )
    assert [c["registration_id"] for c in queue.json()] == [RID]
    assert claimed.status_code == 200
    assert claimed.json()["claimed_by"] == "p-boss"
    assert decided.status_code == 200
    assert decided.json()["status"] == "rejected"
    assert decided.json()["officer_id"] == "p-boss"
