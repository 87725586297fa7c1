"""Shared fixtures: the sample form, and helpers to build events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sample_form() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "examples" / "registration.json").read_text("utf-8"))
    return data


# --- The real local stack: broker, database and every service as its own OS process. ---

import asyncio  # noqa: E402
import contextlib  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from uuid import uuid4  # noqa: E402

import httpx  # noqa: E402

from services.registration.names import parse_name  # noqa: E402
from tests.support.channel_sinks import (  # noqa: E402
    BouncesOneDomain,
    RecordingHandler,
    SmsProvider,
    sms_provider_server,
    smtp_server,
)
from tools.localstack import (  # noqa: E402
    SERVICES,
    Stack,
    free_port,
    infrastructure_description,
    running_stack,
    service_env,
    start_service,
    wait_healthy,
)


def pytest_report_header() -> str:
    """Says which broker and database the integration, e2e and browser layers run on."""
    return f"live stacks run on {infrastructure_description()}"


@dataclass
class LiveStack:
    stack: Stack
    ports: dict[str, int]
    extra_env: dict[str, str]
    database_prefix: str

    @property
    def registration_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['registration']}"

    @property
    def notifier_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['notifier']}"

    @property
    def kafka(self) -> str:
        return self.stack.kafka

    @property
    def mongodb_uri(self) -> str:
        return self.stack.mongodb_uri

    def kill(self, service: str) -> None:
        process = self.stack.processes.pop(service)
        process.kill()  # SIGKILL: no graceful shutdown, no final commit
        process.wait(10)

    def stop(self, service: str) -> None:
        self.stack.stop_process(service)  # SIGTERM: a clean shutdown that leaves the group

    def restart(self, service: str, extra: dict[str, str] | None = None) -> None:
        start_service(self.stack, service, self.ports[service], {**self.extra_env, **(extra or {})})

    def start_instance(self, service: str, name: str) -> None:
        """One more instance of `service` (its own HTTP port, the same consumer groups), as
        `name`: `stop(name)` ends it. Its log is `name`.log beside the others."""
        port = free_port()
        env = service_env(self.stack, service, port, self.extra_env)
        process = self.stack.spawn(name, [sys.executable, "-m", "services", service], env)
        wait_healthy(f"http://127.0.0.1:{port}/healthz", process)

    def log_of(self, name: str) -> str:
        return (self.stack.logs / f"{name}.log").read_text("utf-8", errors="replace")


@dataclass
class ChannelSinks:
    mail: RecordingHandler
    sms: SmsProvider
    smtp_port: int


@pytest.fixture(scope="session")
def channel_sinks() -> Iterator[ChannelSinks]:
    """The live stack's email and SMS go to these real loopback servers."""
    mail = BouncesOneDomain()
    with smtp_server(mail) as smtp_port, sms_provider_server() as sms:
        yield ChannelSinks(mail, sms, smtp_port)


@pytest.fixture(scope="session")
def live_stack(
    tmp_path_factory: pytest.TempPathFactory, channel_sinks: ChannelSinks
) -> Iterator[LiveStack]:
    with live_stack_in(tmp_path_factory.mktemp("stack"), channel_sinks) as stack:
        yield stack


@contextlib.contextmanager
def live_stack_in(data_dir: Path, channel_sinks: ChannelSinks) -> Iterator[LiveStack]:
    """The broker, the database and every service, on free loopback ports, data in `data_dir`."""
    ports = {name: free_port() for name, _ in SERVICES}
    prefix = f"t{uuid4().hex[:8]}_"
    extra = {
        "REGISTRATION_SERVICE_URL": f"http://127.0.0.1:{ports['registration']}",
        "REGISTRATION_PUBLIC_URL": f"http://127.0.0.1:{ports['registration']}",
        "CREDIT_SERVICE_URL": f"http://127.0.0.1:{ports['credit']}",
        "CREDIT_PUBLIC_URL": f"http://127.0.0.1:{ports['credit']}",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(channel_sinks.smtp_port),
        "SMS_PROVIDER_URL": channel_sinks.sms.url,
        "SMS_PROVIDER_TOKEN": "test-sms-token",
        # Every simulated enterprise signs in from 127.0.0.1; the limit has its own test.
        "PAGE_RATE_LIMIT_PER_MINUTE": "10000",
        "PUBLIC_RATE_LIMIT_PER_MINUTE": "10000",
        "MONGODB_DATABASE_PREFIX": prefix,
        "KAFKA_SESSION_TIMEOUT_MS": "6000",
        "DELIVERY_BACKOFF_MS": "50",
        "OUTBOX_SWEEP_INTERVAL_MS": "300",
        # A deregistration notice's end is looked for every second, not every minute: the test
        # moves a notice's end into the past (20 days cannot pass) and waits for the approval.
        "DEREGISTRATION_CHECK_SECONDS": "1",
        # The same for a missed annual report: the test moves an enterprise's founding back.
        "ANNUAL_REPORT_CHECK_SECONDS": "1",
        "NOTIFIER_PUBLIC_URL": f"http://127.0.0.1:{ports['notifier']}",
        # As deployed: the log scan (test_logs_hold_no_personal_data.py) reads what INFO writes.
        "LOG_LEVEL": "INFO",
    }
    with running_stack(data_dir, ports, free_port(), free_port(), extra) as stack:
        yield LiveStack(stack, ports, extra, prefix)


def with_unique_name(form: dict[str, Any]) -> dict[str, Any]:
    """Names are unique per area, so every submission gets its own trade name."""
    parts = parse_name(form["enterprise"]["name"])
    trade = "".join(random.choice("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥") for _ in range(8))  # noqa: S311
    form["enterprise"]["name"] = (
        f"{parts.division}{trade}{parts.industry}{parts.organisational_form}"
    )
    return form


async def submit(
    client: httpx.AsyncClient, stack: LiveStack, form: dict[str, Any]
) -> tuple[str, str]:
    form = with_unique_name(form)  # the caller sees the name it was given
    # Taken now: callers share one form dict, and another submission renames it meanwhile.
    body = json.dumps(form).encode()
    # As a client should: a 503 (the embedded database drops a connection now and then under a
    # burst) is retried with the same Idempotency-Key, so a retry cannot make a second one.
    key = uuid4().hex
    for _ in range(5):
        response = await client.post(
            f"{stack.registration_url}/api/v1/registrations",
            content=body,
            headers={"Idempotency-Key": key, "Content-Type": "application/json"},
        )
        if response.status_code != 503:
            break
        await asyncio.sleep(0.5)
    assert response.status_code == 202, response.text
    body = response.json()
    return body["registration_id"], body["access_token"]


async def wait_for_overall(
    client: httpx.AsyncClient,
    stack: LiveStack,
    rid: str,
    token: str,
    wanted: set[str],
    timeout: float = 60.0,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = await client.get(
            f"{stack.notifier_url}/api/v1/registrations/{rid}/timeline",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        if body["overall_status"] in wanted:
            return body
        await asyncio.sleep(0.2)
    pytest.fail(f"{rid} stayed {body.get('overall_status')} after {timeout}s: {body}")
