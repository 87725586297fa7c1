"""A correction round trip on the real stack: only the department that asked reviews again."""

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.conftest import LiveStack, submit, wait_for_overall
from tests.e2e.test_officers import police_ask_for_a_correction, police_case_in_review

pytestmark = pytest.mark.e2e
PATCH = {"Content-Type": "application/merge-patch+json"}


async def test_a_requested_correction_is_reviewed_again_by_that_department_only(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await police_case_in_review(client, live_stack, sample_form)
        await police_ask_for_a_correction(client, live_stack, rid)
        await wait_for_overall(client, live_stack, rid, token, {"action_required"}, timeout=90)

        url = f"{live_stack.registration_url}/api/v1/registrations/{rid}/corrections"
        auth = {"Authorization": f"Bearer {token}", **PATCH}
        response = None
        for _ in range(600):  # the registration service learns the request from the bus
            response = await client.post(
                url, json={"tax": {"invoice_monthly_quantity": 10}}, headers=auth
            )
            if response.json().get("code") != "no_correction_requested":
                break
            await asyncio.sleep(0.1)
        assert response is not None
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "correction_not_requested", response.text
        assert response.json()["errors"][0]["path"] == "tax.invoice_monthly_quantity"
        assert (
            await client.post(url, json={"seals": {"maker_id": "GZ-SEAL-001"}})
        ).status_code == 401

        fixed = await client.post(url, json={"seals": {"maker_id": "GZ-SEAL-001"}}, headers=auth)
        assert fixed.status_code == 202, fixed.text
        assert fixed.json() == {
            "registration_id": rid,
            "round": 2,
            "changed_paths": ["seals.maker_id"],
        }

        timeline = await wait_for_overall(client, live_stack, rid, token, {"completed"}, timeout=90)
    rounds = Counter((e["department"], e.get("round", 1)) for e in timeline["entries"])
    assert rounds["police", 2] == 1, timeline  # one review in round 2: approved again
    assert [
        e["status"]
        for e in timeline["entries"]
        if e.get("round") == 2 and e["department"] == "police"
    ] == ["approved"]
    assert all(r == 1 for (department, r) in rounds if department not in {"police", "registration"})
    assert any(e["status"] == "corrected" for e in timeline["entries"])
    async with httpx.AsyncClient(timeout=10) as client:
        late = await client.post(url, json={"seals": {"maker_id": "GZ-SEAL-002"}}, headers=auth)
        assert late.status_code == 422


async def test_a_correction_nobody_asked_for_is_refused(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await submit(client, live_stack, sample_form)
        url = f"{live_stack.registration_url}/api/v1/registrations/{rid}/corrections"
        response = await client.post(
            url,
            json={"employment": {"employee_count": 3}},
            headers={"Authorization": f"Bearer {token}", **PATCH},
        )
        assert response.status_code == 422
        assert response.json()["code"] in {"no_correction_requested", "registration_closed"}
