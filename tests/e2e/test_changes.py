"""Changes (变更登记) on the real stack: only the departments whose view the change touches
re-decide; the licence is re-issued with a new version and the old one verifies as superseded;
a refusal changes nothing."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from services.registration.licence import ElectronicLicence, verify
from tests.conftest import LiveStack
from tests.e2e.test_credit import fresh_persons, ingest
from tests.e2e.test_delivery import bearer, timeline_until
from tests.e2e.test_deregistration import completed_enterprise

pytestmark = pytest.mark.e2e
MERGE = {"content-type": "application/merge-patch+json"}


async def send_change(
    client: httpx.AsyncClient, stack: LiveStack, rid: str, token: str, patch: dict[str, Any]
) -> httpx.Response:
    """The licence is issued in the background after completion: 409 until it is, 10 s."""
    url = f"{stack.registration_url}/api/v1/registrations/{rid}/changes"
    for _ in range(20):
        answer = await client.post(
            url, content=json.dumps(patch), headers={**bearer(token), **MERGE}
        )
        if answer.status_code != 409 or answer.json()["code"] != "registration_not_completed":
            return answer
        await asyncio.sleep(0.5)
    return answer


def change_state(change_id: str, state: str) -> Any:
    return lambda t: (t.get("changes") or {}).get(change_id, {}).get("state") == state


async def licence(client: httpx.AsyncClient, stack: LiveStack, uscc: str, **query: Any) -> Any:
    return await client.get(f"{stack.registration_url}/api/v1/licences/{uscc}", params=query)


async def changes_stored(stack: LiveStack, department: str, rid: str) -> int:
    """The changes of this registration a department decided (the stack is shared by tests)."""
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.mongodb_uri)
    try:
        changes = mongo[f"{stack.database_prefix}{department}"]["changes"]
        return await changes.count_documents({"registration_id": rid})
    finally:
        await mongo.close()


async def the_licence_is_reissued(
    client: httpx.AsyncClient,
    stack: LiveStack,
    uscc: str,
    form: dict[str, Any],
    scope: list[str],
) -> None:
    """Version 2 stands; version 1 verifies as superseded; each signature verifies."""
    now = (await licence(client, stack, uscc)).json()
    assert now["version"] == 2
    assert now["status"] == "valid"
    assert now["licence"]["registered_capital"] in {"3000000", "3000000.00", "3000000.0"}
    assert now["licence"]["business_scope"] == scope
    before = (await licence(client, stack, uscc, version=1)).json()
    assert before["status"] == "superseded"
    assert before["superseded_by_version"] == 2
    assert before["licence"]["business_scope"] == form["enterprise"]["business_scope"]
    for signed in (now, before):  # each still verifies with the service's key
        body = ElectronicLicence.model_validate(signed["licence"])
        assert verify(body, signed["signature"], signed["public_key"])
    assert (await licence(client, stack, uscc, version=3)).status_code == 404
    html = await licence(client, stack, uscc, version=1, format="html")
    assert "superseded by version 2" in html.text


async def test_a_capital_and_scope_change_is_decided_by_those_it_touches_and_reissues_the_licence(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await completed_enterprise(client, live_stack, sample_form)
        not_allowed = await send_change(
            client, live_stack, rid, token, {"enterprise": {"type": "partnership"}}
        )
        assert not_allowed.status_code == 422, not_allowed.text
        assert not_allowed.json()["code"] == "change_not_allowed"
        url = f"{live_stack.registration_url}/api/v1/registrations/{rid}"
        assert (await client.get(f"{url}/change")).status_code == 401
        assert (await client.post(f"{url}/changes", json={})).status_code == 401
        shown = (await client.get(f"{url}/change", headers=bearer(token))).json()
        assert shown["licence_version"] == 1
        assert shown["form"]["enterprise"]["address"] == sample_form["enterprise"]["address"]
        person = sample_form["legal_representative"]["id_number"]
        assert person not in json.dumps(shown)  # identity numbers masked
        assert "type" not in shown["form"]["enterprise"]
        same = {"enterprise": {"address": sample_form["enterprise"]["address"]}}
        nothing = await send_change(client, live_stack, rid, token, same)
        assert nothing.json()["code"] == "change_changes_nothing"

        scope = [*sample_form["enterprise"]["business_scope"], "食品销售"]
        holders = [
            {**holder, "contribution": amount}
            for holder, amount in zip(
                sample_form["shareholders"], ("1800000.00", "1200000.00"), strict=True
            )
        ]
        patch = {
            "enterprise": {"registered_capital": "3000000.00", "business_scope": scope},
            "shareholders": holders,
        }
        sent = await send_change(client, live_stack, rid, token, patch)
        assert sent.status_code == 202, sent.text
        change = sent.json()
        # The capital, the scope and the shareholders are in the views of market, credit and
        # commerce only.
        assert sorted(change["departments"]) == ["commerce", "credit", "market"]
        assert change["licence_version"] == 2
        timeline = await timeline_until(
            client, live_stack, rid, token, change_state(change["change_id"], "approved")
        )
        decided = timeline["changes"][change["change_id"]]["decisions"]
        # The new scope item needs a post-licence permit: pushed with the re-issued licence.
        await timeline_until(
            client, live_stack, rid, token, lambda t: "PL001" in (t.get("permits") or {})
        )
        assert set(decided) == {"commerce", "credit", "market"}
        assert set(decided.values()) <= {"approved", "not_applicable"}

        shown = (await client.get(f"{url}/change", headers=bearer(token))).json()
        assert shown["licence_version"] == 2
        assert shown["change"]["state"] == "approved"

        uscc = next(
            a["number"]
            for e in timeline["entries"]
            for a in e.get("artefacts", ())
            if a["kind"] == "unified_social_credit_code"
        )
        await the_licence_is_reissued(client, live_stack, uscc, sample_form, scope)

    # Departments the change does not touch received nothing.
    assert await changes_stored(live_stack, "market", rid) == 1
    assert await changes_stored(live_stack, "tax", rid) == 0
    assert await changes_stored(live_stack, "bank", rid) == 0


async def test_a_new_legal_representative_on_the_dishonest_list_is_refused_and_nothing_changes(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    newcomer = fresh_persons(sample_form)["legal_representative"]
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await completed_enterprise(client, live_stack, sample_form)
        await ingest(
            client,
            live_stack,
            {
                "list": "dishonest_debtors",
                "subject_kind": "person",
                "subject_id": newcomer["id_number"],
                "subject_name": newcomer["name"],
                "reason": "失信被执行人",
                "reference": "(2026)粤0115执1001号",
                "authority": "广州市南沙区人民法院",
            },
        )
        patch = {
            "legal_representative": {"name": newcomer["name"], "id_number": newcomer["id_number"]}
        }
        sent = await send_change(client, live_stack, rid, token, patch)
        assert sent.status_code == 202, sent.text
        change = sent.json()
        assert "credit" in change["departments"]
        assert "bank" in change["departments"]
        timeline = await timeline_until(
            client, live_stack, rid, token, change_state(change["change_id"], "rejected")
        )
        refused = timeline["changes"][change["change_id"]]
        assert refused["decisions"]["credit"] == "rejected"
        assert refused["reasons"][0]["rule"] == "joint_punishment_dishonest_persons"
        assert newcomer["id_number"] not in json.dumps(timeline)
        url = f"{live_stack.registration_url}/api/v1/registrations/{rid}/change"
        shown = (await client.get(url, headers=bearer(token))).json()
        assert shown["licence_version"] == 1
        assert (
            shown["form"]["legal_representative"]["name"]
            == sample_form["legal_representative"]["name"]
        )
        # Refused, not locked: the enterprise may send another change.
        again = await send_change(
            client, live_stack, rid, token, {"enterprise": {"address": "广州市南沙区港前大道2号"}}
        )
        assert again.status_code == 202, again.text
