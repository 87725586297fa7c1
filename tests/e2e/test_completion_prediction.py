"""The predicted completion time on the real stack: a case under an officer's review carries
its statutory deadline and an expected time; the learning reads the real database."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from contracts.topology import TOPOLOGY
from service_runtime.working_days import due_at
from services.notifier.decision_times import DecisionTimes
from services.notifier.timeline_reads import TimelineReads
from tests.conftest import LiveStack, wait_for_overall
from tests.e2e.test_officers import (
    police_case_in_review,
    police_officer_approves,
    police_review_approved,
)

pytestmark = pytest.mark.e2e


def at(iso: str | None) -> datetime:
    assert iso is not None
    return datetime.fromisoformat(iso)


async def test_a_case_in_review_shows_its_deadline_and_expected_time_until_it_completes(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await police_case_in_review(client, live_stack, sample_form)
        url = f"{live_stack.notifier_url}/api/v1/registrations/{rid}/timeline"
        for _ in range(100):  # the market's status may reach the notifier after police's
            asked_at = datetime.now(UTC)
            body = (await client.get(url, headers={"Authorization": f"Bearer {token}"})).json()
            if body["departments"]["market"] == "approved":
                break
            await asyncio.sleep(0.2)
        predicted = body["prediction"]
        police = predicted["departments"]["police"]
        assert police["state"] == "in_review"
        review = max(
            at(e["occurred_at"])
            for e in body["entries"]
            if e["department"] == "police" and e["status"] == "in_review"
        )
        limit = TOPOLOGY.by_name["police"].time_limit_working_days
        assert at(police["due_at"]) == due_at(review, limit)
        # Whether this stack has seen enough reviews to learn from depends on the tests before:
        # either way the latest time is never before now, and without history it is the limit.
        assert at(police["latest_at"]) >= asked_at - timedelta(seconds=1)
        if police["basis"] == "statutory":
            assert police["latest_at"] == police["due_at"]
            assert police["expected_at"] is None
        else:
            assert at(police["expected_at"]) <= at(police["latest_at"])
        assert predicted["latest_at"] is not None
        assert at(predicted["latest_at"]) >= at(police["latest_at"])
        market = predicted["departments"]["market"]
        assert market["state"] == "decided"
        assert market["expected_at"] == market["latest_at"]

        await police_officer_approves(client, live_stack, rid, "p-eta")
        done = await wait_for_overall(client, live_stack, rid, token, {"completed"}, timeout=30)
    assert done["prediction"] is None  # finished: nothing left to predict


async def test_the_learning_reads_the_latest_completions_from_the_database(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        await police_review_approved(client, live_stack, sample_form, "p-learn")
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        live_stack.mongodb_uri, tz_aware=True
    )
    try:
        timelines = mongo[f"{live_stack.database_prefix}notifier"]["timelines"]
        history = await DecisionTimes(TimelineReads(timelines)).refresh()
    finally:
        await mongo.close()
    assert history.registrations >= 1
    # This registration's police review is among what it learnt: a review time of its own.
    assert history.review["police"].seconds
    assert all(d in history.own for d in TOPOLOGY.required)
