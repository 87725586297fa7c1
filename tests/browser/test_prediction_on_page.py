"""The predicted completion time (预计办结时间) on the enterprise page.

The enterprise submits through the page a form whose seal maker police must check by hand:
while the case waits for an officer, the page shows when the registration is expected to
finish, and police's badge its statutory deadline, in Chinese and in English. Once the officer
approves, the prediction leaves the page live and the registration shows completed.
"""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
from playwright.async_api import BrowserContext, expect

from tests.browser.conftest import SCREENSHOTS, unique_form
from tests.browser.test_credit_on_page import load_into_page
from tests.browser.test_enterprise_page import expect_completed, submit_through_page
from tests.conftest import LiveStack
from tests.e2e.test_officers import police_officer_approves

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


async def test_the_page_shows_when_a_registration_in_review_should_finish(
    live_stack: LiveStack, sample_form: dict[str, Any], context: BrowserContext
) -> None:
    form = unique_form(copy.deepcopy(sample_form))
    form["seals"]["maker_id"] = "UNLICENSED-001"  # police's rules send it to an officer
    page = await context.new_page()
    await page.goto(f"{live_stack.notifier_url}/page")
    await load_into_page(page, form)
    rid = await submit_through_page(page, form)

    # The article is rendered again on every change: the screenshots take its stable container.
    article = page.locator(f"article[data-rid='{rid}']")
    police = article.locator("li.badge[data-department='police']")
    await expect(police).to_have_attribute("data-status", "in_review", timeout=30_000)
    eta = article.locator("p.eta")
    await expect(eta).to_be_visible()
    await expect(eta).to_contain_text("预计办结")
    await expect(eta.locator("time[data-latest]")).to_have_count(1)
    await expect(police).to_contain_text("法定时限")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.locator("#registrations").screenshot(path=str(SCREENSHOTS / "page-prediction.png"))

    await page.click("#lang")
    await expect(eta).to_contain_text("Expected completion")
    await expect(police).to_contain_text("statutory deadline")
    await page.locator("#registrations").screenshot(
        path=str(SCREENSHOTS / "page-prediction-en.png")
    )

    async with httpx.AsyncClient(timeout=10) as client:
        await police_officer_approves(client, live_stack, rid, "p-page")
    await expect_completed(page, rid)
    await expect(eta).to_have_count(0)  # finished: no prediction left on the page
