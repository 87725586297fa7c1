"""Simplified deregistration (简易注销) signed on the enterprise page and followed live.

Once the registration completes, the licences card offers simplified deregistration. The
enterprise ticks the three declarations and signs; the page shows the 20-day public notice.
Twenty days cannot pass in a test, so the test moves the stored notice's end into the past (as
in tests/e2e/test_deregistration.py); the open page then shows the approval, the cancelled
licence and each department closing its records, in Chinese and in English.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import BrowserContext, expect

from tests.browser.conftest import SCREENSHOTS, unique_form
from tests.browser.test_enterprise_page import expect_completed, submit_through_page
from tests.conftest import LiveStack
from tests.e2e.test_deregistration import notice_ends_now

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


async def test_the_enterprise_signs_the_commitment_and_watches_its_deregistration(
    live_stack: LiveStack, sample_form: dict[str, Any], context: BrowserContext
) -> None:
    page = await context.new_page()
    await page.goto(f"{live_stack.notifier_url}/page")
    rid = await submit_through_page(page, unique_form(sample_form))
    await expect_completed(page, rid)

    offer = page.locator("#licences-card details.deregistration-offer")
    await offer.locator("summary").click()
    form = page.locator(f"form.deregister[data-rid='{rid}']")
    await form.locator("button[type=submit]").click()  # nothing ticked: the browser refuses
    await expect(page.locator(".deregistration")).to_have_count(0)
    for declaration in ("no_debts", "taxes_settled", "no_open_cases"):
        await form.locator(f"#dr-{rid}-{declaration}").check()
    await form.locator(f"#dr-{rid}-reason").fill("经营期满，决定歇业")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.locator("#licences-card").screenshot(
        path=str(SCREENSHOTS / "page-deregistration-form.png")
    )
    await form.locator("button[type=submit]").click()
    await expect(page.locator("#flash")).to_have_text("承诺已签署，简易注销公告已发布。")

    state = page.locator("#licences-card .deregistration")
    await expect(state).to_have_attribute("data-state", "noticed", timeout=30_000)
    await expect(state).to_contain_text("公示期至")

    await notice_ends_now(live_stack, rid)
    await expect(state).to_have_attribute("data-state", "approved", timeout=60_000)
    await expect(state).to_contain_text("营业执照已注销")
    departments = page.locator(f"article[data-rid='{rid}'] ul.badges li")
    closed = state.locator("li[data-closed]")
    await expect(closed).to_have_count(await departments.count(), timeout=60_000)
    timeline = page.locator(
        f"article[data-rid='{rid}'] ol.timeline li[data-department='deregistration']"
    )
    await expect(timeline.first).to_contain_text("简易注销")
    await page.locator("#licences-card").screenshot(
        path=str(SCREENSHOTS / "page-deregistration.png")
    )

    await page.click("#lang")
    await expect(state).to_contain_text("the business licence is cancelled")
    await expect(state).to_contain_text("Departments that closed their records")
