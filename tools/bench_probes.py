"""What `make bench` measures around a run: CPU per process, database operations, messages.

Each probe takes a snapshot before and after a run; the difference divided by the number of
registrations completed is the cost of one registration.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from pymongo import AsyncMongoClient

from contracts.topics import dead_letter_topic
from contracts.topology import TOPOLOGY

_PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK")


def _stack_process_name(cmdline: list[str]) -> str | None:
    """`registration`, `tax`, … for services; `kafka` and `mongodb` for the stand-ins."""
    if cmdline[1:3] == ["-m", "services"] and len(cmdline) >= 4:  # noqa: PLR2004
        return cmdline[3]  # `python -m services tax`
    if len(cmdline) >= 3 and cmdline[1] == "-m" and cmdline[2].startswith("services."):  # noqa: PLR2004
        return cmdline[2].removeprefix("services.")  # `python -m services.notifier`
    program = Path(cmdline[0]).name if cmdline else ""
    if program.startswith("tansu"):
        return "kafka"
    if any(Path(part).name == "secantusd-py" for part in cmdline[:2]) or (
        cmdline[1:3] == ["-m", "tools.secantusd_local"]
    ):
        return "mongodb"
    return None


def python_speed_ms(rounds: int = 3) -> float:
    """Milliseconds a fixed pure-Python loop takes here, best of `rounds`.

    The same code measured 105-124 ms of CPU per registration at 10/s and, a few hours later,
    126-160, every process dearer at once (docs/benchmark.md, twenty-second round): the machine
    shares its host. Printed before every run, a rough guide: it shows a slow machine at the
    start of a run, not a slowdown during it.
    """
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i
        best = min(best, (time.perf_counter() - started) * 1000)
    return best


def cpu_seconds() -> dict[str, float]:
    """CPU seconds (user + system) used so far by each process of the local stack."""
    used: dict[str, float] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        name = _stack_process_name([c for c in cmdline if c])
        if name is not None:
            used[name] = used.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / _TICKS
    return used


async def database_operations(mongodb_uri: str) -> dict[str, int]:
    """The server's operation counters (insert, query, update, delete, getmore, command)."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        mongodb_uri, serverSelectionTimeoutMS=3_000
    )
    try:
        status = await client.admin.command("serverStatus")
    finally:
        await client.close()
    return {k: int(v) for k, v in status.get("opcounters", {}).items()}


async def topic_messages(bootstrap: str) -> dict[str, int]:
    """Messages written so far to each topic (sum of its partitions' end offsets)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()  # loads the metadata of every topic
        counts: dict[str, int] = {}
        for topic in (*TOPOLOGY.all_topics, *(dead_letter_topic(t) for t in TOPOLOGY.all_topics)):
            partitions = consumer.partitions_for_topic(topic) or set()
            if not partitions:
                continue
            ends = await consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
            counts[topic] = sum(ends.values())
        return counts
    finally:
        await consumer.stop()


@dataclass(frozen=True)
class Snapshot:
    cpu: dict[str, float]
    operations: dict[str, int]
    messages: dict[str, int]


async def snapshot(mongodb_uri: str, bootstrap: str) -> Snapshot:
    return Snapshot(
        cpu=cpu_seconds(),
        operations=await database_operations(mongodb_uri),
        messages=await topic_messages(bootstrap),
    )


def per_registration(before: Snapshot, after: Snapshot, completed: int) -> list[str]:
    """Report lines: each cost divided by the registrations completed in between."""
    if completed <= 0:
        return ["no registration completed: nothing to divide by"]

    def each(a: dict[str, Any], b: dict[str, Any], unit: str, scale: float = 1.0) -> str:
        rows = {k: (b[k] - a.get(k, 0)) * scale / completed for k in sorted(b)}
        shown = ", ".join(f"{k} {v:.2f}" for k, v in rows.items() if v > 0)
        return f"{shown}  (total {sum(rows.values()):.2f} {unit})"

    return [
        "CPU ms per registration      " + each(before.cpu, after.cpu, "ms", 1000.0),
        "DB operations / registration " + each(before.operations, after.operations, "ops"),
        "messages / registration      " + each(before.messages, after.messages, "messages"),
    ]


def idle_lines(before: dict[str, float], after: dict[str, float], seconds: float) -> list[str]:
    """Report lines: each process's share of one core over `seconds`, and the stack's total."""
    shares = {k: (after[k] - before.get(k, 0.0)) / seconds * 100 for k in sorted(after)}
    shown = ", ".join(f"{k} {v:.1f}" for k, v in shares.items())
    return [
        f"idle stack        {sum(shares.values()):.1f}% of one core over {seconds:g} s",
        f"  % of one core   {shown}",
    ]
