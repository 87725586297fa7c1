"""Post-licence permits (证照分离) on the real stack: the push when the licence is issued, then a
commitment, a filing and an application, each decided by its competent department.

The scope names a food shop (食品经营许可, by commitment, market), a small eatery (小餐饮, a filing,
market), a hotel (旅馆业特种行业许可证, an application, police; 公共场所卫生许可, by commitment,
the health commission, which runs outside this project) and a bar (its health permit abolished).
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from tests.conftest import LiveStack
from tests.e2e.test_delivery import bearer, choose, timeline_until
from tests.e2e.test_deregistration import completed_enterprise
from tests.e2e.test_officers import bearer as officer

pytestmark = pytest.mark.e2e

SCOPE = ["软件开发", "食品销售", "小餐饮", "住宿服务", "酒吧服务（不含演艺娱乐活动）"]
PREMISES = {"premises_address": "广州市南沙区港前大道1号101铺", "commitment_signed": False}
FOOD, EATERY, HOTEL_POLICE, HOTEL_HEALTH, BAR = "PL001", "PL002", "PL013", "PL024", "PL025"


def with_permit_scope(form: dict[str, Any]) -> dict[str, Any]:
    form = copy.deepcopy(form)
    form["enterprise"]["business_scope"] = SCOPE
    return form


def permit_state(permit_id: str, *states: str) -> Any:
    return lambda t: (t.get("permits") or {}).get(permit_id, {}).get("state") in states


async def pushed_enterprise(
    client: httpx.AsyncClient, stack: LiveStack, form: dict[str, Any]
) -> tuple[str, str, dict[str, Any]]:
    """A completed enterprise with the permit scope, once its five permits are on the timeline."""
    rid, token = await completed_enterprise(client, stack, with_permit_scope(form))
    timeline = await timeline_until(
        client, stack, rid, token, lambda t: len(t.get("permits") or {}) == 5
    )
    return rid, token, timeline["permits"]


async def test_the_licence_pushes_each_permit_to_its_department_and_rules_decide_at_once(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token, pushed = await pushed_enterprise(client, live_stack, sample_form)
        assert {p: pushed[p]["kind"] for p in pushed} == {
            FOOD: "commitment",
            EATERY: "filing",
            HOTEL_POLICE: "application",
            HOTEL_HEALTH: "commitment",
            BAR: "cancelled",
        }
        assert pushed[HOTEL_HEALTH]["department_zh"] == "卫生健康局"  # outside this project
        assert pushed[FOOD]["scope_items"] == ["食品销售"]
        assert all(p["state"] == "noticed" for p in pushed.values())

        base = f"{live_stack.registration_url}/api/v1/registrations/{rid}/permits"
        assert (await client.get(base)).status_code == 401
        listed = (await client.get(base, headers=bearer(token))).json()["permits"]
        assert [p["permit_id"] for p in listed] == sorted(pushed)
        assert (await client.post(f"{base}/PL099", json=PREMISES)).status_code == 401
        assert (await choose(client, f"{base}/PL099", token, PREMISES)).status_code == 404
        abolished = await choose(client, f"{base}/{BAR}", token, PREMISES)
        assert abolished.status_code == 409
        assert abolished.json()["code"] == "permit_approval_cancelled"
        unsigned = await choose(client, f"{base}/{FOOD}", token, PREMISES)
        assert unsigned.status_code == 422
        assert unsigned.json()["message_zh"]

        # 告知承诺 and 备案: decided at once by market's rules, each with its number.
        signed = {**PREMISES, "commitment_signed": True}
        assert (await choose(client, f"{base}/{FOOD}", token, signed)).status_code == 202
        assert (await choose(client, f"{base}/{EATERY}", token, PREMISES)).status_code == 202
        again = await choose(client, f"{base}/{FOOD}", token, signed)
        assert again.status_code == 409
        assert again.json()["code"] == "permit_already_submitted"
        timeline = await timeline_until(
            client,
            live_stack,
            rid,
            token,
            lambda t: permit_state(FOOD, "approved")(t) and permit_state(EATERY, "filed")(t),
        )
        assert timeline["permits"][FOOD]["permit_number"].startswith("MAR-")
        assert timeline["permits"][EATERY]["permit_number"]
        # The health commission decides outside this project: its permit waits for the enterprise.
        assert timeline["permits"][HOTEL_HEALTH]["state"] == "noticed"
        entries = [e for e in timeline["entries"] if e["department"] == "permit"]
        assert {e["status"] for e in entries} == {"noticed", "submitted", "approved", "filed"}

    # Pushed once each: a replayed approval would find them there already.
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(live_stack.mongodb_uri)
    try:
        permits = mongo[f"{live_stack.database_prefix}registration"]["permits"]
        assert await permits.count_documents({"registration_id": rid}) == 5
    finally:
        await mongo.close()


async def resubmit_after_refusal(
    client: httpx.AsyncClient, url: str, token: str, body: dict[str, Any]
) -> httpx.Response:
    """The registration service learns of the refusal from the bus: 409 until it has, 10 s."""
    for _ in range(20):
        answer = await choose(client, url, token, body)
        if answer.status_code != 409:
            return answer
        await asyncio.sleep(0.5)
    return answer


async def test_an_application_is_refused_by_an_officer_then_granted_on_the_second_attempt(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    police = f"http://127.0.0.1:{live_stack.ports['police']}/api/v1/departments/police/permits"
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token, _ = await pushed_enterprise(client, live_stack, sample_form)
        url = f"{live_stack.registration_url}/api/v1/registrations/{rid}/permits/{HOTEL_POLICE}"
        applied = {**PREMISES, "description": "客房 24 间"}
        assert (await choose(client, url, token, applied)).status_code == 202
        await timeline_until(
            client, live_stack, rid, token, permit_state(HOTEL_POLICE, "in_review")
        )
        assert (await client.get(f"{police}/queue")).status_code == 401
        tax = officer("t-1", "tax")
        assert (await client.get(f"{police}/queue", headers=tax)).status_code == 403
        queue = (await client.get(f"{police}/queue", headers=officer("p-1", "police"))).json()
        case = next(c for c in queue if c["registration_id"] == rid)
        assert case["submission"]["description"] == "客房 24 间"
        assert case["deadline_at"]
        decision = f"{police}/{case['case_id']}/decision"
        bare = await client.post(
            decision, json={"decision": "reject"}, headers=officer("p-1", "police")
        )
        assert bare.status_code == 422
        refusal = {
            "decision": "reject",
            "reasons": [{"message_zh": "消防验收材料缺失", "message_en": "fire papers missing"}],
        }
        refused = await client.post(decision, json=refusal, headers=officer("p-1", "police"))
        assert refused.status_code == 200, refused.text
        late = await client.post(
            decision, json={"decision": "approve"}, headers=officer("p-2", "police")
        )
        assert late.status_code == 409
        timeline = await timeline_until(
            client, live_stack, rid, token, permit_state(HOTEL_POLICE, "rejected")
        )
        assert timeline["permits"][HOTEL_POLICE]["reasons"][0]["message_zh"] == "消防验收材料缺失"

        resubmitted = await resubmit_after_refusal(client, url, token, applied)
        assert resubmitted.status_code == 202, resubmitted.text
        await timeline_until(
            client, live_stack, rid, token, permit_state(HOTEL_POLICE, "in_review")
        )
        queue = (await client.get(f"{police}/queue", headers=officer("p-1", "police"))).json()
        second = next(c for c in queue if c["registration_id"] == rid)
        assert second["case_id"] != case["case_id"]
        granted = await client.post(
            f"{police}/{second['case_id']}/decision",
            json={"decision": "approve"},
            headers=officer("p-1", "police"),
        )
        assert granted.status_code == 200
        timeline = await timeline_until(
            client, live_stack, rid, token, permit_state(HOTEL_POLICE, "approved")
        )
        assert timeline["permits"][HOTEL_POLICE]["reasons"] == []
        assert timeline["permits"][HOTEL_POLICE]["permit_number"].startswith("POL-")
