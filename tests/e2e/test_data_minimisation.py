"""After the sample runs, every topic a department's group reads holds only that department's fields."""

import json
from typing import Any

import httpx
import pytest

from contracts.topics import corrected_topic, submitted_topic
from contracts.topology import TOPOLOGY, department_group
from tests.conftest import LiveStack, submit, wait_for_overall
from tests.support.kafka_helpers import read_until

pytestmark = pytest.mark.e2e

PERSONAL = {"id_number", "mobile", "email", "name", "credit_code", "registration_number"}


def leaves(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted path without list indexes, value) for every leaf."""
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in leaves(v, f"{prefix}{k}.")]
    if isinstance(value, list):
        return [leaf for item in value for leaf in leaves(item, prefix)]
    return [(prefix.rstrip("."), value)]


def inside(path: str, projection: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p + ".") for p in projection)


def personal_values_outside(form: dict[str, Any], projection: tuple[str, ...]) -> set[str]:
    """Personal values the department must not see (a value it may see elsewhere is left out)."""
    seen = {str(v) for p, v in leaves(form) if inside(p, projection)}
    return {
        str(v)
        for p, v in leaves(form)
        if p.rsplit(".", 1)[-1] in PERSONAL and v and not inside(p, projection)
    } - seen


async def test_no_department_group_reads_a_field_outside_its_projection(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await submit(client, live_stack, sample_form)  # gives the form its own name
        await wait_for_overall(client, live_stack, rid, token, {"completed"}, timeout=90)
    mine = rid.encode()
    for department in TOPOLOGY.departments:
        projection = department.projection
        forbidden = personal_values_outside(sample_form, projection)
        assert forbidden, department.name  # every department has someone it need not know
        subscription = next(
            s for s in TOPOLOGY.subscriptions if s.group_id == department_group(department.name)
        )
        for topic in subscription.topics:
            expected = topic == submitted_topic(department.name) or (
                topic == "department.decided.v1" and department.waits_for
            )
            quiet = topic in (corrected_topic(department.name), "registration.withdrawn.v1")
            records = await read_until(
                live_stack.kafka,
                topic,
                lambda rs: any(r.key == mine for r in rs),
                timeout=60 if expected else 3,
                rounds=3 if expected else 1,
            )
            ours = [r for r in records if r.key == mine]
            assert ours or not expected, (department.name, topic)
            assert not ours or not quiet, (department.name, topic)
            for record in ours:
                text = record.value.decode("utf-8")
                leaked = {v for v in forbidden if v in text}
                assert not leaked, (department.name, topic, leaked)
            for record in records:  # every form on the topic, whoever submitted it
                try:
                    form = json.loads(record.value).get("form")
                except (ValueError, AttributeError):
                    continue  # a poison message another test sent; not a form
                outside = {p for p, _ in leaves(form or {}) if not inside(p, projection)}
                assert not outside, (department.name, topic, outside)
