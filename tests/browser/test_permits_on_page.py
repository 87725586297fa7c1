"""Post-licence permits (证照分离) on the enterprise page: what the licence's scope needs after
the licence, by kind, and each one done on the page and followed live.

The scope names a food shop (食品经营许可 by commitment), a small eatery (小餐饮, a filing), a
hotel (an application to police, and a health permit by commitment from a department outside
this project) and a bar (its health approval abolished). The enterprise signs the food shop's
commitment and files the eatery: market's rules decide each at once. It applies for the hotel's
permit, and a police officer grants it; the open page shows every step without a reload.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.async_api import BrowserContext, Locator, expect

from tests.browser.conftest import SCREENSHOTS, unique_form
from tests.browser.test_credit_on_page import load_into_page
from tests.browser.test_enterprise_page import expect_completed, submit_through_page
from tests.conftest import LiveStack
from tests.e2e.test_officers import bearer as officer
from tests.e2e.test_permits import BAR, EATERY, FOOD, HOTEL_HEALTH, HOTEL_POLICE, with_permit_scope

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
PREMISES = "广州市南沙区港前大道1号101铺"


async def grant_the_hotel_permit(stack: LiveStack, rid: str) -> None:
    police = f"http://127.0.0.1:{stack.ports['police']}/api/v1/departments/police/permits"
    async with httpx.AsyncClient(timeout=10) as client:
        queue = (await client.get(f"{police}/queue", headers=officer("p-1", "police"))).json()
        case = next(c for c in queue if c["registration_id"] == rid)
        granted = await client.post(
            f"{police}/{case['case_id']}/decision",
            json={"decision": "approve"},
            headers=officer("p-1", "police"),
        )
        assert granted.status_code == 200, granted.text


async def test_the_enterprise_files_commits_and_applies_for_its_permits_on_the_page(
    live_stack: LiveStack, sample_form: dict[str, Any], context: BrowserContext
) -> None:
    page = await context.new_page()
    await page.goto(f"{live_stack.notifier_url}/page")
    form = with_permit_scope(unique_form(sample_form))
    await load_into_page(page, form)
    rid = await submit_through_page(page, form)
    await expect_completed(page, rid)

    panel = page.locator(f"details.permits[data-rid='{rid}']")
    items = panel.locator("ul.permit-list > li")
    await expect(items).to_have_count(5, timeout=60_000)
    await panel.locator("summary").click()

    def permit(permit_id: str) -> Locator:
        return panel.locator(f"li[data-permit='{permit_id}']")

    await expect(permit(BAR)).to_contain_text("无需办理")
    await expect(permit(BAR).locator("form")).to_have_count(0)
    await expect(permit(HOTEL_HEALTH)).to_contain_text("卫生健康局")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.locator("#licences-card").screenshot(path=str(SCREENSHOTS / "page-permits-form.png"))

    food = permit(FOOD).locator("form.permit")
    await food.locator(f"#pm-{rid}-{FOOD}-premises").fill(PREMISES)
    await food.locator("button[type=submit]").click()  # the commitment unsigned: refused
    await expect(permit(FOOD)).to_have_attribute("data-state", "noticed")
    await food.locator(f"#pm-{rid}-{FOOD}-commit").check()
    await food.locator("button[type=submit]").click()
    await expect(page.locator("#flash")).to_have_text("已提交主管部门。")
    await expect(permit(FOOD)).to_have_attribute("data-state", "approved", timeout=60_000)
    await expect(permit(FOOD)).to_contain_text("许可已批准")

    eatery = permit(EATERY).locator("form.permit")
    await eatery.locator(f"#pm-{rid}-{EATERY}-premises").fill(PREMISES)
    await eatery.locator("button[type=submit]").click()
    await expect(permit(EATERY)).to_have_attribute("data-state", "filed", timeout=60_000)

    hotel = permit(HOTEL_POLICE).locator("form.permit")
    await hotel.locator(f"#pm-{rid}-{HOTEL_POLICE}-premises").fill(PREMISES)
    await hotel.locator(f"#pm-{rid}-{HOTEL_POLICE}-description").fill("客房 24 间")
    await hotel.locator("button[type=submit]").click()
    await expect(permit(HOTEL_POLICE)).to_have_attribute("data-state", "in_review", timeout=60_000)
    await expect(permit(HOTEL_POLICE)).to_contain_text("办结期限")
    await grant_the_hotel_permit(live_stack, rid)
    await expect(permit(HOTEL_POLICE)).to_have_attribute("data-state", "approved", timeout=60_000)
    await expect(permit(HOTEL_POLICE)).to_contain_text("POL-")
    entries = page.locator(f"article[data-rid='{rid}'] ol.timeline li[data-department='permit']")
    await expect(entries.first).to_be_visible()
    await page.locator("#licences-card").screenshot(path=str(SCREENSHOTS / "page-permits.png"))

    await page.click("#lang")
    await expect(permit(HOTEL_POLICE)).to_contain_text("permit granted")
    await expect(permit(BAR)).to_contain_text("the business licence is enough")
