"""The services' logs carry trace ids and registration ids, never an ID number or a mobile."""

import copy
import json
import re
from typing import Any

import httpx
import pytest

from contracts.identifiers import resident_id_check_digit
from tests.conftest import LiveStack, submit, wait_for_overall, with_unique_name

pytestmark = pytest.mark.e2e

# Not preceded or followed by another digit or hex letter: ids, hashes and offsets are not people.
RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d{9})(?![0-9A-Za-z])")


def resident_ids_in(text: str) -> set[str]:
    """18-character numbers whose check digit is right (GB 11643): real-looking ID numbers."""
    return {
        found
        for found in RESIDENT_ID.findall(text)
        if resident_id_check_digit(found[:17]) == found[17].upper()
    }


def test_the_scanner_finds_what_it_looks_for() -> None:
    text = 'a 11010519491231002X b {"mobile": "13800138000"} 0x13800138000ff'
    assert resident_ids_in(text) == {"11010519491231002X"}
    assert set(MOBILE.findall(text)) == {"13800138000"}


async def test_a_registration_and_a_refused_one_leave_no_personal_data_in_any_log(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    refused = with_unique_name(copy.deepcopy(sample_form))
    refused["enterprise"]["registered_capital"] = (
        "-1.00"  # refused at intake, with the IDs in the body
    )
    async with httpx.AsyncClient(timeout=10) as client:
        bad = await client.post(f"{live_stack.registration_url}/api/v1/registrations", json=refused)
        assert bad.status_code == 422
        rid, token = await submit(client, live_stack, sample_form)
        await wait_for_overall(client, live_stack, rid, token, {"completed"}, timeout=90)
    logs = {
        path.name: path.read_text("utf-8", "replace")
        for path in live_stack.stack.logs.glob("*.log")
    }
    assert logs
    for name, text in logs.items():
        assert not resident_ids_in(text), name
        assert not MOBILE.findall(text), name
    ours = [
        json.loads(line)
        for text in logs.values()
        for line in text.splitlines()
        if line.startswith("{") and rid in line
    ]
    assert ours, "the registration's id is how its log lines are found"
    handled = [entry for entry in ours if entry.get("event") == "case_advanced"]
    assert handled
    assert all(re.fullmatch(r"[0-9a-f]{32}", entry.get("trace_id", "")) for entry in handled)
