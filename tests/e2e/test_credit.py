"""Credit on the real stack: joint punishment, portraits, the public query, routing by class.

Enterprises that a test puts on a list are founded by persons of their own (`fresh_persons`):
the session's other tests submit the sample form, and credit relates every enterprise of the
same persons, so a listed sample-person enterprise would hold all of theirs for an officer.
"""

import asyncio
import json
import random
import re
import time
from datetime import datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest

from contracts.credit import RELATED_CREDIT_CLASS_ARTEFACT
from contracts.identifiers import (
    is_valid_uscc,
    is_well_formed_resident_id,
    resident_id_birth_date,
)
from service_runtime.access import Officer, issue_officer_token, issue_operator_token
from service_runtime.china_time import CHINA
from tests.conftest import LiveStack, submit, wait_for_overall
from tests.support.kafka_helpers import read_until
from tools.bench import with_fresh_persons

pytestmark = pytest.mark.e2e

OPERATOR = {
    "Authorization": f"Bearer {issue_operator_token('local-development-only-operators', 'ops-c')}"
}
CREDIT_OFFICER = {
    "Authorization": "Bearer "
    + issue_officer_token("local-development-only-officers", Officer("c-ann", "credit", "officer"))
}
RESIDENT_ID = re.compile(r"(?<![0-9A-Z])[0-9]{17}[0-9X](?![0-9A-Z])")
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def fresh_persons(form: dict[str, Any]) -> dict[str, Any]:
    return with_fresh_persons(form, random.Random(uuid4().int))  # noqa: S311 - test data


def credit_url(stack: LiveStack) -> str:
    return f"http://127.0.0.1:{stack.ports['credit']}"


async def ingest(client: httpx.AsyncClient, stack: LiveStack, entry: dict[str, Any]) -> None:
    entry = {
        "entry_id": uuid4().hex[:16],
        "listed_on": datetime.now(CHINA).date().isoformat(),
        "authority": "广州市南沙区市场监督管理局",
        "reason": "通过登记的住所或者经营场所无法联系",
        **entry,
    }
    response = await client.post(
        f"{credit_url(stack)}/api/v1/credit/lists/{entry['list']}/entries",
        json={"entries": [entry]},
        headers=OPERATOR,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"recorded": 1, "unchanged": 0}


async def registered(
    client: httpx.AsyncClient, stack: LiveStack, form: dict[str, Any]
) -> tuple[str, str, dict[str, Any]]:
    """Submit, wait for completion and for the portrait; (rid, uscc, timeline)."""
    rid, token = await submit(client, stack, form)
    await wait_for_overall(client, stack, rid, token, {"completed"}, timeout=60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        timeline = (
            await client.get(
                f"{stack.notifier_url}/api/v1/registrations/{rid}/timeline",
                headers={"Authorization": f"Bearer {token}"},
            )
        ).json()
        if any(e["status"] == "credit_profile" for e in timeline["entries"]):
            uscc = next(
                a["number"]
                for e in timeline["entries"]
                for a in e.get("artefacts", ())
                if a["kind"] == "unified_social_credit_code"
            )
            return rid, uscc, timeline
        await asyncio.sleep(0.3)
    pytest.fail(f"no credit portrait for {rid}")


async def test_a_dishonest_legal_representative_is_refused_citing_the_entry(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    form = fresh_persons(sample_form)
    person = form["legal_representative"]
    async with httpx.AsyncClient(timeout=10) as client:
        await ingest(
            client,
            live_stack,
            {
                "list": "dishonest_debtors",
                "subject_kind": "person",
                "subject_id": person["id_number"],
                "subject_name": person["name"],
                "reason": "失信被执行人",
                "reference": "(2026)粤0115执999号",
                "authority": "广州市南沙区人民法院",
            },
        )
        rid, token = await submit(client, live_stack, form)
        timeline = await wait_for_overall(client, live_stack, rid, token, {"rejected"}, timeout=60)
    (credit,) = [e for e in timeline["entries"] if e["department"] == "credit"]
    assert credit["status"] == "rejected"
    assert credit["decided_by"] == "rules"
    (reason,) = credit["reasons"]
    assert reason["rule"] == "joint_punishment_dishonest_persons"
    assert "(2026)粤0115执999号" in reason["message_zh"]
    assert person["id_number"] not in json.dumps(timeline)


async def test_a_portrait_is_public_falls_with_a_listing_and_routes_related_applicants(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    founders = fresh_persons(sample_form)
    async with httpx.AsyncClient(timeout=10) as client:
        _, uscc, timeline = await registered(client, live_stack, founders)
        assert timeline["credit"]["credit_class"] in ("A", "B")

        record = await client.get(f"{credit_url(live_stack)}/api/v1/credit/{uscc}")
        assert record.status_code == 200
        body = record.json()
        assert body["name"] == founders["enterprise"]["name"]
        assert body["legal_representative"] == founders["legal_representative"]["name"]
        assert body["listed_as_abnormal"] is False

        await ingest(
            client,
            live_stack,
            {
                "list": "abnormal_operations",
                "subject_kind": "enterprise",
                "subject_id": uscc,
                "subject_name": founders["enterprise"]["name"],
            },
        )
        flagged = await read_until(
            live_stack.kafka,
            "credit.risk-flagged.v1",
            lambda rs: any(json.loads(r.value)["uscc"] == uscc for r in rs),
        )
        (flag,) = [json.loads(r.value) for r in flagged if json.loads(r.value)["uscc"] == uscc]
        assert flag["credit_class"] == "C"  # an active abnormal listing caps it at C
        listed = (await client.get(f"{credit_url(live_stack)}/api/v1/credit/{uscc}")).json()
        assert listed["listed_as_abnormal"] is True

        # The same founders start another enterprise: credit sends it to an officer (a related
        # enterprise is listed); once approved, tax routes it to an officer by the class (C).
        rid, token = await submit(client, live_stack, founders)
        await wait_until_status(client, live_stack, rid, token, "credit", "in_review")
        base = f"{credit_url(live_stack)}/api/v1/departments/credit/cases/{rid}"
        assert (await client.post(f"{base}/claim", headers=CREDIT_OFFICER)).status_code == 200
        approve = {"decision": "approve", "reasons": [{"message_zh": "已核实", "message_en": "ok"}]}
        decided = await client.post(f"{base}/decision", json=approve, headers=CREDIT_OFFICER)
        assert decided.status_code == 200, decided.text
        timeline = await wait_until_status(client, live_stack, rid, token, "tax", "in_review")
    credit = [e for e in timeline["entries"] if e["department"] == "credit"][-1]
    assert any(a["kind"] == RELATED_CREDIT_CLASS_ARTEFACT for a in credit["artefacts"])
    tax = [e for e in timeline["entries"] if e["department"] == "tax"][-1]
    (routed,) = [r for r in tax["reasons"] if r["rule"] == "credit_routing"]
    assert "C类" in routed["message_zh"]


async def wait_until_status(
    client: httpx.AsyncClient,
    stack: LiveStack,
    rid: str,
    token: str,
    department: str,
    status: str,
) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = (
            await client.get(
                f"{stack.notifier_url}/api/v1/registrations/{rid}/timeline",
                headers={"Authorization": f"Bearer {token}"},
            )
        ).json()
        if body.get("departments", {}).get(department) == status:
            return body
        await asyncio.sleep(0.3)
    pytest.fail(f"{department} never became {status}: {body.get('departments')}")


async def test_no_public_credit_answer_holds_an_identity_number_mobile_or_address(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    form = fresh_persons(sample_form)
    async with httpx.AsyncClient(timeout=10) as client:
        _, uscc, _ = await registered(client, live_stack, form)
        name = form["enterprise"]["name"]
        period = f"E2E-{uuid4().hex[:8]}"
        drawn = await client.post(
            f"{credit_url(live_stack)}/api/v1/credit/inspections",
            json={"period": period},
            headers=OPERATOR,
        )
        assert drawn.status_code == 201, drawn.text
        base = credit_url(live_stack)
        answers = [
            await client.get(f"{base}{path}")
            for path in (
                f"/api/v1/credit/{uscc}",
                f"/credit/{uscc}",
                f"/api/v1/credit?name={name[2:8]}",
                f"/credit?name={name[2:8]}",
                f"/api/v1/credit/inspections/{period}",
                f"/credit/inspections/{period}",
            )
        ]
    assert all(a.status_code == 200 for a in answers), [a.status_code for a in answers]
    assert name in answers[0].text
    assert name in answers[2].text
    persons = {
        form["legal_representative"]["id_number"],
        form["tax"]["accounting_contact"]["id_number"],
    }
    address = form["enterprise"]["address"]
    for answer in answers:
        numbers = [
            n
            for n in RESIDENT_ID.findall(answer.text)
            # A credit code of digits only can pass the check digit; no real birth date does.
            if is_well_formed_resident_id(n) and resident_id_birth_date(n) and not is_valid_uscc(n)
        ]
        assert numbers == [], answer.url
        assert not persons & set(RESIDENT_ID.findall(answer.text))
        assert MOBILE.findall(answer.text) == [], answer.url
        assert address not in answer.text
