"""schemathesis against each service's own OpenAPI document: no input may cause a server error."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import LiveStack

pytestmark = pytest.mark.e2e
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


@pytest.mark.parametrize("service", ["registration", "notifier", "police"])
def test_generated_requests_never_cause_a_server_error(live_stack: LiveStack, service: str) -> None:
    url = f"http://127.0.0.1:{live_stack.ports[service]}/openapi.json"
    result = subprocess.run(
        [
            SCHEMATHESIS,
            "run",
            url,
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "60",
            "--seed",
            "20261122",
            "--phases",
            "examples,coverage,fuzzing",
            "--request-timeout",
            "10",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:]
    assert " passed" in result.stdout
    assert "failed" not in result.stdout.split("Test cases:")[-1]
