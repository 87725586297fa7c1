"""The operators' dashboard shows the enterprises' credit and draws random inspections.

A registration completes, the credit service computes its portrait, and /ops/api/summary counts
it in its class; an abnormal-operations listing drops it into class C and it appears among the
risk warnings. A draw through /ops/api/inspections goes on to the credit service with the
operator's own token, is published at the link it answers with, and is in the audit log; the
same period again is refused as the credit service refuses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest
from pymongo import AsyncMongoClient

from service_runtime.access import issue_operator_token
from service_runtime.china_time import CHINA
from service_runtime.problems import Problem
from service_runtime.settings import NotifierSettings
from services.notifier.inspections_proxy import InspectionDraw, draw_on_credit
from tests.conftest import LiveStack, submit, wait_for_overall
from tools.bench import with_fresh_persons
from tools.localstack import free_port

pytestmark = pytest.mark.e2e
OPERATOR_SECRET = "local-development-only-operators"  # the stack's default
CREDIT_SECONDS = 60  # the credit consumers are background ones: they fetch seldom


def operator_headers(operator: str = "ops-credit") -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_operator_token(OPERATOR_SECRET, operator)}"}


def credit_url(stack: LiveStack) -> str:
    return f"http://127.0.0.1:{stack.ports['credit']}"


@pytest.fixture
def ops_base(live_stack: LiveStack) -> str:
    """The stack's notifier: its CREDIT_SERVICE_URL is this stack's credit service."""
    return live_stack.notifier_url


def mongo_of(stack: LiveStack) -> AsyncMongoClient[dict[str, Any]]:
    return AsyncMongoClient(stack.mongodb_uri, tz_aware=True)


async def portrait_of(stack: LiveStack, rid: str, wanted: set[str]) -> dict[str, Any]:
    """The registration's timeline once its latest portrait is of a class in `wanted`."""
    mongo = mongo_of(stack)
    try:
        timelines = mongo[f"{stack.database_prefix}notifier"]["timelines"]
        deadline = time.monotonic() + CREDIT_SECONDS
        doc: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            doc = await timelines.find_one({"_id": rid}, {"credit": 1, "uscc": 1, "profile": 1})
            if doc and (doc.get("credit") or {}).get("credit_class") in wanted:
                return doc
            await asyncio.sleep(0.3)
        pytest.fail(f"{rid}: no portrait of class {wanted} after {CREDIT_SECONDS}s: {doc}")
    finally:
        await mongo.close()


async def timelines_of_class(stack: LiveStack, credit_class: str) -> int:
    mongo = mongo_of(stack)
    try:
        timelines = mongo[f"{stack.database_prefix}notifier"]["timelines"]
        return await timelines.count_documents({"credit.credit_class": credit_class})
    finally:
        await mongo.close()


async def summary_when(
    client: httpx.AsyncClient,
    base: str,
    enough: Callable[[dict[str, Any]], bool],
    timeout: float = 30.0,
) -> dict[str, Any]:
    """The dashboard's credit figures once `enough(credit)` holds (the summary is cached)."""
    deadline = time.monotonic() + timeout
    credit: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = await client.get(f"{base}/ops/api/summary", headers=operator_headers())
        assert response.status_code == 200, response.text
        credit = response.json()["credit"]
        if enough(credit):
            return credit
        await asyncio.sleep(0.3)
    pytest.fail(f"the dashboard's credit figures never got there: {credit}")


async def completed_with_portrait(
    client: httpx.AsyncClient, stack: LiveStack, form: dict[str, Any]
) -> dict[str, Any]:
    """A registration submitted and completed, once its first portrait reached its timeline."""
    rid, token = await submit(client, stack, form)
    await wait_for_overall(client, stack, rid, token, {"completed"}, timeout=90)
    return await portrait_of(stack, rid, {"A", "B", "C", "D"})


@contextlib.asynccontextmanager
async def listed_as_abnormal(
    client: httpx.AsyncClient, stack: LiveStack, doc: dict[str, Any]
) -> AsyncIterator[None]:
    """The market regulator lists the enterprise (经营异常名录): class C at best, and a warning.

    The listing is removed again on leaving: while it stands, every later registration that
    shares the sample form's persons is related to this enterprise and goes to an officer.
    """
    entry = {
        "list": "abnormal_operations",
        "entry_id": f"ops-test-{uuid4().hex}",
        "subject_kind": "enterprise",
        "subject_id": doc["uscc"],
        "subject_name": doc["profile"]["name"],
        "listed_on": datetime.now(CHINA).date().isoformat(),
        "authority": "广州市南沙区市场监督管理局",
        "reason": "通过登记的住所无法联系",
    }
    url = f"{credit_url(stack)}/api/v1/credit/lists/abnormal_operations/entries"
    listed = await client.post(url, json={"entries": [entry]}, headers=operator_headers())
    assert listed.status_code == 200, listed.text
    try:
        yield
    finally:
        removed = {**entry, "removed_on": entry["listed_on"]}  # no longer active today
        response = await client.post(url, json={"entries": [removed]}, headers=operator_headers())
        assert response.status_code == 200, response.text
        assert response.json() == {"recorded": 1, "unchanged": 0}


def founded_by_others(form: dict[str, Any]) -> dict[str, Any]:
    """The form with persons of its own: an enterprise a test lists as abnormal must share no
    person with the sample form, whose later registrations in the session would be related to
    it (credit's screen) and go to an officer."""
    return with_fresh_persons(form, random.Random(uuid4().int))  # noqa: S311 - test data


def unique_period() -> str:
    return f"T-{uuid4().hex[:12]}"


async def test_the_dashboard_counts_each_class_and_lists_the_risk_warnings(
    live_stack: LiveStack, sample_form: dict[str, Any], ops_base: str
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        doc = await completed_with_portrait(client, live_stack, founded_by_others(sample_form))
        rid, first = doc["_id"], doc["credit"]["credit_class"]
        stored = await timelines_of_class(live_stack, first)  # ours included
        credit = await summary_when(client, ops_base, lambda c: c["classes"][first] >= stored)
        assert set(credit["classes"]) == {"A", "B", "C", "D"}, credit
        assert all(isinstance(n, int) and n >= 0 for n in credit["classes"].values()), credit

        async with listed_as_abnormal(client, live_stack, doc):
            fallen = await portrait_of(live_stack, rid, {"C", "D"})
            credit = await summary_when(
                client,
                ops_base,
                lambda c: any(
                    f["registration_id"] == rid and f["message_zh"] for f in c["risk_flags"]
                ),
                timeout=CREDIT_SECONDS,
            )
    assert len(credit["risk_flags"]) <= 20  # the dashboard shows the 20 newest
    flag = next(f for f in credit["risk_flags"] if f["registration_id"] == rid)
    assert flag["name"] == doc["profile"]["name"]
    assert flag["uscc"] == doc["uscc"]
    assert flag["credit_class"] == fallen["credit"]["credit_class"]
    assert flag["level"] == fallen["credit"]["level"]
    assert flag["message_zh"].startswith("信用风险警示"), flag
    assert flag["message_en"].startswith("credit risk warning"), flag
    assert datetime.fromisoformat(flag["flagged_at"]).tzinfo is not None


async def test_an_operator_draws_a_periods_inspections_once_and_it_is_audited(
    live_stack: LiveStack, sample_form: dict[str, Any], ops_base: str
) -> None:
    period, seed = unique_period(), 2**62 + 12345  # past what a float holds exactly
    draw = {"period": period, "seed": seed}
    async with httpx.AsyncClient(timeout=30) as client:
        await completed_with_portrait(client, live_stack, sample_form)  # one candidate at least

        anonymous = await client.post(f"{ops_base}/ops/api/inspections", json=draw)
        assert anonymous.status_code == 401, anonymous.text
        invalid = await client.post(
            f"{ops_base}/ops/api/inspections", json={"period": "no"}, headers=operator_headers()
        )
        assert invalid.status_code == 422, invalid.text

        drawn = await client.post(
            f"{ops_base}/ops/api/inspections", json=draw, headers=operator_headers("ops-draw")
        )
        assert drawn.status_code == 201, drawn.text
        body = drawn.json()
        assert body["period"] == period
        assert body["seed"] == seed
        assert set(body["drawn"]) == {"A", "B", "C", "D"}
        assert sum(body["drawn"].values()) >= 1, body
        assert body["results_url"] == f"{credit_url(live_stack)}/credit/inspections/{period}"

        public = await client.get(body["results_url"])  # no token: it is public
        assert public.status_code == 200, public.text
        assert period in public.text
        published = await client.get(f"{credit_url(live_stack)}/api/v1/credit/inspections/{period}")
        assert published.status_code == 200, published.text
        assert published.json()["seed"] == seed
        assert published.json()["drawn"] == body["drawn"]

        again = await client.post(
            f"{ops_base}/ops/api/inspections", json=draw, headers=operator_headers()
        )
        assert again.status_code == 409, again.text
        assert again.json()["code"] == "period_already_drawn"
        assert again.headers["content-type"].startswith("application/problem+json")

    mongo = mongo_of(live_stack)
    try:
        records = mongo[f"{live_stack.database_prefix}notifier"]["audit_records"]
        found = await records.find(
            {"body.kind": "operator.inspections_drawn", "body.period": period}
        ).to_list(None)
    finally:
        await mongo.close()
    assert len(found) == 1, found
    record = found[0]["body"]
    assert record["operator"] == "ops-draw"
    assert record["seed"] == seed
    assert record["drawn"] == body["drawn"]
    assert record["overall_proportion"] == body["overall_proportion"]
    assert record["results_url"] == body["results_url"]
    assert record["registration_id"] is None


async def test_a_credit_service_out_of_reach_is_a_503_problem() -> None:
    settings = NotifierSettings.model_validate(
        {"CREDIT_SERVICE_URL": f"http://127.0.0.1:{free_port()}"}
    )
    with pytest.raises(Problem) as refused:
        await draw_on_credit(settings, "Bearer x", InspectionDraw(period="2026-Q4"))
    assert (refused.value.status, refused.value.code) == (503, "credit_service_unavailable")
