"""The helpdesk (在线咨询) on the enterprise page and the dashboard.

The enterprise types a question: the page suggests the knowledge base's article first. It asks
police anyway; a police officer replies (through the API: there is no officer screen yet); the
open page shows the reply live, and the enterprise rates it. The operators' dashboard then
shows police's satisfaction this week.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from playwright.async_api import BrowserContext, expect

from tests.browser.conftest import SCREENSHOTS, operator_bearer, unique_form
from tests.browser.test_enterprise_page import submit_through_page
from tests.conftest import LiveStack
from tests.e2e.test_helpdesk import queued
from tests.e2e.test_officers import bearer as officer

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
QUESTION = "公章在哪里刻？可以加急吗？"
REPLY = "可在表单中选择已备案的刻制企业，一般当天可取。"


async def police_reply(stack: LiveStack, question_id: str) -> None:
    base = f"http://127.0.0.1:{stack.ports['police']}/api/v1/departments/police/helpdesk"
    async with httpx.AsyncClient(timeout=10) as client:
        await queued(client, f"{base}/queue", officer("p-1", "police"), question_id)
        answered = await client.post(
            f"{base}/{question_id}/answer", json={"text": REPLY}, headers=officer("p-1", "police")
        )
        assert answered.status_code == 200, answered.text


async def test_the_enterprise_asks_police_reads_the_reply_live_and_rates_it(
    live_stack: LiveStack, sample_form: dict[str, Any], context: BrowserContext
) -> None:
    page = await context.new_page()
    await page.goto(f"{live_stack.notifier_url}/page")
    await submit_through_page(page, unique_form(sample_form))
    await expect(page.locator("#help-card")).to_be_visible()

    await page.fill("#ask-text", QUESTION)
    suggested = page.locator("#help-suggestions li[data-article]")
    await expect(suggested.first).to_contain_text("印章刻制备案")
    await page.select_option("#ask-dept", "police")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.locator("#help-card").screenshot(path=str(SCREENSHOTS / "page-helpdesk-ask.png"))
    await page.click("#ask-btn")
    await expect(page.locator("#flash")).to_have_text("咨询已提交，部门将在 2 个工作日内答复。")
    asked = page.locator("#questions li[data-question]")
    await expect(asked).to_have_count(1)
    await expect(asked).to_have_attribute("data-state", "asked")
    await expect(asked).to_contain_text("答复期限")

    question_id = await asked.get_attribute("data-question")
    assert question_id
    await police_reply(live_stack, question_id)
    await expect(asked).to_have_attribute("data-state", "answered", timeout=60_000)
    await expect(asked.locator(".answer")).to_contain_text(REPLY)
    await asked.locator("input[name=score][value='4']").check()
    await asked.locator("input[name=comment]").fill("答复及时")
    await asked.locator("form.rating button[type=submit]").click()
    await expect(page.locator("#flash")).to_have_text("感谢您的评价。")
    await expect(asked).to_have_attribute("data-state", "rated", timeout=30_000)
    await expect(asked).to_contain_text("★★★★☆")
    await page.locator("#help-card").screenshot(path=str(SCREENSHOTS / "page-helpdesk.png"))

    await page.click("#lang")
    await expect(asked).to_contain_text("Your rating")

    ops = await context.new_page()
    await ops.goto(f"{live_stack.notifier_url}/ops")
    await ops.fill("#op-token", operator_bearer()["Authorization"].removeprefix("Bearer "))
    await ops.click("#signin-form button[type=submit]")
    week = "{}-W{:02d}".format(*datetime.now(UTC).isocalendar()[:2])
    police = ops.locator(f"[data-satisfaction='police/{week}']")
    await expect(police).to_be_visible(timeout=30_000)
    await ops.locator("section[aria-labelledby='help-h']").screenshot(
        path=str(SCREENSHOTS / "ops-helpdesk.png")
    )
