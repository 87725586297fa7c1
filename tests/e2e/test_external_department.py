"""A department written outside the project replaces the built-in one, using only the contract."""

import asyncio
import subprocess
import sys
import threading
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, LiveStack, submit, wait_for_overall

pytestmark = pytest.mark.e2e


async def test_the_external_example_replaces_the_built_in_credit_department(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    live_stack.stop("credit")
    live_stack.restart(
        "credit", {"DISABLED_DEPARTMENTS": '["credit"]'}
    )  # still healthy, not deciding
    example = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "examples" / "external_department" / "department.py"),
            "--department",
            "credit",
            "--bootstrap",
            live_stack.kafka,
            "--schemas",
            str(ROOT / "contracts" / "schemas"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd="/",  # nothing from this project is importable from there
    )
    try:
        assert example.stdout is not None  # stdout=PIPE
        ready = await asyncio.wait_for(asyncio.to_thread(example.stdout.readline), timeout=60)
        assert b"ready" in ready, ready
        # Read the rest as it comes, so a chatty example never blocks on a full pipe.
        threading.Thread(target=example.stdout.read, daemon=True).start()
        async with httpx.AsyncClient(timeout=10) as client:
            rid, token = await submit(client, live_stack, sample_form)
            timeline = await wait_for_overall(
                client, live_stack, rid, token, {"completed"}, timeout=90
            )
        credit = [e for e in timeline["entries"] if e["department"] == "credit"]
        assert [e["status"] for e in credit] == ["received", "approved"]
        assert credit[-1]["artefacts"][0]["kind"] == "external_check"
    finally:
        example.terminate()
        example.wait(15)
        live_stack.stop("credit")
        live_stack.restart("credit")
