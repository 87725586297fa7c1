"""Where a registration's time goes, hop by hop, from the spans in the notifier's trace sink.

`python -m tools.hops` (with `make run` up, after a `make bench`) reads every span the services
sent, groups them by trace, and for each trace that holds a submit's `POST` prints when each
consumer step started and ended, in ms after the `POST` began (p50 and p99 over the traces),
earliest first. A gap between one step's end and the next one's start is the hop: time in the
broker and in the consumer's fetch. This is how the twenty-first round of docs/benchmark.md
found follow-ups waiting for the broker's half-way look.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pymongo import MongoClient

from services.notifier.traces import TRACE_BUNDLES

SUBMIT = "POST /api/v1/registrations"
MIN_TRACES = 20  # steps seen in fewer traces than this are left out: too few for a p99


@dataclass(frozen=True)
class Step:
    name: str  # service | span name
    traces: int
    start_p50: float
    start_p99: float
    end_p50: float
    end_p99: float


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def steps(spans: Iterable[Mapping[str, Any]], min_traces: int = MIN_TRACES) -> list[Step]:
    """Each consumer step's start and end after its trace's submit, earliest p50 first."""
    by_trace: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for span in spans:
        by_trace[span["trace_id"]].append(span)
    starts: dict[str, list[float]] = defaultdict(list)
    ends: dict[str, list[float]] = defaultdict(list)
    for trace in by_trace.values():
        submit = next((s for s in trace if s["name"] == SUBMIT), None)
        if submit is None:
            continue
        origin = submit["start_ns"]
        first: dict[str, tuple[int, int]] = {}
        for span in trace:
            if span["kind"] != "consumer":
                continue
            key = f"{span['service']} | {span['name']}"
            start, end = first.get(key, (span["start_ns"], span["end_ns"]))
            first[key] = (min(start, span["start_ns"]), max(end, span["end_ns"]))
        for key, (start, end) in first.items():
            starts[key].append((start - origin) / 1e6)
            ends[key].append((end - origin) / 1e6)
    found = [
        Step(
            key,
            len(starts[key]),
            quantile(starts[key], 0.5),
            quantile(starts[key], 0.99),
            quantile(ends[key], 0.5),
            quantile(ends[key], 0.99),
        )
        for key in starts
        if len(starts[key]) >= min_traces
    ]
    return sorted(found, key=lambda step: step.start_p50)


def report(found: list[Step]) -> str:
    lines = [f"{'step (service | span)':70} {'traces':>6}  start p50/p99   end p50/p99 (ms)"]
    lines += [
        f"{s.name[:70]:70} {s.traces:6d}  {s.start_p50:7.1f} {s.start_p99:7.1f}"
        f"  {s.end_p50:7.1f} {s.end_p99:7.1f}"
        for s in found
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--mongodb-uri",
        default="mongodb://127.0.0.1:27017/?retryWrites=false&serverMonitoringMode=poll",
    )
    parser.add_argument("--database", default="enterprise_notifier")
    args = parser.parse_args()
    client: MongoClient[dict[str, Any]] = MongoClient(args.mongodb_uri)
    try:
        bundles = client[args.database][TRACE_BUNDLES].find({}, {"spans": 1})
        found = steps(span for bundle in bundles for span in bundle["spans"])
    finally:
        client.close()
    print(report(found) if found else "no traces with a submit yet (spans arrive every 5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
