"""Changes (变更登记) on the enterprise page: the form pre-filled from the record, only what
changed sent, the departments it concerns deciding, the licence re-issued, all followed live."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import BrowserContext, expect

from tests.browser.conftest import SCREENSHOTS, unique_form
from tests.browser.test_credit_on_page import load_into_page
from tests.browser.test_enterprise_page import expect_completed, submit_through_page
from tests.conftest import LiveStack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
MOVED_TO = "广州市南沙区海滨路171号南沙金融大厦11楼"


async def test_the_enterprise_changes_its_address_and_sees_the_licence_reissued(
    live_stack: LiveStack, sample_form: dict[str, Any], context: BrowserContext
) -> None:
    page = await context.new_page()
    await page.goto(f"{live_stack.notifier_url}/page")
    form = unique_form(sample_form)
    await load_into_page(page, form)
    rid = await submit_through_page(page, form)
    await expect_completed(page, rid)

    panel = page.locator(f"details.change[data-rid='{rid}']")
    await expect(panel).to_have_count(1, timeout=60_000)
    await panel.locator("summary").click()
    address = panel.locator(f"#ch-{rid}-address")
    # Pre-filled from the record (the licence is issued just after completion: retried).
    await expect(address).to_have_value(form["enterprise"]["address"], timeout=30_000)
    await expect(panel.locator(f"#ch-{rid}-name")).to_have_value(form["enterprise"]["name"])
    send = panel.locator("form.change-registration button[type=submit]")
    await send.click()  # nothing changed yet
    await expect(panel.locator(".errors")).to_have_text("没有填写任何变化")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.locator("#licences-card").screenshot(path=str(SCREENSHOTS / "page-change-form.png"))

    await address.fill(MOVED_TO)
    # A live change re-renders the card meanwhile (here: the paper licence's pick-up chosen);
    # what was typed stays.
    await page.locator(f"form.delivery[data-rid='{rid}'] button[type=submit]").click()
    await expect(page.locator("#licences-card p.delivery-state")).to_have_count(1, timeout=60_000)
    await expect(address).to_have_value(MOVED_TO)
    await send.click()
    await expect(page.locator("#flash")).to_have_text("变更申请已提交，相关部门审核中。")
    change = panel.locator("ul.change-list > li")
    await expect(change).to_have_count(1, timeout=30_000)
    await expect(change).to_have_attribute("data-state", "approved", timeout=60_000)
    await expect(change).to_contain_text("第2版")
    await expect(change).to_contain_text("住所")
    await expect(change).to_contain_text("税务: 同意")
    await expect(change).not_to_contain_text("银行")  # the bank's view holds no address
    await page.locator("#licences-card").screenshot(path=str(SCREENSHOTS / "page-change-done.png"))
