"""Annual reports (企业年报) on the enterprise page: listed as abnormal for a missed year, filed
late on the page, then removed from the list, followed live.

An enterprise founded today owes nothing until 1 January, so the test moves its licence's
founding date back to 2025 (as tests/e2e/test_annual_report.py does): the registration
service's clock lists it for the 2025 report, which the enterprise then files on the page.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import BrowserContext, expect

from tests.browser.conftest import SCREENSHOTS, unique_form
from tests.browser.test_credit_on_page import load_into_page, with_fresh_persons
from tests.browser.test_enterprise_page import expect_completed, submit_through_page
from tests.conftest import LiveStack
from tests.e2e.test_annual_report import founded_in_2025

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
FIGURES = {
    "total_assets_yuan": "1250000",
    "revenue_yuan": "3400000.50",
    "net_profit_yuan": "-20000",
    "tax_paid_yuan": "85000",
}


async def test_a_missed_annual_report_is_filed_late_and_the_listing_removed_on_the_page(
    live_stack: LiveStack, sample_form: dict[str, Any], context: BrowserContext
) -> None:
    page = await context.new_page()
    await page.goto(f"{live_stack.notifier_url}/page")
    # Persons of its own: the abnormal-operations listing lowers the credit class of everyone
    # related to the listed enterprise, and with the sample's persons the tests after this one
    # would be routed to officers until the removal reached credit (a CI run caught that).
    form = with_fresh_persons(unique_form(sample_form))
    await load_into_page(page, form)
    rid = await submit_through_page(page, form)
    await expect_completed(page, rid)

    panel = page.locator(f"details.annual[data-rid='{rid}']")
    await panel.locator("summary").click()
    years = panel.locator(".annual-list > li")
    # The registration service may learn of the completion a moment after the page does.
    await expect(years).to_have_count(1, timeout=15_000)
    await expect(years.first).to_have_attribute("data-state", "not_open")

    await founded_in_2025(live_stack, rid)
    listed = panel.locator(".annual-live li[data-year='2025']")
    await expect(listed).to_have_attribute("data-state", "listed_abnormal", timeout=60_000)
    await expect(listed).to_contain_text("已列入经营异常名录")
    year = panel.locator(".annual-list > li[data-year='2025']")
    await expect(year).to_have_attribute("data-state", "listed_abnormal")
    staff = str(form["employment"]["employee_count"])
    await expect(year.locator(f"#ar-{rid}-2025-employees")).to_have_value(staff)  # pre-filled
    for field, value in FIGURES.items():
        await year.locator(f"#ar-{rid}-2025-{field}").fill(value)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.locator("#licences-card").screenshot(
        path=str(SCREENSHOTS / "page-annual-report-form.png")
    )
    await year.locator("form.annual-report button[type=submit]").click()
    await expect(page.locator("#flash")).to_have_text("年度报告已报送。")
    await expect(year).to_have_attribute("data-state", "filed_late")

    await year.locator("form.annual-removal button[type=submit]").click()
    await expect(page.locator("#flash")).to_have_text("已移出经营异常名录。")
    await expect(listed).to_have_attribute("data-state", "removed", timeout=60_000)
    await expect(panel.locator(".annual-list > li[data-year='2025']")).to_have_attribute(
        "data-state", "removed"
    )
    await page.locator("#licences-card").screenshot(
        path=str(SCREENSHOTS / "page-annual-report.png")
    )

    await page.click("#lang")
    await expect(listed).to_contain_text("removed from the abnormal-operations list")
