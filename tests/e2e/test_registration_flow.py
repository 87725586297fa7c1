"""End to end on the real local broker and database, every service its own OS process."""

import asyncio
import json
from collections import Counter
from typing import Any

import httpx
import pytest

from contracts.identifiers import is_valid_uscc
from tests.conftest import ROOT, LiveStack, submit, wait_for_overall

pytestmark = pytest.mark.e2e

DOMESTIC = {
    "market": "approved",
    "tax": "approved",
    "police": "approved",
    "credit": "approved",
    "social_security": "approved",
    "commerce": "not_applicable",
    "bank": "not_applicable",
}
DEPENDENTS = ("tax", "police", "social_security")


def assert_decided_once(timeline: dict[str, Any], expected: dict[str, str] | None = None) -> None:
    expected = expected or DOMESTIC
    entries = timeline["entries"]
    assert len({e["event_id"] for e in entries}) == len(entries)
    counts = Counter((e["department"], e["status"]) for e in entries)
    assert counts["registration", "submitted"] == 1
    for department, final in expected.items():
        assert counts[department, final] == 1, department
        assert counts[department, "waiting"] <= 1, department
    # Once completed, the credit service's portrait of the enterprise may follow (at most one).
    assert counts["credit", "credit_profile"] <= 1
    progress = sum(counts.values()) - counts["credit", "credit_profile"]
    assert progress == 1 + sum(1 + counts[d, "waiting"] for d in expected), counts
    assert timeline["departments"] == expected


def assert_dependents_issue_after_the_market(timeline: dict[str, Any]) -> None:
    arrival = {(e["department"], e["status"]): e["seq"] for e in timeline["entries"]}
    for department in DEPENDENTS:
        assert arrival[department, "approved"] > arrival["market", "approved"], department


async def test_the_sample_form_completes_and_every_department_reports(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await submit(client, live_stack, sample_form)
        timeline = await wait_for_overall(client, live_stack, rid, token, {"completed"}, timeout=30)
    assert_decided_once(timeline)
    assert_dependents_issue_after_the_market(timeline)
    occurred = [e["occurred_at"] for e in timeline["entries"]]
    assert occurred == sorted(occurred)
    codes = [
        a["number"]
        for e in timeline["entries"]
        for a in e.get("artefacts", [])
        if a["kind"] == "unified_social_credit_code"
    ]
    assert len(codes) == 1
    assert is_valid_uscc(codes[0])


async def test_a_foreign_invested_registration_goes_through_commerce_and_books_a_bank_account(
    live_stack: LiveStack,
) -> None:
    form = json.loads((ROOT / "examples" / "registration-foreign.json").read_text("utf-8"))
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await submit(client, live_stack, form)
        timeline = await wait_for_overall(client, live_stack, rid, token, {"completed"}, timeout=30)
    assert_decided_once(timeline, {**DOMESTIC, "commerce": "approved", "bank": "approved"})
    issued = {a["kind"] for e in timeline["entries"] for a in e.get("artefacts", [])}
    assert {"foreign_investment_report_receipt", "account_appointment"} <= issued


async def test_two_hundred_concurrent_registrations_all_complete_with_nothing_lost_or_doubled(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    limits = httpx.Limits(max_connections=50)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        submitted = await asyncio.gather(
            *(submit(client, live_stack, sample_form) for _ in range(200))
        )
        assert len({rid for rid, _ in submitted}) == 200
        timelines = await asyncio.gather(
            *(
                wait_for_overall(client, live_stack, rid, token, {"completed"}, timeout=180)
                for rid, token in submitted
            )
        )
    for timeline in timelines:
        assert_decided_once(timeline)
        assert_dependents_issue_after_the_market(timeline)


async def test_the_live_stream_sends_entries_and_resumes_after_last_event_id(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        rid, token = await submit(client, live_stack, sample_form)
        url = f"{live_stack.notifier_url}/api/v1/registrations/{rid}/stream"
        auth = {"Authorization": f"Bearer {token}"}
        ids, end = [], None
        async with client.stream("GET", url, headers=auth) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            event = None
            async for line in response.aiter_lines():
                if line.startswith("id: "):
                    ids.append(int(line[4:]))
                elif line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "end":
                    end = json.loads(line[6:])
                    break
        assert ids == list(range(1, len(ids) + 1))
        assert len(ids) >= 8  # submitted, then at least one decision from each of 7 departments
        assert end is not None
        assert end["overall_status"] == "completed"
        resume = {**auth, "Last-Event-ID": str(len(ids) - 2)}
        async with client.stream("GET", url, headers=resume) as response:
            resumed = [
                int(line[4:]) async for line in response.aiter_lines() if line.startswith("id: ")
            ]
        assert resumed == ids[-2:]


async def test_the_timeline_needs_the_registrations_own_token(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        rid, _ = await submit(client, live_stack, sample_form)
        _, other_token = await submit(client, live_stack, sample_form)
        base = f"{live_stack.notifier_url}/api/v1/registrations/{rid}"
        for path in ("/timeline", "/stream"):
            missing = await client.get(base + path)
            assert missing.status_code == 401
            assert "entries" not in missing.json()
            wrong = await client.get(
                base + path, headers={"Authorization": f"Bearer {other_token}"}
            )
            assert wrong.status_code == 403
            assert "entries" not in wrong.json()
        bad_id = await client.get(
            f"{live_stack.notifier_url}/api/v1/registrations/not-an-id/timeline"
        )
        assert bad_id.status_code in {401, 404, 422}
