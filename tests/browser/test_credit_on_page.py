"""The credit card (信用评价) on the enterprise page: the portrait once registered, and a fall.

The enterprise submits through the page; once the registration completes the credit service
computes its first portrait and the card shows its class, level, score and the indicators that
counted most, in Chinese and in English. An abnormal-operations listing (经营异常名录) for its
credit code then caps the class at C: the open page shows the fall and the risk warning live.
"""

from __future__ import annotations

import json
import random
import re
from datetime import datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest
from playwright.async_api import BrowserContext, Locator, Page, expect

from contracts.identifiers import resident_id_check_digit
from service_runtime.china_time import CHINA
from tests.browser.conftest import SCREENSHOTS, operator_bearer, unique_form
from tests.browser.test_enterprise_page import expect_completed, submit_through_page
from tests.conftest import LiveStack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
CREDIT_SECONDS = 60  # completion, then the credit consumers (background: they fetch seldom)
MINUS = "\u2212"
GRADE_ZH = re.compile(r"^[ABCD] 类 ([1-9]|10) 级 · \S+$")
GRADE_EN = re.compile(r"^Class [ABCD], level ([1-9]|10) · \S.*$")
POINTS_ZH = re.compile(rf"^[+{MINUS}][0-9]+(\.[0-9])? 分$")
POINTS_EN = re.compile(rf"^[+{MINUS}][0-9]+(\.[0-9])? points$")


def with_fresh_persons(form: dict[str, Any]) -> dict[str, Any]:
    """The form with new identity numbers for its persons (same birth dates and genders).

    The listing this test makes is joint punishment for every enterprise sharing a person with
    the listed one (screening.py): with the sample's persons, every later submission of the
    session's stack would go to a credit officer. Persons of its own keep the listing to itself.
    """
    text = json.dumps(form, ensure_ascii=False)
    for old in sorted(set(re.findall(r'"id_number": "([0-9]{17}[0-9X])"', text))):
        sequence = random.choice([n for n in range(100) if n != int(old[14:16])])  # noqa: S311
        first17 = f"{old[:14]}{sequence:02d}{old[16]}"  # the 17th digit keeps the gender
        text = text.replace(old, first17 + resident_id_check_digit(first17))
    fresh: dict[str, Any] = json.loads(text)
    return fresh


async def load_into_page(page: Page, form: dict[str, Any]) -> None:
    """Paste the form into the page's JSON view and load it into the guided form."""
    await expect(page.locator("#f-enterprise-name")).not_to_have_value("", timeout=10_000)
    await page.click("#json-panel summary")
    box = page.locator("#form-json")
    await expect(box).not_to_have_value("")  # the view's own copy, written when it opens
    await box.fill(json.dumps(form, ensure_ascii=False))
    await page.click("#json-load")
    await expect(page.locator("#submit-errors")).to_have_text("")
    rep_id = page.locator("#f-legal_representative-id_number")
    await expect(rep_id).to_have_value(form["legal_representative"]["id_number"])


async def page_view(page: Page, base: str, rid: str) -> dict[str, Any]:
    """The registration as the page's API serves it to this browser."""
    body = await (await page.context.request.get(f"{base}/page/api/me")).json()
    view: dict[str, Any] = next(r for r in body["registrations"] if r["registration_id"] == rid)
    return view


async def assert_explained(card: Locator, view: dict[str, Any], lang: str) -> None:
    """Each indicator of the portrait is a row: its label in this language, signed points."""
    rows = card.locator("ul.explanation li")
    explanation = view["credit"]["explanation"]
    assert explanation, view["credit"]
    await expect(rows).to_have_count(len(explanation))
    for at, item in enumerate(explanation):
        row = rows.nth(at)
        await expect(row).to_have_attribute("data-indicator", item["indicator"])
        await expect(row).to_contain_text(item[f"label_{lang}"])
        points = row.locator(".points")
        await expect(points).to_have_text(POINTS_ZH if lang == "zh" else POINTS_EN)
        sign = MINUS if item["contribution"] < 0 else "+"
        assert (await points.inner_text()).startswith(sign), (item, await points.inner_text())


async def list_as_abnormal(live_stack: LiveStack, uscc: str, name: str) -> None:
    """The market regulator lists the enterprise (经营异常名录), through the credit service."""
    url = f"http://127.0.0.1:{live_stack.ports['credit']}/api/v1/credit/lists/abnormal_operations/entries"
    entry = {
        "list": "abnormal_operations",
        "entry_id": f"page-test-{uuid4().hex}",
        "subject_kind": "enterprise",
        "subject_id": uscc,
        "subject_name": name,
        "listed_on": datetime.now(CHINA).date().isoformat(),
        "authority": "广州市南沙区市场监督管理局",
        "reason": "通过登记的住所无法联系",
    }
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(url, json={"entries": [entry]}, headers=operator_bearer())
    assert response.status_code == 200, response.text
    assert response.json() == {"recorded": 1, "unchanged": 0}


async def expect_first_portrait(page: Page, base: str, rid: str) -> dict[str, Any]:
    """The card shows the portrait the API serves, in Chinese then English; returns the view."""
    card = page.locator("#credit-card")
    rating = card.locator(f".credit[data-rid='{rid}']")
    await expect(rating).to_be_visible(timeout=CREDIT_SECONDS * 1000)
    await expect(card.locator("h2")).to_have_text("信用评价")
    view = await page_view(page, base, rid)
    credit = view["credit"]
    assert credit is not None
    assert credit["credit_class"] in ("A", "B"), f"a new enterprise is already at risk: {credit}"
    await expect(rating).to_have_attribute("data-credit-class", credit["credit_class"])
    await expect(rating).to_have_attribute("data-level", str(credit["level"]))
    grade = rating.locator(".grade")
    await expect(grade).to_have_text(GRADE_ZH)
    await expect(grade).to_have_text(
        f"{credit['credit_class']} 类 {credit['level']} 级 · {credit['label_zh']}"
    )
    await expect(rating.locator(".score")).to_have_text(str(credit["score"]))
    await expect(rating.locator(".risk")).to_have_count(0)
    await assert_explained(rating, view, "zh")
    # The portrait is in the timeline too, as the credit department's entry.
    entry = page.locator(f"article[data-rid='{rid}'] ol.timeline li[data-status='credit_profile']")
    await expect(entry.first).to_contain_text("信用评价")
    await card.screenshot(path=str(SCREENSHOTS / "page-credit.png"))

    await page.click("#lang")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(card.locator("h2")).to_have_text("Credit rating")
    await expect(grade).to_have_text(GRADE_EN)
    await expect(grade).to_contain_text(credit["label_en"])
    await assert_explained(rating, view, "en")
    await card.screenshot(path=str(SCREENSHOTS / "page-credit-en.png"))
    return view


async def expect_fallen_to_class_c(page: Page, base: str, rid: str) -> None:
    """The open page (in English) shows class C and the risk warning, then in Chinese."""
    card = page.locator("#credit-card")
    rating = card.locator(f".credit[data-rid='{rid}']")
    grade = rating.locator(".grade")
    await expect(rating).to_have_attribute("data-credit-class", "C", timeout=CREDIT_SECONDS * 1000)
    risk = rating.locator(".risk")
    await expect(risk).to_be_visible(timeout=CREDIT_SECONDS * 1000)
    await expect(risk).to_contain_text("Risk warning")
    await expect(risk).to_contain_text("credit risk warning: class C")
    await expect(grade).to_have_text(re.compile(r"^Class C, level [78] · "))
    listed = rating.locator("li[data-indicator='abnormal_operations_active']")
    await expect(listed).to_contain_text(f"{MINUS}150 points")
    flagged = page.locator(f"article[data-rid='{rid}'] ol.timeline li[data-status='risk_flagged']")
    await expect(flagged).to_have_count(1)

    await page.click("#lang")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    await expect(grade).to_have_text(re.compile(r"^C 类 [78] 级 · 失信风险$"))
    await expect(risk).to_contain_text("风险警示")
    await expect(risk).to_contain_text("信用风险警示：C类")
    await expect(flagged).to_contain_text("信用风险警示")
    fallen = await page_view(page, base, rid)
    assert fallen["credit"]["credit_class"] == "C", fallen["credit"]
    await assert_explained(rating, fallen, "zh")
    await card.screenshot(path=str(SCREENSHOTS / "page-credit-risk.png"))


async def test_the_credit_card_shows_the_portrait_and_its_fall_into_class_c_live(
    live_stack: LiveStack, sample_form: dict[str, Any], context: BrowserContext
) -> None:
    base = live_stack.notifier_url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = await context.new_page()
    await page.goto(f"{base}/page")
    await page.evaluate("window.__noReload = true")
    form = with_fresh_persons(unique_form(sample_form))
    await load_into_page(page, form)
    rid = await submit_through_page(page, form)
    # Without a portrait the card is hidden. The page is read before the API: a portrait the
    # API still lacks cannot have reached the page earlier.
    hidden_before = await page.locator("#credit-card").is_hidden()
    if (await page_view(page, base, rid))["credit"] is None:
        assert hidden_before, "the credit card shows without a portrait"

    await expect_completed(page, rid)
    view = await expect_first_portrait(page, base, rid)

    # The fall: listed as abnormal today, the enterprise is class C at best, and warned.
    await list_as_abnormal(live_stack, view["uscc"], form["enterprise"]["name"])
    await expect_fallen_to_class_c(page, base, rid)
    assert await page.evaluate("window.__noReload === true"), "the page reloaded"


RENDER_CREDIT = """
() => {
  const flag = {seq: 3, department: "credit", status: "risk_flagged",
    occurred_at: "2026-01-01T00:00:00.123000+00:00", message_zh: "信用风险警示", message_en: "warning"};
  const portrait = (cls, at) => ({credit_class: cls, level: cls === "B" ? 4 : 7, score: 700,
    label_zh: "<b>基本守信</b>", label_en: "generally trustworthy", computed_at: at,
    explanation: [{indicator: "x", label_zh: "<img src=x>", label_en: "x", value: 1, contribution: -80.4},
      {indicator: "y", label_zh: "y", label_en: "y", value: 0.1, contribution: 0.44}]});
  const one = (credit, entries) => renderCredit([{registration_id: "r1", name: "n", credit, entries}]);
  return {
    none: one(null, [flag]),
    flagged: one(portrait("C", flag.occurred_at), [flag]),
    recovered: one(portrait("B", "2026-02-01T00:00:00+00:00"), [flag]),
    before_its_portrait: one(portrait("B", "2025-12-31T00:00:00+00:00"), [flag]),
  };
}
"""


async def test_a_warning_shows_until_a_later_portrait_is_out_of_class_c_and_all_is_escaped(
    live_stack: LiveStack, context: BrowserContext
) -> None:
    page = await context.new_page()
    await page.goto(f"{live_stack.notifier_url}/page")
    await page.wait_for_function("typeof renderCredit === 'function'")
    html = await page.evaluate(RENDER_CREDIT)
    assert html["none"] == ""  # no portrait: nothing, even with a warning in the timeline
    assert 'class="risk"' in html["flagged"]
    assert 'class="risk"' not in html["recovered"]  # a later portrait in class B ends it
    # The warning may come before the portrait it belongs to (another topic): it shows.
    assert 'class="risk"' in html["before_its_portrait"]
    assert "<img" not in html["flagged"]
    assert "<b>" not in html["flagged"]
    assert f"{MINUS}80 分" in html["flagged"]
    assert "+0.4 分" in html["flagged"]
    await expect(page.locator("#credit-card")).to_be_hidden()  # signed out
