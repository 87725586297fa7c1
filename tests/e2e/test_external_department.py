"""A department written outside the project replaces the built-in one, using only the contract."""

import asyncio
import subprocess
import sys
import threading
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, LiveStack, submit, wait_for_overall
from tests.e2e.test_changes import change_state, send_change
from tests.e2e.test_delivery import choose, timeline_until
from tests.e2e.test_permits import HOTEL_HEALTH, PREMISES, permit_state, pushed_enterprise

pytestmark = pytest.mark.e2e


async def start_example(stack: LiveStack, *args: str) -> subprocess.Popen[bytes]:
    """The example as its own process, once it says it is ready."""
    example = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "examples" / "external_department" / "department.py"),
            *args,
            "--bootstrap",
            stack.kafka,
            "--schemas",
            str(ROOT / "contracts" / "schemas"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd="/",  # nothing from this project is importable from there
    )
    assert example.stdout is not None  # stdout=PIPE
    ready = await asyncio.wait_for(asyncio.to_thread(example.stdout.readline), timeout=60)
    assert b"ready" in ready, ready
    # Read the rest as it comes, so a chatty example never blocks on a full pipe.
    threading.Thread(target=example.stdout.read, daemon=True).start()
    return example


async def test_the_external_example_replaces_the_built_in_credit_department(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    live_stack.stop("credit")
    live_stack.restart(
        "credit", {"DISABLED_DEPARTMENTS": '["credit"]'}
    )  # still healthy, not deciding
    example = await start_example(live_stack, "--department", "credit")
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            rid, token = await submit(client, live_stack, sample_form)
            timeline = await wait_for_overall(
                client, live_stack, rid, token, {"completed"}, timeout=90
            )
            credit = [e for e in timeline["entries"] if e["department"] == "credit"]
            assert [e["status"] for e in credit] == ["received", "approved"]
            assert credit[-1]["artefacts"][0]["kind"] == "external_check"
            # A change that touches credit's view is answered by the example too.
            patch = {"enterprise": {"address": "广州市南沙区港前大道9号"}}
            sent = await send_change(client, live_stack, rid, token, patch)
            assert sent.status_code == 202, sent.text
            change_id = sent.json()["change_id"]
            changed = await timeline_until(
                client, live_stack, rid, token, change_state(change_id, "approved")
            )
            assert changed["changes"][change_id]["decisions"]["credit"] == "approved"
    finally:
        example.terminate()
        example.wait(15)
        live_stack.stop("credit")
        live_stack.restart("credit")


async def test_the_external_example_decides_the_permits_of_a_department_outside_the_project(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    """The health commission runs outside: its own system answers the hotel's health permit."""
    example = await start_example(live_stack, "--department", "health", "--permits")
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            rid, token, _ = await pushed_enterprise(client, live_stack, sample_form)
            url = f"{live_stack.registration_url}/api/v1/registrations/{rid}/permits/{HOTEL_HEALTH}"
            signed = {**PREMISES, "commitment_signed": True}
            assert (await choose(client, url, token, signed)).status_code == 202
            timeline = await timeline_until(
                client, live_stack, rid, token, permit_state(HOTEL_HEALTH, "approved")
            )
        permit = timeline["permits"][HOTEL_HEALTH]
        assert permit["permit_number"].startswith("EXT-")
        steps = [e for e in timeline["entries"] if e.get("permit_id") == HOTEL_HEALTH]
        assert [e["status"] for e in steps] == ["noticed", "submitted", "approved"]
    finally:
        example.terminate()
        example.wait(15)
