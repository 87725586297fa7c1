"""Officer review over HTTP on the real stack: scoped tokens, claim, decide, and the errors."""

import asyncio
import time
from typing import Any, Literal

import httpx
import pytest

from service_runtime.access import Officer, issue_officer_token
from tests.conftest import LiveStack, submit, wait_for_overall

REVIEW_WAIT_SECONDS = 60.0

pytestmark = pytest.mark.e2e

OFFICER_SECRET = "local-development-only-officers"  # the services' default in this stack


def bearer(
    officer_id: str, department: str, role: Literal["officer", "supervisor"] = "officer"
) -> dict[str, str]:
    token = issue_officer_token(OFFICER_SECRET, Officer(officer_id, department, role))
    return {"Authorization": f"Bearer {token}"}


SEAL_MAKER_CORRECTION = {
    "decision": "request_correction",
    "reasons": [
        {
            "message_zh": "请选择已备案的刻章企业",
            "message_en": "choose a licensed seal maker",
            "field_path": "seals.maker_id",
        }
    ],
}


async def police_ask_for_a_correction(
    client: httpx.AsyncClient, live_stack: LiveStack, rid: str, officer_id: str = "p-dora"
) -> None:
    """A police officer claims the case and asks the enterprise to fix the seal maker."""
    base = f"http://127.0.0.1:{live_stack.ports['police']}/api/v1/departments/police"
    officer = bearer(officer_id, "police")
    assert (await client.post(f"{base}/cases/{rid}/claim", headers=officer)).status_code == 200
    decided = await client.post(
        f"{base}/cases/{rid}/decision", json=SEAL_MAKER_CORRECTION, headers=officer
    )
    assert decided.status_code == 200, decided.text


async def police_officer_approves(
    client: httpx.AsyncClient, live_stack: LiveStack, rid: str, officer_id: str
) -> None:
    """A police officer claims the case and approves it."""
    base = f"http://127.0.0.1:{live_stack.ports['police']}/api/v1/departments/police"
    officer = bearer(officer_id, "police")
    assert (await client.post(f"{base}/cases/{rid}/claim", headers=officer)).status_code == 200
    approve = {"decision": "approve", "reasons": [{"message_zh": "已核实", "message_en": "ok"}]}
    decided = await client.post(f"{base}/cases/{rid}/decision", json=approve, headers=officer)
    assert decided.status_code == 200, decided.text


async def police_review_approved(
    client: httpx.AsyncClient, live_stack: LiveStack, form: dict[str, Any], officer_id: str
) -> dict[str, Any]:
    """A registration police send to an officer, who approves it: its completed timeline."""
    rid, token = await police_case_in_review(client, live_stack, form)
    await police_officer_approves(client, live_stack, rid, officer_id)
    return await wait_for_overall(client, live_stack, rid, token, {"completed"}, timeout=30)


async def police_case_in_review(
    client: httpx.AsyncClient, live_stack: LiveStack, sample_form: dict[str, Any]
) -> tuple[str, str]:
    sample_form["seals"]["maker_id"] = "UNLICENSED-001"
    rid, token = await submit(client, live_stack, sample_form)
    # Bounded by time, not by a count of quick polls: a CI run whose stack was busy took more
    # than 300 polls (a few seconds) to see police's review.
    deadline = time.monotonic() + REVIEW_WAIT_SECONDS
    while time.monotonic() < deadline:
        timeline = await wait_for_overall(client, live_stack, rid, token, {"in_progress"})
        if timeline["departments"]["police"] == "in_review":
            return rid, token
        await asyncio.sleep(0.1)
    pytest.fail(f"police never put the case in review within {REVIEW_WAIT_SECONDS} s")


async def test_an_officer_claims_and_rejects_a_case_and_the_registration_is_rejected(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    base = f"http://127.0.0.1:{live_stack.ports['police']}/api/v1/departments/police"
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await police_case_in_review(client, live_stack, sample_form)
        pending = await client.get(
            f"{live_stack.registration_url}/api/v1/names/check",
            params={"name": sample_form["enterprise"]["name"], "area": "nansha"},
        )
        assert pending.json()["reservation"] == "unavailable"  # not whether it is pending

        assert (await client.get(f"{base}/queue")).status_code == 401
        tax_officer = bearer("t-1", "tax")
        assert (await client.get(f"{base}/queue", headers=tax_officer)).status_code == 403
        assert (
            await client.post(f"{base}/cases/{rid}/claim", headers=tax_officer)
        ).status_code == 403

        alice, bob = bearer("p-alice", "police"), bearer("p-bob", "police")
        queue = (await client.get(f"{base}/queue", headers=alice)).json()
        mine = next(c for c in queue if c["registration_id"] == rid)
        assert [r["rule"] for r in mine["failed_rules"]] == ["seal_maker_licensed"]
        assert mine["deadline_at"]

        decision = {
            "decision": "reject",
            "reasons": [
                {
                    "message_zh": "刻章企业未备案",
                    "message_en": "seal maker not licensed",
                    "field_path": "seals.maker_id",
                }
            ],
        }
        not_claimed = await client.post(
            f"{base}/cases/{rid}/decision", json=decision, headers=alice
        )
        assert not_claimed.status_code == 403
        assert (await client.post(f"{base}/cases/{rid}/claim", headers=alice)).status_code == 200
        assert (await client.post(f"{base}/cases/{rid}/claim", headers=bob)).status_code == 409
        assert (
            await client.post(f"{base}/cases/{rid}/decision", json=decision, headers=bob)
        ).status_code == 403

        decided = await client.post(f"{base}/cases/{rid}/decision", json=decision, headers=alice)
        assert decided.status_code == 200, decided.text
        assert (decided.json()["decided_by"], decided.json()["officer_id"]) == (
            "officer",
            "p-alice",
        )
        again = await client.post(f"{base}/cases/{rid}/decision", json=decision, headers=alice)
        assert again.status_code == 409
        bad = await client.post(
            f"{base}/cases/{rid}/decision", json={"decision": "maybe"}, headers=alice
        )
        assert bad.status_code == 422

        timeline = await wait_for_overall(client, live_stack, rid, token, {"rejected"}, timeout=30)
        # The refused registration gives its name back (the registration service learns of the
        # refusal from the bus, so it may take a moment).
        check = f"{live_stack.registration_url}/api/v1/names/check"
        params = {"name": sample_form["enterprise"]["name"], "area": "nansha"}
        for _ in range(150):
            answer = (await client.get(check, params=params)).json()
            if answer["reservation"] is None:
                break
            await asyncio.sleep(0.2)
        assert answer["reservation"] is None
        assert answer["available"] is True
    police = [
        e for e in timeline["entries"] if e["department"] == "police" and e["status"] == "rejected"
    ]
    assert police[0]["decided_by"] == "officer"


async def test_an_officer_approval_completes_the_registration(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        timeline = await police_review_approved(client, live_stack, sample_form, "p-carol")
    assert timeline["departments"]["police"] == "approved"


async def test_the_supervisor_queue_is_for_supervisors_only(live_stack: LiveStack) -> None:
    base = f"http://127.0.0.1:{live_stack.ports['tax']}/api/v1/departments/tax"
    async with httpx.AsyncClient(timeout=10) as client:
        assert (
            await client.get(f"{base}/supervisor-queue", headers=bearer("t-1", "tax"))
        ).status_code == 403
        supervisor = bearer("t-boss", "tax", "supervisor")
        assert (await client.get(f"{base}/supervisor-queue", headers=supervisor)).status_code == 200
        elsewhere = f"http://127.0.0.1:{live_stack.ports['tax']}/api/v1/departments/police/queue"
        assert (await client.get(elsewhere, headers=bearer("p-1", "police"))).status_code == 404


async def timeline_reads(
    client: httpx.AsyncClient, live_stack: LiveStack, rid: str, token: str, wanted: int
) -> list[dict[str, Any]]:
    url = f"{live_stack.notifier_url}/api/v1/registrations/{rid}/timeline"
    reads: list[dict[str, Any]] = []
    for _ in range(60):  # up to 30 s: the read travels the bus to the notifier
        answer = await client.get(url, headers={"Authorization": f"Bearer {token}"})
        reads = answer.json()["data_reads"]
        if len(reads) >= wanted:
            return reads
        await asyncio.sleep(0.5)
    pytest.fail(f"the enterprise does not see {wanted} reads of its data: {reads}")


async def test_an_officer_opening_a_case_is_shown_to_the_enterprise(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    base = f"http://127.0.0.1:{live_stack.ports['police']}/api/v1/departments/police"
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await police_case_in_review(client, live_stack, sample_form)
        assert (await client.get(f"{base}/cases/{rid}")).status_code == 401
        other = await client.get(f"{base}/cases/{rid}", headers=bearer("t-1", "tax"))
        assert other.status_code == 403
        opened = await client.get(f"{base}/cases/{rid}", headers=bearer("p-erin", "police"))
        assert opened.status_code == 200, opened.text
        form = opened.json()["form"]
        # Police's own view of the form: the seals and the legal representative, not the tax.
        assert (
            form["legal_representative"]["id_number"]
            == sample_form["legal_representative"]["id_number"]
        )
        assert "tax" not in form
        reads = await timeline_reads(client, live_stack, rid, token, 1)
        assert [(r["department"], r["officer_id"], r["purpose"]) for r in reads] == [
            ("police", "p-erin", "case_review")
        ]
        assert reads[0]["department_zh"] == "公安（印章备案）"
        assert "legal_representative" in reads[0]["sections"]
        # Refused requests showed nothing and recorded nothing.
        await asyncio.sleep(1)
        again = await timeline_reads(client, live_stack, rid, token, 1)
        assert len(again) == 1
