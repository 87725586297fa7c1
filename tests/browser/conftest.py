"""Headless Chromium (Debian's package) driven by Playwright, against the live stack's pages."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from service_runtime.access import issue_operator_token
from tests.conftest import ROOT, LiveStack, with_unique_name
from tools.localstack import free_port, service_env, wait_healthy

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# Flags that work on these machines: no sandbox as root, no calls to Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OPERATOR_SECRET = "local-development-only-operators"  # the stack's default

# Records when each timeline entry first appears in the page, by the browser's own clock.
RECORD_ARRIVALS = """
window.__arrivals = [];
window.__loadedAt = Date.now();
const seen = new Set();
new MutationObserver(() => {
  document.querySelectorAll("article.registration ol.timeline li").forEach((li) => {
    const rid = li.closest("article").dataset.rid;
    const key = `${rid}:${li.dataset.seq}`;
    if (seen.has(key)) return;
    seen.add(key);
    window.__arrivals.push({rid, seq: Number(li.dataset.seq), status: li.dataset.status,
      occurred: Date.parse(li.dataset.occurredAt), seen: Date.now()});
  });
}).observe(document, {subtree: true, childList: true});
"""


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} missing: `make test` installs Debian chromium"  # noqa: PTH110, ASYNC240
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    ctx = await browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    await ctx.add_init_script(RECORD_ARRIVALS)
    yield ctx
    await ctx.close()


async def new_context(browser: Browser, **options: Any) -> BrowserContext:
    ctx = await browser.new_context(**{"viewport": {"width": 1200, "height": 900}, **options})
    await ctx.add_init_script(RECORD_ARRIVALS)
    return ctx


async def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


def unique_form(sample: dict[str, Any]) -> dict[str, Any]:
    return with_unique_name(json.loads(json.dumps(sample)))


async def sign_in(context: BrowserContext, base: str, rid: str, token: str) -> None:
    """The one login, done through the page's API with the browser's own cookie jar."""
    response = await context.request.post(
        f"{base}/page/api/session", data={"registration_id": rid, "access_token": token}
    )
    assert response.status == 204, await response.text()


def operator_bearer() -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_operator_token(OPERATOR_SECRET, 'ops-test')}"}


async def arrivals(page: Page) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await page.evaluate("window.__arrivals")
    return found


def assert_live(found: list[dict[str, Any]]) -> list[float]:
    """Each change reached the open page by push, after its status event; returns the delays.

    How fast is the benchmark's business (`make bench`), not a test's: a timing asserted on a
    shared 2-core machine fails on load, not on a defect.
    """
    assert found, "no change reached the open page"
    delays = [a["seen"] - a["occurred"] for a in found]
    # Clocks: the event's time comes from the service, `seen` from the browser, same machine.
    early = [a for a, d in zip(found, delays, strict=True) if d < -50]
    assert not early, f"shown before the event happened: {early}"
    return delays


@pytest.fixture
def second_notifier(live_stack: LiveStack) -> Iterator[str]:
    """Another notifier instance in the same consumer group, with its own HTTP port."""
    port = free_port()
    name = f"notifier-{port}"
    env = service_env(live_stack.stack, "notifier", port, live_stack.extra_env)
    process = live_stack.stack.spawn(name, [sys.executable, "-m", "services.notifier"], env)
    wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
    yield f"http://127.0.0.1:{port}"
    live_stack.stack.stop_process(name)
