"""The helpdesk (在线咨询) on the real stack: the knowledge base first, a question to police, the
officer's reply, the enterprise's rating, and the dashboard's overdue questions and satisfaction.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import LiveStack, submit
from tests.e2e.test_delivery import timeline_until
from tests.e2e.test_officers import bearer as officer
from tests.e2e.test_page_and_ops_access import OPERATOR, signed_in
from tests.support.stored import set_stored

pytestmark = pytest.mark.e2e
QUESTION = {"department": "police", "text": "公章在哪里刻？可以加急吗？"}


async def overdue_now(stack: LiveStack, question_id: str) -> None:
    """Two working days cannot pass in a test: the reply's deadline moves into the past."""
    past = datetime.now(UTC) - timedelta(hours=1)
    await set_stored(stack, "notifier", "questions", {"_id": question_id}, {"due_at": past})


async def answered_on_the_page(browser: httpx.AsyncClient, url: str, qid: str) -> dict[str, Any]:
    """The reply reaches the notifier over the bus: the page has it within 30 s."""
    for _ in range(60):
        mine = (await browser.get(url)).json()["questions"]
        found: dict[str, Any] = next(q for q in mine if q["question_id"] == qid)
        if found["state"] == "answered":
            return found
        await asyncio.sleep(0.5)
    pytest.fail(f"question {qid} was never answered on the page")


REPLY = {"text": "可在表单中选择已备案的刻制企业，一般当天可取。"}


async def queued(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], qid: str
) -> dict[str, Any]:
    """The question in the department's queue: it arrives there over the bus, within 30 s."""
    for _ in range(60):
        queue = (await client.get(url, headers=headers)).json()["questions"]
        found: dict[str, Any] | None = next((q for q in queue if q["question_id"] == qid), None)
        if found is not None:
            return found
        await asyncio.sleep(0.5)
    pytest.fail(f"question {qid} never reached {url}")


async def police_replies(police: str, qid: str) -> dict[str, str]:
    """Police's queue holds the question; another department's officer can neither see nor
    answer it; a police officer answers it once."""
    async with httpx.AsyncClient(timeout=10) as desk:
        tax = officer("t-1", "tax")
        queue_url = f"{police}/queue"
        assert (await desk.get(queue_url)).status_code == 401
        assert (await desk.get(queue_url, headers=tax)).status_code == 403
        waiting = await queued(desk, queue_url, officer("p-1", "police"), qid)
        assert waiting["text"] == QUESTION["text"]
        assert waiting["overdue"] is False
        answer_url = f"{police}/{qid}/answer"
        assert (await desk.post(answer_url, json=REPLY, headers=tax)).status_code == 403
        answered = await desk.post(answer_url, json=REPLY, headers=officer("p-1", "police"))
        assert answered.status_code == 200, answered.text
        again = await desk.post(answer_url, json=REPLY, headers=officer("p-2", "police"))
        assert again.status_code == 409
    return REPLY


async def test_a_question_is_answered_by_its_department_and_rated(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    base = live_stack.notifier_url
    police = f"http://127.0.0.1:{live_stack.ports['police']}/api/v1/departments/police/helpdesk"
    async with httpx.AsyncClient(timeout=10) as api:
        rid, token = await submit(api, live_stack, sample_form)
        other, _ = await submit(api, live_stack, sample_form)
    async with httpx.AsyncClient(timeout=10) as browser:
        found = await browser.get(f"{base}/page/api/help/articles", params={"q": QUESTION["text"]})
        assert found.json()["articles"][0]["title_zh"] == "印章刻制备案"
        nothing = await browser.get(
            f"{base}/page/api/help/articles", params={"q": "明天天气怎么样"}
        )
        assert nothing.json()["articles"] == []

        asked_url = f"{base}/page/api/registrations/{rid}/questions"
        assert (await browser.post(asked_url, json=QUESTION)).status_code == 401
        await signed_in(browser, live_stack, rid, token)
        theirs = f"{base}/page/api/registrations/{other}/questions"
        assert (await browser.post(theirs, json=QUESTION)).status_code == 403
        unknown = await browser.post(asked_url, json={**QUESTION, "department": "weather"})
        assert unknown.status_code == 422
        assert unknown.json()["message_zh"]
        assert (await browser.post(asked_url, json={**QUESTION, "text": "?"})).status_code == 422
        asked = await browser.post(asked_url, json=QUESTION)
        assert asked.status_code == 201, asked.text
        question = asked.json()
        assert question["state"] == "asked"
        due = datetime.fromisoformat(question["due_at"])
        assert timedelta(days=1) < due - datetime.now(UTC) < timedelta(days=5)
        qid = question["question_id"]
        rating_url = f"{asked_url}/{qid}/rating"
        early = await browser.post(rating_url, json={"score": 5})
        assert early.status_code == 409

        reply = await police_replies(police, qid)
        mine = await answered_on_the_page(browser, asked_url, qid)
        assert mine["answer"]["text"] == reply["text"]
        assert "officer_id" not in mine["answer"]
        assert (await browser.post(rating_url, json={"score": 6})).status_code == 422
        rated = await browser.post(rating_url, json={"score": 4, "comment": "答复及时"})
        assert rated.status_code == 200, rated.text
        assert (await browser.post(rating_url, json={"score": 5})).status_code == 409

    async with httpx.AsyncClient(timeout=10) as api:
        timeline = await timeline_until(
            api,
            live_stack,
            rid,
            token,
            lambda t: (t.get("questions") or {}).get(qid, {}).get("state") == "rated",
        )
        assert timeline["questions"][qid]["score"] == 4
        steps = [e["status"] for e in timeline["entries"] if e["department"] == "helpdesk"]
        assert steps == ["asked", "answered", "rated"]


async def test_the_dashboard_shows_overdue_questions_and_satisfaction_by_department(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    base = live_stack.notifier_url
    async with httpx.AsyncClient(timeout=10) as browser:
        rid, token = await submit(browser, live_stack, sample_form)
        await signed_in(browser, live_stack, rid, token)
        url = f"{base}/page/api/registrations/{rid}/questions"
        late = await browser.post(url, json={"department": "tax", "text": "发票何时可以领取？"})
        assert late.status_code == 201
        qid = late.json()["question_id"]
        await overdue_now(live_stack, qid)
        assert (await browser.get(f"{base}/ops/api/helpdesk")).status_code == 401
        board = (await browser.get(f"{base}/ops/api/helpdesk", headers=OPERATOR)).json()
        assert qid in [q["question_id"] for q in board["overdue"]]
        tax = f"http://127.0.0.1:{live_stack.ports['tax']}/api/v1/departments/tax/helpdesk"
        async with httpx.AsyncClient(timeout=10) as desk:
            await queued(desk, f"{tax}/queue", officer("t-1", "tax"), qid)
            answered = await desk.post(
                f"{tax}/{qid}/answer",
                json={"text": "营业执照核发后即可申领。"},
                headers=officer("t-1", "tax"),
            )
            assert answered.status_code == 200
        await answered_on_the_page(browser, url, qid)
        rated = await browser.post(f"{url}/{qid}/rating", json={"score": 2})
        assert rated.status_code == 200
        board = (await browser.get(f"{base}/ops/api/helpdesk", headers=OPERATOR)).json()
        assert qid not in [q["question_id"] for q in board["overdue"]]
        week = "{}-W{:02d}".format(*datetime.now(UTC).isocalendar()[:2])
        tax = next(
            r for r in board["satisfaction"] if r["department"] == "tax" and r["week"] == week
        )
        assert tax["ratings"] >= 1
        assert 1 <= tax["average"] <= 5
