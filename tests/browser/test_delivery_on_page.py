"""Free delivery of the paper licence and seals (免费邮寄) chosen on the enterprise page.

Once the registration completes, the licences card offers pick-up at the service hall or free
postal delivery. The enterprise chooses post and fills in the recipient; the carrier stand-in
accepts the order and reports its scans, and the open page follows each step live until the
parcel is delivered, in Chinese and in English.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import BrowserContext, expect

from tests.browser.conftest import SCREENSHOTS, unique_form
from tests.browser.test_enterprise_page import expect_completed, submit_through_page
from tests.conftest import LiveStack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
RECIPIENT = {
    "name": "陈收件",
    "mobile": "13900001234",
    "province": "广东省",
    "city": "广州市",
    "district": "南沙区",
    "street": "进港大道8号",
    "postcode": "511458",
}


async def test_the_enterprise_chooses_postal_delivery_and_watches_it_arrive(
    live_stack: LiveStack, sample_form: dict[str, Any], context: BrowserContext
) -> None:
    page = await context.new_page()
    await page.goto(f"{live_stack.notifier_url}/page")
    rid = await submit_through_page(page, unique_form(sample_form))
    await expect_completed(page, rid)

    form = page.locator(f"form.delivery[data-rid='{rid}']")
    await expect(form).to_be_visible()
    await form.locator("input[value=post]").check()
    for field, value in RECIPIENT.items():
        await form.locator(f"#d-{rid}-{field}").fill(value)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.locator("#licences-card").screenshot(
        path=str(SCREENSHOTS / "page-delivery-form.png")
    )
    await form.locator("button[type=submit]").click()
    await expect(page.locator("#flash")).to_have_text("已确认领取方式。")

    state = page.locator("#licences-card .delivery-state")
    await expect(state).to_have_attribute("data-state", "delivered", timeout=60_000)
    await expect(state).to_contain_text("已签收")
    await expect(state.locator("code")).to_have_text(re.compile(r"^LP[0-9]{12}$"))
    timeline = page.locator(f"article[data-rid='{rid}'] ol.timeline li[data-department='delivery']")
    await expect(timeline).to_have_count(4)  # ordered, accepted, in transit, delivered
    await page.locator("#licences-card").screenshot(path=str(SCREENSHOTS / "page-delivery.png"))

    await page.click("#lang")
    await expect(state).to_contain_text("delivered")
    await expect(state).to_contain_text("tracking number")
