"""Withdrawal over HTTP on the real stack: departments stop and the timeline says so."""

import asyncio
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from tests.conftest import LiveStack, submit, wait_for_overall
from tests.e2e.test_officers import police_case_in_review

pytestmark = pytest.mark.e2e


async def test_withdrawing_stops_open_cases_and_a_second_withdrawal_conflicts(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await police_case_in_review(client, live_stack, sample_form)
        url = f"{live_stack.registration_url}/api/v1/registrations/{rid}/withdraw"
        assert (await client.post(url)).status_code == 401
        auth = {"Authorization": f"Bearer {token}"}
        response = await client.post(url, json={"reason": "改变经营计划"}, headers=auth)
        assert response.status_code == 202, response.text
        timeline = await wait_for_overall(client, live_stack, rid, token, {"withdrawn"}, timeout=30)
        assert any(e["status"] == "withdrawn" for e in timeline["entries"])
        for _ in range(100):
            timeline = await wait_for_overall(client, live_stack, rid, token, {"withdrawn"})
            if timeline["departments"]["police"] == "not_applicable":
                break
            await asyncio.sleep(0.1)
        assert timeline["departments"]["police"] == "not_applicable"
        again = await client.post(url, headers=auth)
        assert again.status_code == 409
        assert again.json()["registration_status"] == "withdrawn"


async def test_a_completed_registration_cannot_be_withdrawn(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await submit(client, live_stack, sample_form)
        await wait_for_overall(client, live_stack, rid, token, {"completed"}, timeout=30)
        mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(live_stack.mongodb_uri)
        registrations = mongo[f"{live_stack.database_prefix}registration"]["registrations"]
        try:
            for _ in range(100):  # the registration service learns completion from the bus
                found = await registrations.find_one({"_id": rid}, {"status": 1})
                assert found is not None
                if found["status"] == "completed":
                    break
                await asyncio.sleep(0.1)
            else:
                pytest.fail("the registration service never learned of the completion")
        finally:
            await mongo.close()
        url = f"{live_stack.registration_url}/api/v1/registrations/{rid}/withdraw"
        response = await client.post(url, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 409
        assert response.json()["registration_status"] == "completed"
