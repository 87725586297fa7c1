"""`make bench`: open-loop load against a running stack (`make run`).

Submits N registrations at a fixed rate, whatever the system's pace, and measures each one
from the submit request to the moment the enterprise's live stream reports `completed`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent


def uuid_trade_name() -> str:
    """A fresh trade name: names are unique per area."""
    digits = uuid.uuid4().int
    return "".join(
        "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"[(digits >> (5 * i)) % 22] for i in range(10)
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


async def one_registration(
    client: httpx.AsyncClient, args: argparse.Namespace, form: dict[str, Any], bar: tqdm
) -> tuple[float, float] | str:
    started = time.perf_counter()
    form = {
        **form,
        "enterprise": {**form["enterprise"], "name": f"广州南沙{uuid_trade_name()}科技有限公司"},
    }
    response = await client.post(f"{args.registration_url}/api/v1/registrations", json=form)
    if response.status_code != 202:  # noqa: PLR2004
        bar.update()
        return f"submit {response.status_code}"
    accepted = time.perf_counter()
    body = response.json()
    url = f"{args.notifier_url}/api/v1/registrations/{body['registration_id']}/stream"
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    outcome: tuple[float, float] | str = "stream ended without a final status"
    async with client.stream("GET", url, headers=headers) as stream:
        event = ""
        async for line in stream.aiter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "end":
                status = json.loads(line[6:])["overall_status"]
                done = time.perf_counter()
                outcome = (done - started, accepted - started) if status == "completed" else status
                break
    bar.update()
    return outcome


async def run(args: argparse.Namespace) -> int:
    form = json.loads((ROOT / "examples" / "registration.json").read_text("utf-8"))
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=200)
    async with httpx.AsyncClient(timeout=args.timeout, limits=limits) as client:
        bar = tqdm(total=args.count, desc=f"{args.rate}/s", unit="reg")
        tasks = []
        t0 = time.perf_counter()
        for i in range(args.count):  # open loop: the schedule never waits for completions
            delay = t0 + i / args.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one_registration(client, args, form, bar)))
        submitted_for = time.perf_counter() - t0
        results = await asyncio.gather(*tasks, return_exceptions=True)
        elapsed = time.perf_counter() - t0
        bar.close()
    ok = [r for r in results if isinstance(r, tuple)]
    failed = [r for r in results if not isinstance(r, tuple)]
    latencies = [r[0] * 1000 for r in ok]
    accepts = [r[1] * 1000 for r in ok]
    print(f"offered rate      {args.rate}/s for {args.count} registrations ({submitted_for:.1f} s)")
    print(f"completed         {len(ok)} / {args.count}   failed: {len(failed)}")
    if failed:
        print(f"first failures    {[str(f) for f in failed[:3]]}")
    if latencies:
        print(
            f"throughput        {len(ok) / elapsed:.1f} completed registrations/s over {elapsed:.1f} s"
        )
        print(
            "submit->completed "
            f"p50 {statistics.median(latencies):.0f} ms  p95 {percentile(latencies, 95):.0f} ms  "
            f"p99 {percentile(latencies, 99):.0f} ms  max {max(latencies):.0f} ms"
        )
        print(
            f"submit (HTTP 202) p50 {statistics.median(accepts):.0f} ms  p95 {percentile(accepts, 95):.0f} ms"
        )
    return 0 if not failed else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=10.0, help="registrations per second")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--registration-url", default="http://127.0.0.1:8001")
    parser.add_argument("--notifier-url", default="http://127.0.0.1:8002")
    parser.add_argument("--timeout", type=float, default=120.0)
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
