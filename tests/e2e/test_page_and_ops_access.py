"""Bad input on the enterprise page and the dashboard: refusals that show nothing, and re-drive."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from contracts.topics import submitted_topic
from service_runtime.access import Officer, issue_officer_token, issue_operator_token
from tests.conftest import LiveStack, submit, wait_for_overall
from tests.support.kafka_helpers import produce

pytestmark = pytest.mark.e2e
OPERATOR = {
    "Authorization": f"Bearer {issue_operator_token('local-development-only-operators', 'ops-t')}"
}


async def signed_in(client: httpx.AsyncClient, stack: LiveStack, rid: str, token: str) -> None:
    response = await client.post(
        f"{stack.notifier_url}/page/api/session",
        json={"registration_id": rid, "access_token": token},
    )
    assert response.status_code == 204, response.text
    assert "httponly" in response.headers["set-cookie"].lower()


async def test_another_enterprises_registration_is_refused_and_shows_nothing(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as api:
        mine, my_token = await submit(api, live_stack, sample_form)
        theirs, their_token = await submit(api, live_stack, sample_form)
        licensed = await wait_for_overall(api, live_stack, theirs, their_token, {"completed"})
    their_uscc = next(
        a["number"]
        for e in licensed["entries"]
        for a in e.get("artefacts", [])
        if a["kind"] == "unified_social_credit_code"
    )
    base = live_stack.notifier_url
    async with httpx.AsyncClient(timeout=10) as browser:
        assert (await browser.get(f"{base}/page/api/me")).status_code == 401
        assert (await browser.get(f"{base}/page/api/stream")).status_code == 401
        wrong = await browser.post(
            f"{base}/page/api/session", json={"registration_id": theirs, "access_token": my_token}
        )
        assert wrong.status_code == 401
        assert wrong.json()["message_zh"]
        await signed_in(browser, live_stack, mine, my_token)

        me = (await browser.get(f"{base}/page/api/me")).json()
        assert [r["registration_id"] for r in me["registrations"]] == [mine]
        refusals = [
            await browser.get(f"{base}/page/api/me", params={"uscc": their_uscc}),
            await browser.get(f"{base}/page/api/registrations/{theirs}/forms/market"),
            await browser.post(
                f"{base}/page/api/registrations/{theirs}/corrections",
                json={"seals": {"maker_id": "X"}},
                headers={"Content-Type": "application/merge-patch+json"},
            ),
            await browser.get(f"{base}/page/e/{their_uscc}"),
        ]
        for refused in refusals:
            assert refused.status_code == 403, refused.text
            assert theirs not in refused.text
            assert their_uscc not in refused.text
        assert "无权访问" in refusals[-1].text

        # The stream carries only this browser's own registration.
        async with browser.stream("GET", f"{base}/page/api/stream") as stream:
            first = ""
            async for chunk in stream.aiter_text():
                first += chunk
                if "event: hall" in first and first.endswith("\n\n"):
                    break
        assert mine in first
        assert theirs not in first


async def test_operator_actions_need_an_operator_token(live_stack: LiveStack) -> None:
    base = live_stack.notifier_url
    officer = issue_officer_token("local-development-only-officers", Officer("p-1", "police"))
    letter = "0" * 64
    async with httpx.AsyncClient(timeout=10) as client:
        for headers in (
            {},
            {"Authorization": f"Bearer {officer}"},
            {"Authorization": "Bearer x.y"},
        ):
            calls = [
                await client.get(f"{base}/ops/api/summary", headers=headers),
                await client.post(f"{base}/ops/api/dead-letters/{letter}/redrive", headers=headers),
                await client.post(f"{base}/ops/api/policies", headers=headers, json={}),
            ]
            assert [c.status_code for c in calls] == [401, 401, 401], [c.text for c in calls]
        assert (await client.get(f"{base}/ops/api/summary", headers=OPERATOR)).status_code == 200
        missing = await client.post(
            f"{base}/ops/api/dead-letters/{letter}/redrive", headers=OPERATOR
        )
        assert missing.status_code == 404


async def letters_for(
    client: httpx.AsyncClient, base: str, payload_marker: str
) -> list[dict[str, Any]]:
    body = (await client.get(f"{base}/ops/api/summary", headers=OPERATOR)).json()
    return [dl for dl in body["dead_letters"] if payload_marker in dl["payload"]]


async def wait_letters(
    client: httpx.AsyncClient,
    base: str,
    marker: str,
    enough: Callable[[list[dict[str, Any]]], bool],
    timeout: float = 30.0,
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        found = await letters_for(client, base, marker)
        if enough(found):
            return found
        await asyncio.sleep(0.3)
    pytest.fail(f"dead letters for {marker}: {found}")


async def test_re_driving_a_still_invalid_letter_returns_it_with_more_attempts(
    live_stack: LiveStack,
) -> None:
    base = live_stack.notifier_url
    marker = f"poison-{time.time_ns()}"
    topic = submitted_topic("notifier")
    await produce(live_stack.kafka, topic, f'{{"{marker}": true}}'.encode(), b"k")
    async with httpx.AsyncClient(timeout=10) as client:
        # The notifier's timeline dead-letters it; re-drive that letter.
        first = await wait_letters(
            client,
            base,
            marker,
            lambda ls: any(dl["consumer_group"] == "notifier.timeline" for dl in ls),
        )
        letter = next(dl for dl in first if dl["consumer_group"] == "notifier.timeline")
        assert letter["attempts"] == 1
        assert letter["state"] == "dead"
        assert letter["error_type"] == "ValidationError"

        url = f"{base}/ops/api/dead-letters/{letter['id']}/redrive"
        redriven = await client.post(url, headers=OPERATOR)
        assert redriven.status_code == 202, redriven.text
        assert (await client.post(url, headers=OPERATOR)).status_code == 409  # once only

        def came_back(ls: list[dict[str, Any]]) -> bool:
            return any(dl["attempts"] == 2 for dl in ls)

        again = await wait_letters(client, base, marker, came_back)
        back = [dl for dl in again if dl["attempts"] == 2]
        # Only the group it was re-driven for tried it again.
        assert [dl["consumer_group"] for dl in back] == ["notifier.timeline"]
        assert back[0]["state"] == "dead"
        assert next(dl for dl in again if dl["id"] == letter["id"])["state"] == "redriven"
