"""One registration, one trace: its submit, every department's decision and the timeline fold."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from contracts.topics import submitted_topic
from contracts.topology import TOPOLOGY
from service_runtime.access import issue_operator_token
from services.notifier.traces import TRACE_BUNDLES
from tests.conftest import LiveStack, submit, wait_for_overall

pytestmark = pytest.mark.e2e

OPERATOR = "local-development-only-operators"  # the stack's development secrets
TRACES = "local-development-only-traces"
SPANS_ARRIVE_SECONDS = 30  # exporters send every 5 s (OTEL_BSP_SCHEDULE_DELAY's default)


async def trace_of(
    client: httpx.AsyncClient, stack: LiveStack, rid: str, wanted: set[str]
) -> dict[str, Any]:
    """The waterfall once spans from every `wanted` service have arrived (bounded wait)."""
    headers = {"Authorization": f"Bearer {issue_operator_token(OPERATOR, 'ops-test')}"}
    url = f"{stack.notifier_url}/ops/api/registrations/{rid}/trace"
    body: dict[str, Any] = {}
    for _ in range(SPANS_ARRIVE_SECONDS * 2):
        response = await client.get(url, headers=headers)
        if response.status_code == 200:
            body = response.json()
            if wanted <= {s["service"] for s in body["spans"]} and any(
                "registration.completed.v1" in s["name"] for s in body["spans"]
            ):
                return body
        await asyncio.sleep(0.5)
    pytest.fail(f"trace incomplete after {SPANS_ARRIVE_SECONDS}s: {body}")


async def test_a_registration_is_one_trace_through_every_service(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await submit(client, live_stack, sample_form)
        await wait_for_overall(client, live_stack, rid, token, {"completed"}, timeout=90)
        body = await trace_of(client, live_stack, rid, set(live_stack.ports))
    spans = body["spans"]
    assert len(body["trace_ids"]) == 1, body["trace_ids"]
    names = [(s["service"], s["kind"], s["name"]) for s in spans]
    print(f"\ntrace {body['trace_ids'][0]}: {len(spans)} spans")  # noqa: T201
    # It starts at the HTTP submit, and the database commands are spans of it too.
    assert spans[0]["name"] == "POST /api/v1/registrations", names[:3]
    commands = {name.rsplit(".", 1)[-1] for _, kind, name in names if kind == "client"}
    assert commands & {"insert", "update", "find"}, names
    # Every recipient of the form took its copy inside this trace.
    for recipient in TOPOLOGY.projections:
        topic = submitted_topic(recipient)
        assert any(topic in name for _, _, name in names), (topic, names)
    # A dependent department's step waited for the market licence: the wait is measured.
    assert any(s["waited_ms"] for s in spans if s["kind"] == "consumer")
    assert all(s["start_ms"] >= 0 and s["duration_ms"] >= 0 for s in spans)

    # What the sink keeps names no person: the form's personal values appear nowhere.
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        live_stack.mongodb_uri, tz_aware=True
    )
    try:
        stored = await (
            mongo[f"{live_stack.database_prefix}notifier"][TRACE_BUNDLES]
            .find({"trace_ids": body["trace_ids"][0]})
            .to_list(None)
        )
    finally:
        await mongo.close()
    dumped = json.dumps(stored, default=str, ensure_ascii=False)
    person = sample_form["legal_representative"]
    for value in (person["id_number"], person["mobile"], person["email"], person["name"]):
        assert value not in dumped


async def test_the_sink_takes_spans_only_with_its_token_and_in_otlp_protobuf(
    live_stack: LiveStack,
) -> None:
    url = f"{live_stack.notifier_url}/v1/traces"
    async with httpx.AsyncClient(timeout=10) as client:
        anonymous = await client.post(url, content=b"\x00" * 10)
        wrong = await client.post(
            url, content=b"", headers={"Authorization": "Bearer not-the-token"}
        )
        as_json = await client.post(
            url, json={"resourceSpans": []}, headers={"Authorization": f"Bearer {TRACES}"}
        )
        garbage = await client.post(
            url,
            content=b"\xff\xff\xff\xff",
            headers={"Authorization": f"Bearer {TRACES}", "Content-Type": "application/x-protobuf"},
        )
        no_operator = await client.get(
            f"{live_stack.notifier_url}/ops/api/registrations/{'a' * 32}/trace"
        )
        unknown = await client.get(
            f"{live_stack.notifier_url}/ops/api/registrations/{'a' * 32}/trace",
            headers={"Authorization": f"Bearer {issue_operator_token(OPERATOR, 'ops-test')}"},
        )
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert wrong.status_code == 401
    assert as_json.status_code == 415
    assert as_json.json()["code"] == "otlp_protobuf_required"
    assert garbage.status_code == 400
    assert garbage.json()["code"] == "otlp_body_invalid"
    assert no_operator.status_code == 401
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "trace_not_found"
