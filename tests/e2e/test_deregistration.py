"""Simplified deregistration (简易注销) on the real stack: the commitment, the public notice, an
objection, and, with none, the approval, the cancelled licence and every department's closure.

Twenty days cannot pass in a test: once the notice is public, the test moves its stored end into
the past, and the registration service's own clock job (every second in the test stack) finds
it ended, as it would on the twentieth day.
"""

import asyncio
import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from tests.conftest import LiveStack, submit, wait_for_overall
from tests.e2e.test_delivery import bearer, choose, timeline_until
from tests.e2e.test_officers import police_case_in_review
from tests.support.stored import set_stored

pytestmark = pytest.mark.e2e
RECORD_COMPLETED_POLLS = 100  # 0.2 s apart

COMMITMENT = {"no_debts": True, "taxes_settled": True, "no_open_cases": True, "reason": "歇业"}
OBJECTION = {
    "objector": "广州某某材料供应商",
    "contact": "020-12345678",
    "grounds": "尚欠货款未结清",
}


async def completed_enterprise(
    client: httpx.AsyncClient, stack: LiveStack, form: dict[str, Any]
) -> tuple[str, str]:
    """Completed on the page, and in the registration service's own record.

    The registration service learns completion from `registration.completed.v1` a moment after
    the page shows it; until then what comes after the licence answers 409
    `registration_not_completed`, which is what a client retries on.
    """
    rid, token = await submit(client, stack, form)
    await wait_for_overall(client, stack, rid, token, {"completed"})
    permits = f"{stack.registration_url}/api/v1/registrations/{rid}/permits"
    for _ in range(RECORD_COMPLETED_POLLS):
        answer = await client.get(permits, headers=bearer(token))
        if answer.status_code != 409:
            assert answer.status_code == 200, answer.text
            return rid, token
        assert answer.json()["code"] == "registration_not_completed"
        await asyncio.sleep(0.2)
    raise AssertionError("the registration service never recorded the completion")


async def notice_ends_now(stack: LiveStack, rid: str) -> None:
    """The 20 days have passed: the notice's end moves to a moment ago."""
    ended = datetime.now(UTC) - timedelta(seconds=1)
    await set_stored(
        stack, "registration", "deregistrations", {"_id": rid}, {"notice_ends_at": ended}
    )


async def nothing_else_while_noticed(
    client: httpx.AsyncClient, registration: str, rid: str, token: str
) -> None:
    """Neither another commitment nor a change (变更登记) while the notice runs."""
    other = await client.post(
        f"{registration}/api/v1/registrations/{rid}/deregistration",
        json={**COMMITMENT, "reason": "另一理由"},
        headers=bearer(token),
    )
    assert other.status_code == 409
    assert other.json()["code"] == "deregistration_already_requested"
    change = await client.post(
        f"{registration}/api/v1/registrations/{rid}/changes",
        json={"enterprise": {"address": "广州市南沙区港前大道3号"}},
        headers=bearer(token),
    )
    assert change.status_code == 409
    assert change.json()["code"] == "deregistration_in_progress"


def deregistration(done: Callable[[dict[str, Any]], bool]) -> Callable[[dict[str, Any]], bool]:
    return lambda timeline: done(timeline.get("deregistration") or {})


async def test_with_no_objection_the_licence_is_cancelled_and_every_department_closes(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    registration = live_stack.registration_url
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await completed_enterprise(client, live_stack, sample_form)
        url = f"{registration}/api/v1/registrations/{rid}/deregistration"
        assert (await client.post(url, json=COMMITMENT)).status_code == 401
        half = {**COMMITMENT, "taxes_settled": False}
        refused = await client.post(url, json=half, headers=bearer(token))
        assert refused.status_code == 422
        assert refused.json()["message_zh"]

        noticed = await choose(client, url, token, COMMITMENT)
        assert noticed.status_code == 202, noticed.text
        notice = noticed.json()
        assert notice["state"] == "noticed"
        starts = datetime.fromisoformat(notice["notice_starts_at"])
        ends = datetime.fromisoformat(notice["notice_ends_at"])
        assert ends - starts == timedelta(days=20)
        assert (await client.post(url, json=COMMITMENT, headers=bearer(token))).status_code == 200
        await nothing_else_while_noticed(client, registration, rid, token)

        public = await client.get(f"{registration}/api/v1/deregistration-notices")
        listed = {n["notice_id"]: n for n in public.json()["notices"]}
        assert listed[notice["notice_id"]]["enterprise_name"] == sample_form["enterprise"]["name"]
        noticed_on_timeline = deregistration(lambda d: d.get("state") == "noticed")
        await timeline_until(client, live_stack, rid, token, noticed_on_timeline)

        await notice_ends_now(live_stack, rid)
        departments = set(
            (await wait_for_overall(client, live_stack, rid, token, {"completed"}))["departments"]
        )
        timeline = await timeline_until(
            client,
            live_stack,
            rid,
            token,
            deregistration(
                lambda d: (
                    d.get("state") == "approved"
                    and set(d.get("departments_closed", {})) == departments
                )
            ),
        )
        steps = [e["status"] for e in timeline["entries"] if e["department"] == "deregistration"]
        assert steps[:2] == ["noticed", "approved"]
        assert steps.count("records_closed") == len(departments)

        uscc = notice["unified_social_credit_code"]
        licence = (await client.get(f"{registration}/api/v1/licences/{uscc}")).json()
        assert licence["status"] == "cancelled"
        assert licence["cancelled_at"]
        page = await client.get(f"{registration}/api/v1/licences/{uscc}?format=html")
        assert "已注销" in page.text
        late = await client.post(
            f"{registration}/api/v1/deregistration-notices/{notice['notice_id']}/objections",
            json=OBJECTION,
        )
        assert late.status_code == 409
        assert late.json()["code"] == "notice_period_over"

        mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(live_stack.mongodb_uri)
        try:
            case = await mongo[f"{live_stack.database_prefix}tax"]["cases"].find_one({"_id": rid})
        finally:
            await mongo.close()
        assert case is not None
        assert case["records_closed_at"] is not None
        assert case["form"] is None
        assert case["status"] == "approved"  # the decision stays on record


async def test_an_objection_ends_the_simplified_procedure_and_names_no_one_in_public(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    registration = live_stack.registration_url
    async with httpx.AsyncClient(timeout=10) as client:
        early_rid, early_token = await police_case_in_review(
            client, live_stack, copy.deepcopy(sample_form)
        )
        early = await client.post(
            f"{registration}/api/v1/registrations/{early_rid}/deregistration",
            json=COMMITMENT,
            headers=bearer(early_token),
        )
        assert early.status_code == 409
        assert early.json()["code"] == "registration_not_completed"

        rid, token = await completed_enterprise(client, live_stack, sample_form)
        url = f"{registration}/api/v1/registrations/{rid}/deregistration"
        notice = (await choose(client, url, token, COMMITMENT)).json()
        objections = (
            f"{registration}/api/v1/deregistration-notices/{notice['notice_id']}/objections"
        )
        assert (await client.post(objections, json={"objector": "x"})).status_code == 422
        unknown = f"{registration}/api/v1/deregistration-notices/{'0' * 32}/objections"
        assert (await client.post(unknown, json=OBJECTION)).status_code == 404
        first = await client.post(objections, json=OBJECTION)
        assert first.status_code == 202, first.text
        assert first.json()["result"] == "objected"
        second = await client.post(objections, json={**OBJECTION, "objector": "另一债权人"})
        assert second.json()["result"] == "recorded"

        timeline = await timeline_until(
            client, live_stack, rid, token, deregistration(lambda d: d.get("state") == "objected")
        )
        await notice_ends_now(live_stack, rid)  # an ended, objected notice is never approved
        await asyncio.sleep(2.5)  # two rounds of the approval clock
        one = await client.get(
            f"{registration}/api/v1/deregistration-notices/{notice['notice_id']}"
        )
        assert one.json()["state"] == "objected"
        listed = await client.get(f"{registration}/api/v1/deregistration-notices?state=objected")
        assert notice["notice_id"] in {n["notice_id"] for n in listed.json()["notices"]}
        uscc = notice["unified_social_credit_code"]
        licence = (await client.get(f"{registration}/api/v1/licences/{uscc}")).json()
        assert licence["status"] == "valid"
        # The objector's name and contact reach the registration authority only.
        shown = json.dumps([timeline, one.json(), listed.json()], ensure_ascii=False)
        assert OBJECTION["objector"] not in shown
        assert OBJECTION["contact"] not in shown
