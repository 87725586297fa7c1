"""Progress that needs the enterprise goes out on its channels too: a correction asked, the licence."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from tests.conftest import ChannelSinks, LiveStack, wait_for_overall
from tests.e2e.test_officers import police_ask_for_a_correction, police_case_in_review

pytestmark = pytest.mark.e2e


async def wait_notice(
    client: httpx.AsyncClient, base: str, about_prefix: str, timeout: float = 30.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    seen: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        seen = (await client.get(f"{base}/page/api/me")).json()["notifications"]
        found = [n for n in seen if n["kind"] == "progress" and about_prefix in n["title_en"]]
        if found and found[0]["delivered_via"]:
            return found[0]
        await asyncio.sleep(0.3)
    pytest.fail(f"no '{about_prefix}' notice: {seen}")


async def test_a_correction_request_and_the_licence_are_sent_by_email(
    live_stack: LiveStack, sample_form: dict[str, Any], channel_sinks: ChannelSinks
) -> None:
    base = live_stack.notifier_url
    async with httpx.AsyncClient(timeout=10) as api, httpx.AsyncClient(timeout=10) as browser:
        rid, token = await police_case_in_review(api, live_stack, sample_form)
        signed = await browser.post(
            f"{base}/page/api/session", json={"registration_id": rid, "access_token": token}
        )
        assert signed.status_code == 204
        await police_ask_for_a_correction(api, live_stack, rid)

        asked = await wait_notice(browser, base, "asks for a correction")
        assert asked["title_zh"].endswith("请您补正材料")
        assert "请选择已备案的刻章企业" in asked["body_zh"]
        assert asked["delivered_via"] == "email"
        assert [(d["channel"], d["status"]) for d in asked["deliveries"]] == [
            ("page", "delivered"),
            ("email", "delivered"),
        ]
        mailed = [
            m
            for m in channel_sinks.mail.received
            if b"zhangsan@example.com" in m[2] or "zhangsan@example.com" in m[1]
        ]
        assert mailed, "the email server received nothing for the enterprise"

        # Answer the correction; completion sends the licence notice.
        url = f"{live_stack.registration_url}/api/v1/registrations/{rid}/corrections"
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/merge-patch+json",
        }
        for _ in range(100):
            fixed = await api.post(
                url, json={"seals": {"maker_id": "GZ-SEAL-001"}}, headers=headers
            )
            if fixed.status_code == 202:
                break
            await asyncio.sleep(0.1)
        assert fixed.status_code == 202, fixed.text
        await wait_for_overall(api, live_stack, rid, token, {"completed"})
        done = await wait_notice(browser, base, "Registration complete")
        assert "统一社会信用代码 9" in done["body_zh"]
        # Each is sent once, however often Kafka delivers the events behind it.
        notices = (await browser.get(f"{base}/page/api/me")).json()["notifications"]
        abouts = [n["title_en"] for n in notices if n["kind"] == "progress"]
        assert len(abouts) == len(set(abouts)) == 2
