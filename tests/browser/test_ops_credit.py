"""The dashboard's credit figures and its random-inspection form, in a real browser.

An enterprise registers and is then listed as abnormal (class C, a risk warning); /ops shows
the class counts and the warning, and its form draws a period's inspections and links to their
public results page.
"""

from __future__ import annotations

import re
import shutil
from typing import Any

import httpx
import pytest
from playwright.async_api import BrowserContext, FloatRect, Page, expect

from tests.browser.conftest import SCREENSHOTS, operator_bearer
from tests.conftest import ROOT, LiveStack
from tests.e2e.test_credit_dashboard import (
    CREDIT_SECONDS,
    completed_with_portrait,
    credit_url,
    founded_by_others,
    listed_as_abnormal,
    portrait_of,
    unique_period,
)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
DOCS_SCREENSHOT = ROOT / "docs" / "screenshots" / "ops-credit.png"
SEED = "9007199254740993"  # 2^53 + 1: a JS number would show it as …992


async def shoot_credit_sections(page: Page) -> None:
    """The two credit cards and the draw form, from the top of the one to the foot of the other;
    kept with the other screenshots and copied for docs/operations.md."""
    await page.evaluate("window.scrollTo(0, 0)")  # boxes are then in the page's coordinates
    top = await page.locator("section[aria-labelledby='credit-h']").bounding_box()
    foot = await page.locator("section[aria-labelledby='draw-h']").bounding_box()
    assert top is not None, "the credit cards are not laid out"
    assert foot is not None, "the draw form is not laid out"
    width = await page.evaluate("document.documentElement.scrollWidth")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "ops-credit.png"
    clip: FloatRect = {
        "x": 0,
        "y": top["y"] - 8,
        "width": width,
        "height": foot["y"] + foot["height"] - top["y"] + 16,
    }
    await page.screenshot(path=str(shot), clip=clip, full_page=True)
    DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, DOCS_SCREENSHOT)


@pytest.fixture
def ops_base(live_stack: LiveStack) -> str:
    """The stack's notifier: its CREDIT_SERVICE_URL is this stack's credit service."""
    return live_stack.notifier_url


async def expect_credit_figures(page: Page, doc: dict[str, Any], fallen_class: str) -> None:
    """The class counts (the fallen enterprise's class counted) and its risk warning."""
    await expect(page.locator("#credit-classes [data-credit-class]")).to_have_count(4)
    counted = page.locator(f"#credit-classes [data-credit-class='{fallen_class}']")
    await expect(counted).to_have_text(re.compile(r"^[1-9][0-9]*$"), timeout=30_000)
    await expect(page.locator("#credit-classes")).to_contain_text(
        "失信风险 · at risk of untrustworthiness"
    )
    flag = page.locator(f"#credit-flags [data-flag='{doc['_id']}']")
    await expect(flag).to_be_visible(timeout=CREDIT_SECONDS * 1000)
    await expect(flag).to_contain_text(doc["profile"]["name"])
    await expect(flag).to_contain_text(doc["uscc"])
    await expect(flag).to_contain_text("信用风险警示")
    await expect(flag).to_contain_text("credit risk warning")


async def draw_through_the_form(page: Page, period: str) -> None:
    await page.fill("#i-period", period)
    await page.fill("#i-seed", SEED)
    await page.click("#inspection-form button[type=submit]")


async def test_the_dashboard_shows_credit_and_draws_inspections(
    live_stack: LiveStack, sample_form: dict[str, Any], context: BrowserContext, ops_base: str
) -> None:
    period = unique_period()
    url = f"{credit_url(live_stack)}/credit/inspections/{period}"
    async with httpx.AsyncClient(timeout=10) as client:
        doc = await completed_with_portrait(client, live_stack, founded_by_others(sample_form))
        async with listed_as_abnormal(client, live_stack, doc):
            fallen = await portrait_of(live_stack, doc["_id"], {"C", "D"})
            page = await context.new_page()
            await page.goto(f"{ops_base}/ops")
            token = operator_bearer()["Authorization"].removeprefix("Bearer ")
            await page.fill("#op-token", token)
            await page.click("#signin-form button[type=submit]")
            await expect(page.locator("#board")).to_be_visible()
            await expect_credit_figures(page, doc, fallen["credit"]["credit_class"])

            await draw_through_the_form(page, period)
            link = page.locator("#inspection-link")
            await expect(link).to_be_visible(timeout=30_000)
            await expect(link).to_have_attribute("href", url)
            drawn = page.locator(f"#inspection-result [data-drawn='{period}']")
            await expect(drawn).to_contain_text("已抽取 · drawn")
            await expect(page.locator("#inspection-result [data-seed]")).to_have_text(SEED)
            await shoot_credit_sections(page)

    # The same period again: the credit service's refusal, shown as it gave it.
    await page.click("#inspection-form button[type=submit]")
    refused = page.locator("#inspection-result [data-draw-error='period_already_drawn']")
    await expect(refused).to_be_visible(timeout=30_000)

    # The link opens the public results page, without a token.
    results = await context.new_page()
    await results.goto(url)
    await expect(results.locator("body")).to_contain_text(period)
    await expect(results.locator("body")).to_contain_text(SEED)
