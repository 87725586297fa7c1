"""The enterprise page in a real browser: submit, watch it complete live, correct, two instances."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import (
    SCREENSHOTS,
    arrivals,
    assert_live,
    new_context,
    screenshot,
    sign_in,
    unique_form,
)
from tests.conftest import LiveStack, wait_for_overall
from tests.e2e.test_officers import (
    bearer,
    police_ask_for_a_correction,
    police_case_in_review,
    timeline_reads,
)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
COMPLETE_SECONDS = 60


async def submit_through_page(page: Page, form: dict[str, Any]) -> str:
    """The guided form comes filled with the sample; the enterprise types its own name."""
    name = page.locator("#f-enterprise-name")
    await expect(name).not_to_have_value("", timeout=10_000)
    await name.fill(form["enterprise"]["name"])
    shown = page.locator("#submitted code").first
    before = (await shown.inner_text()).strip() if await shown.count() else ""
    await page.click("#submit-btn")
    await expect(shown).to_have_text(re.compile(r"^[0-9a-f]{32}$"), timeout=10_000)
    await expect(shown).not_to_have_text(before or "-", timeout=10_000)
    return (await shown.inner_text()).strip()


async def expect_completed(page: Page, rid: str) -> None:
    overall = page.locator(f"article[data-rid='{rid}'] .overall")
    await expect(overall).to_have_attribute(
        "data-overall", "completed", timeout=COMPLETE_SECONDS * 1000
    )


async def assert_every_change_shown_once(
    page: Page, client: httpx.AsyncClient, base: str, rid: str
) -> None:
    """The page holds exactly the timeline's entries, each once, in the timeline's order.

    The credit portrait follows completion by a moment (a background consumer), so the page
    and the timeline are compared until they agree, for at most 15 s."""
    deadline = time.monotonic() + 15
    while True:
        body = await (await page.context.request.get(f"{base}/page/api/me")).json()
        view = next(r for r in body["registrations"] if r["registration_id"] == rid)
        shown = await page.locator(f"article[data-rid='{rid}'] ol.timeline li").evaluate_all(
            "items => items.map(li => Number(li.dataset.seq))"
        )
        assert len(shown) == len(set(shown)), f"an entry is shown twice: {shown}"
        if shown == [e["seq"] for e in view["entries"]] or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert shown == [e["seq"] for e in view["entries"]], (shown, view["entries"])
    times = [e["occurred_at"] for e in view["entries"]]
    assert times == sorted(times)


async def test_submitting_through_the_page_fills_the_timeline_live_to_completed(
    live_stack: LiveStack, sample_form: dict[str, Any], context: BrowserContext
) -> None:
    page = await context.new_page()
    await page.goto(f"{live_stack.notifier_url}/page")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    await page.evaluate("window.__noReload = true")
    await screenshot(page, "01-enterprise-page-sign-in")

    rid = await submit_through_page(page, unique_form(sample_form))
    await expect_completed(page, rid)

    assert await page.evaluate("window.__noReload === true"), "the page reloaded"
    found = [a for a in await arrivals(page) if a["rid"] == rid]
    assert {a["status"] for a in found} >= {"submitted", "approved"}
    seqs = [a["seq"] for a in found]
    assert len(seqs) == len(set(seqs)), "an entry was shown twice"
    delays = assert_live(found)
    print(f"page delays ms: max {max(delays):.0f}, entries {len(delays)}")  # noqa: T201
    async with httpx.AsyncClient(timeout=10) as client:
        await assert_every_change_shown_once(page, client, live_stack.notifier_url, rid)
    # Licensed: the page became the enterprise's home, keyed by its credit code.
    await expect(page).to_have_url(re.compile(r"/page/e/[0-9A-Z]{18}$"), timeout=5000)
    await expect(page.locator("#licences-card a", has_text="PDF").first).to_be_visible()
    await screenshot(page, "02-enterprise-page-completed")

    await page.click("#lang")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("#hall-h")).to_have_text("My service hall")
    await screenshot(page, "03-enterprise-page-english")


async def test_a_page_on_one_notifier_sees_every_change_folded_by_either_instance(
    live_stack: LiveStack, sample_form: dict[str, Any], browser: Browser, second_notifier: str
) -> None:
    context = await new_context(browser)
    try:
        page = await context.new_page()
        await page.goto(f"{second_notifier}/page")
        await page.evaluate("window.__noReload = true")
        rids = []
        # Four registrations: with the group split over two instances, their partitions fall
        # to both, so the page on this instance must learn of changes the other one folded.
        for _ in range(4):
            rids.append(await submit_through_page(page, unique_form(sample_form)))
            await page.click("#more")  # back to the form for the next one
        for rid in rids:
            await expect_completed(page, rid)
        assert await page.evaluate("window.__noReload === true")
        found = await arrivals(page)
        assert_live(found)
        async with httpx.AsyncClient(timeout=10) as client:
            for rid in rids:
                await assert_every_change_shown_once(page, client, second_notifier, rid)
        await screenshot(page, "04-two-notifier-instances")
    finally:
        await context.close()


async def test_a_correction_request_is_a_call_to_action_and_only_that_department_reviews_again(
    live_stack: LiveStack, sample_form: dict[str, Any], context: BrowserContext
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await police_case_in_review(client, live_stack, sample_form)
    await sign_in(context, live_stack.notifier_url, rid, token)
    page = await context.new_page()
    await page.goto(f"{live_stack.notifier_url}/page")
    await expect(page.locator(f"article[data-rid='{rid}']")).to_be_visible()

    async with httpx.AsyncClient(timeout=10) as client:
        await police_ask_for_a_correction(client, live_stack, rid, "p-page")

    cta = page.locator(f"article[data-rid='{rid}'] .cta[data-correction='police']")
    await expect(cta).to_be_visible(timeout=30_000)
    await expect(cta).to_contain_text("seals.maker_id")
    await expect(cta).to_contain_text("请选择已备案的刻章企业")
    await screenshot(page, "05-correction-call-to-action")

    box = cta.locator("textarea")
    assert json.loads(await box.input_value()) == {"seals": {"maker_id": ""}}
    await box.fill(json.dumps({"seals": {"maker_id": "GZ-SEAL-001"}}))
    # The registration service learns of the request from the bus; retry until it has.
    for _ in range(50):
        await cta.locator("button[type=submit]").click()
        try:
            await expect(page.locator("#flash")).to_have_text(
                "补正已提交，相关部门将重新审核。", timeout=500
            )
            break
        except AssertionError:
            continue
    await expect_completed(page, rid)
    async with httpx.AsyncClient(timeout=10) as client:
        timeline = await wait_for_overall(client, live_stack, rid, token, {"completed"})
    rounds = Counter((e["department"], e.get("round", 1)) for e in timeline["entries"])
    assert rounds["police", 2] == 1, timeline  # one review in round 2
    assert all(r == 1 for (d, r) in rounds if d not in {"police", "registration"}), rounds
    await screenshot(page, "06-correction-answered")


CONTRAST = """
(selector) => {
  const rgb = (c) => c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const el = document.querySelector(selector);
  let bg = null;
  for (let node = el; node && !bg; node = node.parentElement) {
    const c = getComputedStyle(node).backgroundColor;
    if (!c.startsWith("rgba(0, 0, 0, 0)") && c !== "transparent") bg = c;
  }
  const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(rgb(bg || "rgb(255,255,255)"))];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""


async def test_the_page_works_by_keyboard_reads_clearly_and_fits_a_phone(
    live_stack: LiveStack, sample_form: dict[str, Any], browser: Browser
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await police_case_in_review(client, live_stack, sample_form)
    context = await new_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = await context.new_page()
        await page.goto(f"{live_stack.notifier_url}/page")
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.className") == "skip"
        await page.keyboard.press("Tab")  # the language switch
        await page.keyboard.press("Enter")
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await page.keyboard.press("Enter")
        await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        # Sign in with the keyboard alone.
        await page.focus("#rid")
        await page.keyboard.type(rid)
        await page.keyboard.press("Tab")
        await page.keyboard.type(token)
        await page.keyboard.press("Enter")
        await expect(page.locator(f"article[data-rid='{rid}']")).to_be_visible()
        for selector in ("#hall-h", "ol.timeline li", "#signout", ".badge"):
            ratio = await page.evaluate(CONTRAST, selector)
            assert ratio >= 4.5, f"{selector}: contrast {ratio:.2f} is below WCAG AA"
        fits = await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert fits, "the page scrolls sideways on a phone"
        await screenshot(page, "11-phone")
    finally:
        await context.close()


async def test_a_wrong_field_is_marked_where_it_is_and_nothing_is_submitted(
    live_stack: LiveStack, context: BrowserContext
) -> None:
    page = await context.new_page()
    await page.goto(f"{live_stack.notifier_url}/page")
    mobile = page.locator("#f-legal_representative-mobile")
    await expect(mobile).to_have_value("13800138000", timeout=10_000)
    await mobile.fill("12345")
    await page.click("#submit-btn")
    await expect(mobile).to_have_attribute("aria-invalid", "true")
    await expect(mobile).to_be_focused()
    note = page.locator("#f-legal_representative-mobile-error")
    await expect(note).to_have_text("手机号码应为11位，以1开头")
    assert await mobile.get_attribute("aria-describedby") == "f-legal_representative-mobile-error"
    await expect(page.locator("#submitted")).to_be_hidden()
    await screenshot(page, "12-form-error")
    # The JSON view shows exactly what the guided form would send.
    await page.click("#json-panel summary")
    await expect(page.locator("#form-json")).to_have_value(re.compile(r"12345"))
    sent = json.loads(await page.locator("#form-json").input_value())
    assert sent["legal_representative"]["mobile"] == "12345"


async def test_the_enterprise_sees_who_saw_its_data_in_chinese_and_english(
    live_stack: LiveStack, sample_form: dict[str, Any], context: BrowserContext
) -> None:
    police = f"http://127.0.0.1:{live_stack.ports['police']}/api/v1/departments/police"
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await police_case_in_review(client, live_stack, sample_form)
        opened = await client.get(f"{police}/cases/{rid}", headers=bearer("p-0451", "police"))
        assert opened.status_code == 200, opened.text
        await timeline_reads(client, live_stack, rid, token, 1)
    await sign_in(context, live_stack.notifier_url, rid, token)
    page = await context.new_page()
    await page.goto(f"{live_stack.notifier_url}/page")
    card = page.locator("#reads-card")
    row = card.locator("tr[data-read-department='police'][data-read-officer='p-0451']")
    await expect(row).to_be_visible(timeout=10_000)
    await expect(card.locator("h2")).to_have_text("数据查阅记录")
    await expect(row).to_contain_text("公安（印章备案）")
    await expect(row).to_contain_text("审查案件")
    await expect(row).to_contain_text("法定代表人")
    await card.screenshot(path=str(SCREENSHOTS / "15-who-saw-my-data.png"))
    await page.click("#lang")
    await expect(card.locator("h2")).to_have_text("Who saw my data")
    await expect(row).to_contain_text("Public security (seals)")
    await expect(row).to_contain_text("reviewing the case")
    await expect(row).to_contain_text("legal representative")
    await card.screenshot(path=str(SCREENSHOTS / "16-who-saw-my-data-english.png"))
