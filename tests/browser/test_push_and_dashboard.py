"""Proactive push and the operators' dashboard, in a real browser against the live stack."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from playwright.async_api import Browser, BrowserContext, Page, expect
from pymongo import AsyncMongoClient

from service_runtime.china_time import CHINA
from services.notifier.audience import Audience
from services.notifier.notifications import NotificationStore
from services.notifier.reminder_job import emit_due_reminders
from services.notifier.store import MongoTimelineStore
from services.notifier.timeline_reads import TimelineReads
from tests.browser.conftest import (
    SCREENSHOTS,
    new_context,
    operator_bearer,
    screenshot,
    sign_in,
)
from tests.conftest import ChannelSinks, LiveStack, submit, wait_for_overall
from tests.e2e.test_traces import trace_of
from tests.support.policies import publish_policy

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
NOTICE_SECONDS = 30


def unused_industry_code() -> str:
    """Section T (international organisations) is not used by the other tests' forms."""
    return f"T{random.randint(1000, 9999)}"  # noqa: S311


async def registered(
    client: httpx.AsyncClient, stack: LiveStack, form: dict[str, Any], *, complete: bool = True
) -> tuple[str, str]:
    rid, token = await submit(client, stack, form)
    if complete:
        await wait_for_overall(client, stack, rid, token, {"completed"})
    return rid, token


async def page_for(
    browser: Browser, stack: LiveStack, rid: str, token: str
) -> tuple[BrowserContext, Page]:
    context = await new_context(browser)
    await sign_in(context, stack.notifier_url, rid, token)
    page = await context.new_page()
    await page.goto(f"{stack.notifier_url}/page")
    await expect(page.locator(f"article[data-rid='{rid}']")).to_be_visible()
    return context, page


async def open_dashboard(page: Page, stack: LiveStack, fragment: str = "") -> None:
    await page.goto(f"{stack.notifier_url}/ops{fragment}")
    await page.fill("#op-token", operator_bearer()["Authorization"].removeprefix("Bearer "))
    await page.click("#signin-form button[type=submit]")
    await expect(page.locator("#board")).to_be_visible()
    await expect(page.locator("#updated")).not_to_be_empty(timeout=10_000)


async def test_an_annual_report_reminder_appears_when_the_clock_moves_into_the_window(
    live_stack: LiveStack, sample_form: dict[str, Any], browser: Browser
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await registered(client, live_stack, sample_form)
    context, page = await page_for(browser, live_stack, rid, token)
    try:
        await expect(page.locator("#reminders [data-kind=reminder]")).to_have_count(0)
        # The scheduler itself, on the stack's database and broker, with its clock moved to
        # the next 5 January (China time): inside the 1 January to 30 June annual-report window.
        next_year = datetime.now(CHINA).year + 1
        moved = datetime(next_year, 1, 5, 9, 0, tzinfo=CHINA)
        mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            live_stack.mongodb_uri, tz_aware=True
        )
        producer = AIOKafkaProducer(bootstrap_servers=live_stack.kafka, enable_idempotence=False)
        await producer.start()
        try:

            async def publish(
                topic: str, key: str, payload: bytes, headers: dict[str, str]
            ) -> None:
                await producer.send_and_wait(
                    topic,
                    payload,
                    key=key.encode(),
                    headers=[(k, v.encode()) for k, v in headers.items()],
                )

            database = mongo[f"{live_stack.database_prefix}notifier"]
            audience = Audience(TimelineReads(database[MongoTimelineStore.collection_name]))
            emitted = await emit_due_reminders(
                audience, NotificationStore(database), publish, moved
            )
            assert emitted >= 1
        finally:
            await producer.stop()
            await mongo.close()
        reminder = page.locator("#reminders [data-kind=reminder]", has_text=f"{next_year - 1}年度")
        await expect(reminder).to_be_visible(timeout=NOTICE_SECONDS * 1000)
        await expect(reminder).to_contain_text(f"截止 {next_year}-06-30")
        await screenshot(page, "07-annual-report-reminder")
    finally:
        await context.close()


async def test_a_tagged_policy_notice_reaches_exactly_the_one_matching_enterprise_of_three(
    live_stack: LiveStack, sample_form: dict[str, Any], browser: Browser
) -> None:
    code, other = unused_industry_code(), unused_industry_code()
    while other == code:
        other = unused_industry_code()
    forms = []
    for industry, employees in ((code, 12), (code, 150), (other, 12)):
        form = {
            **sample_form,
            "enterprise": {**sample_form["enterprise"], "industry_code": industry},
        }
        form["employment"] = {**sample_form["employment"], "employee_count": employees}
        forms.append(form)
    async with httpx.AsyncClient(timeout=10) as client:
        enterprises = [await registered(client, live_stack, f, complete=False) for f in forms]
    pages = [await page_for(browser, live_stack, rid, token) for rid, token in enterprises]
    ops_context = await new_context(browser)
    try:
        ops = await ops_context.new_page()
        await open_dashboard(ops, live_stack)
        await ops.fill("#p-title-zh", "南沙小微企业扶持政策")
        await ops.fill("#p-title-en", "Support for small firms in Nansha")
        await ops.fill("#p-body-zh", "符合条件的小型企业可申请租金补贴。")
        await ops.fill("#p-body-en", "Eligible small firms may apply for a rent subsidy.")
        await ops.fill("#p-areas", "nansha")
        await ops.fill("#p-industry", code)
        await ops.fill("#p-sizes", "small")
        await ops.click("#policy-form button[type=submit]")
        await expect(ops.locator("#policy-result")).to_contain_text("已发布")
        await screenshot(ops, "08-operators-dashboard")

        matching = pages[0][1].locator(
            "#policies [data-kind=policy]", has_text="南沙小微企业扶持政策"
        )
        await expect(matching).to_be_visible(timeout=NOTICE_SECONDS * 1000)
        await screenshot(pages[0][1], "09-policy-notice")
        await asyncio.sleep(2)  # a notice for the others would have been stored together with it
        for _, page in pages[1:]:
            await expect(
                page.locator("#policies [data-kind=policy]", has_text="南沙小微企业扶持政策")
            ).to_have_count(0)
        for (rid, _), (context, _) in zip(enterprises, pages, strict=True):
            body = await (
                await context.request.get(f"{live_stack.notifier_url}/page/api/me")
            ).json()
            titles = [n["title_zh"] for n in body["notifications"] if n["kind"] == "policy"]
            assert titles.count("南沙小微企业扶持政策") == (1 if rid == enterprises[0][0] else 0)
    finally:
        for context, _ in pages:
            await context.close()
        await ops_context.close()


async def test_a_refused_email_falls_back_to_sms_and_both_attempts_are_recorded(
    live_stack: LiveStack,
    sample_form: dict[str, Any],
    browser: Browser,
    channel_sinks: ChannelSinks,
) -> None:
    code = unused_industry_code()
    mobile = f"139{random.randint(10_000_000, 99_999_999)}"  # noqa: S311
    form = {**sample_form, "enterprise": {**sample_form["enterprise"], "industry_code": code}}
    form["legal_representative"] = {
        **sample_form["legal_representative"],
        "email": "boss@bounce.example",
        "mobile": mobile,
    }
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await registered(client, live_stack, form, complete=False)
        context, page = await page_for(browser, live_stack, rid, token)
        try:
            await publish_policy(
                client,
                live_stack.notifier_url,
                code,
                ("跨境电商出口退税指引", "Export tax rebates for cross-border e-commerce"),
                ("出口退税办理指引已更新。", "The export rebate guide has been updated."),
            )
            notice = page.locator("#policies [data-kind=policy]", has_text="跨境电商出口退税指引")
            await expect(notice).to_be_visible(timeout=NOTICE_SECONDS * 1000)
            await expect(notice).to_have_attribute("data-delivered-via", "sms")
            await expect(notice).to_contain_text("短信")
            await screenshot(page, "10-email-fell-back-to-sms")
            body = await (
                await context.request.get(f"{live_stack.notifier_url}/page/api/me")
            ).json()
        finally:
            await context.close()
    sent = next(n for n in body["notifications"] if n["title_zh"] == "跨境电商出口退税指引")
    assert [(d["channel"], d["status"]) for d in sent["deliveries"]] == [
        ("page", "delivered"),
        ("email", "failed"),
        ("sms", "delivered"),
    ]
    assert "550" in sent["deliveries"][1]["detail"]
    texts = [
        r.body["text"]
        for r in channel_sinks.sms.received
        if r.body["to"] == mobile and "出口退税办理指引已更新" in r.body["text"]
    ]
    assert len(texts) == 1  # the policy went out once, by SMS


async def test_the_dashboard_counts_a_new_registration_live(
    live_stack: LiveStack, sample_form: dict[str, Any], context: BrowserContext
) -> None:
    page = await context.new_page()
    await open_dashboard(page, live_stack)
    total = page.locator("#total")
    before = int(await total.get_attribute("data-total") or 0)
    async with httpx.AsyncClient(timeout=10) as client:
        await submit(client, live_stack, sample_form)
        # Counted without a reload: the dashboard's own push (how fast: `make bench`).
        # Polled from here: the page's CSP forbids evaluating a string as script.
        await expect(total).not_to_have_attribute("data-total", str(before), timeout=15_000)
    await expect(page.locator("#lag table")).to_be_visible()
    await expect(page.locator("#processing figure").first).to_be_visible()


async def test_the_dashboard_refuses_a_wrong_token(
    live_stack: LiveStack, context: BrowserContext
) -> None:
    page = await context.new_page()
    await page.goto(f"{live_stack.notifier_url}/ops")
    await page.fill("#op-token", "not-a-token")
    await page.click("#signin-form button[type=submit]")
    await expect(page.locator("#signin-error")).to_contain_text("missing or invalid access token")
    await expect(page.locator("#board")).to_be_hidden()


async def test_an_operator_opens_a_registrations_trace_as_a_waterfall(
    live_stack: LiveStack, sample_form: dict[str, Any], browser: Browser
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        rid, _ = await registered(client, live_stack, sample_form)
        await trace_of(client, live_stack, rid, set(live_stack.ports))
    context = await new_context(browser)
    try:
        ops = await context.new_page()
        # From the slowest registrations of the last hour, one click away.
        await open_dashboard(ops, live_stack)
        first = ops.locator("#slowest [data-trace]").first
        await expect(first).to_be_visible(timeout=10_000)
        await first.click()
        await expect(ops.locator("#trace")).to_be_visible()
        await expect(ops.locator("#waterfall svg, #waterfall .errors").first).to_be_visible()
        # And by a link naming the registration, as an operator would share it.
        linked = await context.new_page()
        await open_dashboard(linked, live_stack, f"#trace={rid}")
        await expect(linked.locator("#trace-h")).to_contain_text(rid)
        await expect(linked.locator("#waterfall svg")).to_be_visible(timeout=10_000)
        services = set(
            await linked.eval_on_selector_all(
                "#waterfall [data-service]", "els => els.map(e => e.dataset.service)"
            )
        )
        assert services >= set(live_stack.ports), services
        await screenshot(linked, "13-trace-waterfall")
        card = linked.locator("section", has=linked.locator("#trace"))
        await card.screenshot(path=str(SCREENSHOTS / "14-trace-waterfall-card.png"))
    finally:
        await context.close()
