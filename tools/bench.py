"""`make bench`: open-loop load against a running stack (`make run`).

Submits registrations at a fixed rate, whatever the system's pace, and measures each one from
the submit request to the moment the enterprise's live stream reports `completed`.

    make bench                                    10/s x 600
    make bench BENCH_ARGS="--rate 50 --count 3000"
    make bench BENCH_ARGS="--soak"                10/s for 10 minutes, one row per minute
    make bench BENCH_ARGS="--soak --rate 5 --minutes 5"
    make bench BENCH_ARGS="--find-max"            the highest rate the stack sustains
    make bench BENCH_ARGS="--idle 30"             the stack's CPU with no traffic

Each run also reports, per completed registration, the CPU each process of the stack used,
the database's operations (serverStatus opcounters) and the messages written per topic, and
how fast this machine ran plain Python at the start (it shares its host; a rough guide).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from tqdm import tqdm

from contracts.identifiers import resident_id_check_digit
from tools.bench_probes import cpu_seconds, idle_lines, per_registration, python_speed_ms, snapshot

ROOT = Path(__file__).resolve().parent.parent
SOAK_RATE, SOAK_MINUTES = 10.0, 10
DEFAULT_RATE = 10.0
FIND_MAX_RATES = (2, 5, 10, 15, 20, 30, 40, 60, 80, 100, 120, 150)


def uuid_trade_name() -> str:
    """A fresh trade name: names are unique per area."""
    digits = uuid.uuid4().int
    return "".join(
        "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"[(digits >> (5 * i)) % 22] for i in range(10)
    )


def resident_id(rng: random.Random) -> str:
    """A well-formed citizen identity number (GB 11643) born 1960–1999 in Guangzhou."""
    born = f"{rng.randint(1960, 1999)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first17 = f"440106{born}{rng.randint(0, 999):03d}"
    return first17 + resident_id_check_digit(first17)


def with_fresh_persons(form: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The same form founded by other people: every enterprise of the national stream has its
    own founders, and a load where thousands of enterprises shared three persons would make
    credit's look-up of a person's other enterprises (services/credit/screening.py) the
    benchmark instead of the stream."""
    fresh: dict[str, str] = {}

    def renamed(number: str | None) -> str | None:
        return None if number is None else fresh.setdefault(number, resident_id(rng))

    return {
        **form,
        "legal_representative": {
            **form["legal_representative"],
            "id_number": renamed(form["legal_representative"]["id_number"]),
        },
        "shareholders": [
            {**s, "id_number": renamed(s.get("id_number"))} for s in form["shareholders"]
        ],
        "principal_officers": [
            {**o, "id_number": renamed(o["id_number"])} for o in form.get("principal_officers", [])
        ],
    }


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile: the smallest value with at least q% of them at or below.

    Not `round(x + 0.5)`, which rounds halves to even: it gave p99.9 of 1,000 values as the
    largest one and p99 as the 990th. The rank is rounded to 9 places first: 99.9 / 100 * 1000
    is 999.0000000000001 in floating point.
    """
    ordered = sorted(values)
    rank = math.ceil(round(q / 100 * len(ordered), 9))
    return ordered[min(len(ordered) - 1, max(0, rank - 1))]


def summary(latencies: list[float]) -> str:
    if not latencies:
        return "none completed"
    qs = "  ".join(f"p{q:g} {percentile(latencies, q):.0f}" for q in (50, 95, 99, 99.9))
    return f"{qs}  max {max(latencies):.0f} ms"


@dataclass(frozen=True)
class Outcome:
    submitted_at: float  # seconds since the run started
    latency_ms: float | None  # None: failed
    accept_ms: float = 0.0
    error: str = ""


async def one_registration(
    client: httpx.AsyncClient, args: argparse.Namespace, form: dict[str, Any], t0: float
) -> Outcome:
    started = time.perf_counter()
    form = {
        **with_fresh_persons(form, random.Random(uuid.uuid4().int)),  # noqa: S311 - test data
        "enterprise": {**form["enterprise"], "name": f"广州南沙{uuid_trade_name()}科技有限公司"},
    }
    at = started - t0
    try:
        # A whole deadline: the live stream's keep-alives would reset any per-read timeout, and
        # a registration that never completes must count as failed, not hold the run open.
        async with asyncio.timeout(args.timeout):
            return await submit_and_follow(client, args, form, started, at)
    except TimeoutError:
        return Outcome(at, None, error=f"not completed within {args.timeout:.0f} s")
    except httpx.HTTPError as error:
        return Outcome(at, None, error=repr(error))


SUBMIT_ATTEMPTS = 3


async def submit_and_follow(
    client: httpx.AsyncClient,
    args: argparse.Namespace,
    form: dict[str, Any],
    started: float,
    at: float,
) -> Outcome:
    # As docs/http-api.md asks of clients: a 503 is retried with the same Idempotency-Key.
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    url = f"{args.registration_url}/api/v1/registrations"
    for _ in range(SUBMIT_ATTEMPTS):
        response = await client.post(url, json=form, headers=headers)
        if response.status_code != 503:  # noqa: PLR2004
            break
        wait = response.headers.get("retry-after", "1")
        await asyncio.sleep(float(wait) if wait.isdigit() else 1.0)
    if response.status_code != 202:  # noqa: PLR2004
        return Outcome(at, None, error=f"submit {response.status_code}")
    accept_ms = (time.perf_counter() - started) * 1000
    body = response.json()
    url = f"{args.notifier_url}/api/v1/registrations/{body['registration_id']}/stream"
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    async with client.stream("GET", url, headers=headers) as stream:
        event = ""
        async for line in stream.aiter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "end":
                status = json.loads(line[6:])["overall_status"]
                if status != "completed":
                    return Outcome(at, None, error=status)
                done_ms = (time.perf_counter() - started) * 1000
                return Outcome(at, done_ms, accept_ms)
    return Outcome(at, None, error="stream ended without a final status")


async def load(args: argparse.Namespace, rate: float, count: int) -> tuple[list[Outcome], float]:
    """Submit `count` registrations at `rate`; (outcomes, seconds until the last completed)."""
    form = json.loads((ROOT / "examples" / "registration.json").read_text("utf-8"))
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=200)
    async with httpx.AsyncClient(timeout=args.timeout, limits=limits) as client:
        bar = tqdm(total=count, desc=f"{rate:g}/s", unit="reg", disable=args.quiet)
        tasks = []
        t0 = time.perf_counter()
        for i in range(count):  # open loop: the schedule never waits for completions
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(one_registration(client, args, form, t0))
            task.add_done_callback(lambda _: bar.update())
            tasks.append(task)
        outcomes = list(await asyncio.gather(*tasks))
        elapsed = time.perf_counter() - t0
        bar.close()
    return outcomes, elapsed


def report(outcomes: list[Outcome], elapsed: float, rate: float, warmup: float) -> dict[str, Any]:
    measured = [o for o in outcomes if o.submitted_at >= warmup]
    ok = [o.latency_ms for o in measured if o.latency_ms is not None]
    failed = [o for o in outcomes if o.latency_ms is None]
    throughput = sum(o.latency_ms is not None for o in outcomes) / elapsed
    print(f"offered           {rate:g}/s, {len(outcomes)} registrations, warm-up {warmup:g} s")
    print(
        f"completed         {len(outcomes) - len(failed)} / {len(outcomes)}  failed: {len(failed)}"
    )
    if failed:
        print(f"first failures    {[f.error for f in failed[:3]]}")
    print(f"throughput        {throughput:.1f} completed/s over {elapsed:.1f} s")
    print(f"submit->completed {summary([v for v in ok if v is not None])}  (after warm-up)")
    accepts = [o.accept_ms for o in measured if o.latency_ms is not None]
    if accepts:
        print(
            f"submit (HTTP 202) p50 {percentile(accepts, 50):.0f}  p99 {percentile(accepts, 99):.0f} ms"
        )
    p99 = percentile(ok, 99) if ok else float("inf")
    return {"throughput": throughput, "p99": p99, "failed": len(failed)}


async def measured_run(args: argparse.Namespace, rate: float, count: int) -> dict[str, Any]:
    before = await snapshot(args.mongodb_uri, args.kafka)
    outcomes, elapsed = await load(args, rate, count)
    after = await snapshot(args.mongodb_uri, args.kafka)
    result = report(outcomes, elapsed, rate, args.warmup)
    completed = sum(o.latency_ms is not None for o in outcomes)
    for line in per_registration(before, after, completed):
        print(line)
    if args.soak:
        print("\nminute  submitted  failed   p50     p99  (ms)")
        for minute in range(int(max(o.submitted_at for o in outcomes) // 60) + 1):
            rows = [o for o in outcomes if minute * 60 <= o.submitted_at < (minute + 1) * 60]
            lat = [o.latency_ms for o in rows if o.latency_ms is not None]
            p50 = percentile(lat, 50) if lat else float("nan")
            p99 = percentile(lat, 99) if lat else float("nan")
            fails = sum(o.latency_ms is None for o in rows)
            print(f"{minute + 1:>6}  {len(rows):>9}  {fails:>6}  {p50:>6.0f}  {p99:>6.0f}")
    return result


async def find_max(args: argparse.Namespace) -> int:
    """Step the rate up; the highest with throughput >= 95% of offered and p99 < 1 s wins."""
    best = 0.0
    for rate in FIND_MAX_RATES:
        print(f"\n=== {rate}/s for {args.step_seconds:g} s")
        result = await measured_run(args, rate, int(rate * args.step_seconds))
        held = result["throughput"] >= 0.95 * rate and result["p99"] < 1000 and not result["failed"]  # noqa: PLR2004
        print(f"held: {'yes' if held else 'no'}")
        if not held:
            break
        best = rate
        await asyncio.sleep(5)  # let the stack drain before the next step
    print(f"\nhighest sustained rate: {best:g} registrations/s")
    return 0


async def idle(seconds: float) -> int:
    """The stack's CPU with no traffic: nothing is submitted while it is measured."""
    before = cpu_seconds()
    if not before:
        print("no process of the local stack found (is `make run` running?)")
        return 1
    await asyncio.sleep(seconds)
    for line in idle_lines(before, cpu_seconds(), seconds):
        print(line)
    return 0


async def run(args: argparse.Namespace) -> int:
    print(f"machine           a fixed Python loop took {python_speed_ms():.0f} ms (best of 3)")
    if args.idle:
        return await idle(args.idle)
    if args.find_max:
        return await find_max(args)
    rate = args.rate or (SOAK_RATE if args.soak else DEFAULT_RATE)
    count = int(rate * 60 * args.minutes) if args.soak else args.count
    result = await measured_run(args, rate, count)
    return 0 if not result["failed"] else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, help="registrations per second (default 10)")
    parser.add_argument("--minutes", type=float, default=SOAK_MINUTES, help="--soak length")
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds excluded at the start")
    parser.add_argument("--soak", action="store_true", help="10/s for 10 minutes, per minute")
    parser.add_argument("--find-max", action="store_true", help="the highest sustained rate")
    parser.add_argument(
        "--idle", type=float, metavar="SECONDS", help="measure the stack's CPU with no traffic"
    )
    parser.add_argument("--step-seconds", type=float, default=30.0, help="--find-max step length")
    parser.add_argument("--registration-url", default="http://127.0.0.1:8001")
    parser.add_argument("--notifier-url", default="http://127.0.0.1:8002")
    parser.add_argument(
        "--mongodb-uri",
        default="mongodb://127.0.0.1:27017/?retryWrites=false&serverMonitoringMode=poll",
    )
    parser.add_argument("--kafka", default="127.0.0.1:9092")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
