"""Delivery guarantees on the real local stack: poison messages, replays, a killed service."""

import asyncio
import hashlib
import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest
from aiokafka import ConsumerRecord

from contracts.events import DepartmentStatus, DepartmentStatusChanged, RegistrationSubmitted
from contracts.projections import views_of_submitted
from contracts.topics import DEPARTMENT_STATUS, dead_letter_topic, submitted_topic
from contracts.topology import TOPOLOGY
from service_runtime.access import issue_access_token, issue_operator_token
from tests.conftest import LiveStack, submit, wait_for_overall, with_unique_name
from tests.support.events import submitted_event
from tests.support.kafka_helpers import produce, read_until

OPERATOR = "local-development-only-operators"  # the stack's development secret

pytestmark = pytest.mark.e2e

SECRET = "local-development-only-change-me"  # the services' default in this stack
NOTIFIER_SUBMITTED = submitted_topic("notifier")  # the timeline's own view of each form


def received_by(rid: str, department: str) -> DepartmentStatusChanged:
    return DepartmentStatusChanged(
        event_id=uuid4(),
        source="test",
        occurred_at=datetime.now(UTC),
        registration_id=rid,
        department=department,
        status=DepartmentStatus.RECEIVED,
        sequence=0,
        decided_by="system",
    )


def groups_consuming(topic: str) -> set[str]:
    return {s.group_id for s in TOPOLOGY.subscriptions if topic in s.topics}


@pytest.mark.parametrize(
    ("topic", "poison"),
    [
        (NOTIFIER_SUBMITTED, b"\x00\xffthis is not json"),
        (
            NOTIFIER_SUBMITTED,
            b'{"event_type": "registration.submitted.notifier.v1", "registration_id": "x"}',
        ),
        (DEPARTMENT_STATUS, b"{{{{"),
        (DEPARTMENT_STATUS, b'{"event_type": "department.status.v1", "status": "maybe"}'),
    ],
)
async def test_a_poison_message_is_dead_lettered_and_the_next_message_is_processed(
    live_stack: LiveStack, sample_form: dict[str, Any], topic: str, poison: bytes
) -> None:
    rid = uuid4().hex
    poison = poison + f" {uuid4()}".encode()  # unique, so its hash identifies it
    await produce(live_stack.kafka, topic, poison, key=rid.encode())  # same key: same partition
    if topic == NOTIFIER_SUBMITTED:
        views = dict(views_of_submitted(submitted_event(with_unique_name(sample_form), rid)))
        valid: RegistrationSubmitted | DepartmentStatusChanged = views.pop(topic)
        for other, view in views.items():  # the departments get theirs as the service sends them
            await produce(live_stack.kafka, other, view.model_dump_json().encode(), rid.encode())
        wanted = {"completed"}
    else:
        valid = received_by(rid, "tax")
        wanted = {"in_progress"}
    await produce(live_stack.kafka, topic, valid.model_dump_json().encode(), key=rid.encode())

    async with httpx.AsyncClient(timeout=10) as client:
        token = issue_access_token(SECRET, rid)
        timeline = await wait_for_overall(client, live_stack, rid, token, wanted, timeout=60)
        for _ in range(600):  # the notifier itself got past the poison: it saw the valid message
            if any(e["event_id"] == str(valid.event_id) for e in timeline["entries"]):
                break
            await asyncio.sleep(0.1)
            timeline = await wait_for_overall(
                client, live_stack, rid, token, wanted | {"in_progress"}
            )
        else:
            pytest.fail("the notifier never showed the valid message sent after the poison")

    digest = hashlib.sha256(poison).hexdigest()
    expected_groups = groups_consuming(topic)

    def mine(records: list[ConsumerRecord]) -> list[dict[str, Any]]:
        return [
            json.loads(r.value) for r in records if json.loads(r.value)["payload_sha256"] == digest
        ]

    letters = mine(
        await read_until(
            live_stack.kafka,
            dead_letter_topic(topic),
            lambda rs: {x["consumer_group"] for x in mine(rs)} >= expected_groups,
            timeout=90,
        )
    )
    assert {x["consumer_group"] for x in letters} == expected_groups
    for letter in letters:
        assert letter["original_topic"] == topic
        assert letter["key"] == rid
        assert letter["attempts"] >= 1
        assert letter["error_type"]


async def test_replaying_every_decision_event_twice_changes_no_timeline(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await submit(client, live_stack, sample_form)
        before = await wait_for_overall(client, live_stack, rid, token, {"completed"}, timeout=30)
        # Every department status on the timeline (a status carries `decided_by`); not the
        # submission, nor the credit portrait that may already follow the completion.
        expected = sum(1 for e in before["entries"] if "decided_by" in e)
        decisions = [
            r
            for r in await read_until(
                live_stack.kafka,
                DEPARTMENT_STATUS,
                lambda rs: sum(1 for r in rs if r.key == rid.encode()) >= expected,
            )
            if r.key == rid.encode()
        ]
        assert len(decisions) == expected
        for _ in range(2):
            for record in decisions:
                await produce(
                    live_stack.kafka, DEPARTMENT_STATUS, record.value, record.key, record.headers
                )
        # A marker after the replays on the same partition: once it shows, the replays were processed.
        await _send_marker_after_replays(live_stack, rid)
        after = await wait_for_overall(client, live_stack, rid, token, {"completed"})
        after["entries"] = [e for e in after["entries"] if e["department"] != "observer"]
        after["departments"].pop("observer")
        # The credit portrait follows completion on its own time (a background consumer), so
        # it may land between the two reads; the replays are about the decisions.
        assert without_credit(after) == without_credit(before)


async def _send_marker_after_replays(live_stack: LiveStack, rid: str) -> None:
    # Same key as the replayed events: one partition, so the marker is processed after them.
    marker = received_by(rid, "observer")
    await produce(
        live_stack.kafka, DEPARTMENT_STATUS, marker.model_dump_json().encode(), rid.encode()
    )
    async with httpx.AsyncClient(timeout=10) as client:
        token = issue_access_token(SECRET, rid)
        for _ in range(200):
            response = await client.get(
                f"{live_stack.notifier_url}/api/v1/registrations/{rid}/timeline",
                headers={"Authorization": f"Bearer {token}"},
            )
            if any(e["department"] == "observer" for e in response.json()["entries"]):
                return
            await asyncio.sleep(0.1)
    pytest.fail("marker never processed")


async def test_a_killed_department_resumes_after_restart_and_every_registration_completes(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        first = [await submit(client, live_stack, sample_form) for _ in range(10)]
        live_stack.kill("tax")  # mid-flow: some of these are not yet decided by tax
        during = [await submit(client, live_stack, sample_form) for _ in range(20)]
        await asyncio.sleep(0.5)
        down = await wait_for_overall(client, live_stack, *during[-1], {"in_progress"})
        assert down["departments"]["tax"] == "pending"
        live_stack.restart("tax")
        timelines = await asyncio.gather(
            *(
                wait_for_overall(client, live_stack, rid, token, {"completed"}, timeout=120)
                for rid, token in first + during
            )
        )
    for timeline in timelines:
        tax = [e["status"] for e in timeline["entries"] if e["department"] == "tax"]
        assert tax.count("approved") == 1
        assert set(tax) <= {"waiting", "approved"}
    # The operators see the restart: the service started twice within the hour.
    starts = await dashboard_starts(live_stack, "tax", at_least=2)
    assert starts["starts"] >= 2, starts


async def dashboard_starts(live_stack: LiveStack, service: str, at_least: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {issue_operator_token(OPERATOR, 'ops-test')}"}
    found: dict[str, Any] = {}
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(60):  # up to 30 s: the start travels the bus to the notifier
            summary = await client.get(
                f"{live_stack.notifier_url}/ops/api/summary", headers=headers
            )
            found = next(
                (s for s in summary.json()["service_starts"] if s["service"] == service), {}
            )
            if found.get("starts", 0) >= at_least:
                return found
            await asyncio.sleep(0.5)
    return found


def without_credit(timeline: dict[str, Any]) -> dict[str, Any]:
    """The timeline without the credit portrait and its entries."""
    portrait_statuses = {"credit_profile", "risk_flagged"}
    entries = [e for e in timeline["entries"] if e["status"] not in portrait_statuses]
    return {**timeline, "entries": entries, "credit": None}
