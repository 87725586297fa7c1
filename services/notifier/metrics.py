"""Dashboard figures from the notifier's timelines. Pure: timeline rows and a clock in, numbers out."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from services.notifier.timeline_reads import TimelineEntry, TimelineRow

QUEUED = frozenset({"in_review", "deadline_breached"})  # a person has to act
DECISIONS = frozenset({"approved", "rejected", "not_applicable", "correction_requested"})
WINDOW = timedelta(hours=1)
BUCKET = timedelta(minutes=5)


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not sorted_values:
        return None
    rank = max(1, round(fraction * len(sorted_values) + 0.4999))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def status_counts(timelines: Iterable[TimelineRow]) -> dict[str, Any]:
    overall: Counter[str] = Counter()
    by_department: defaultdict[str, Counter[str]] = defaultdict(Counter)
    breached = []
    for row in timelines:
        overall[row.overall_status] += 1
        for department, status in row.departments.items():
            by_department[department][status] += 1
            if status == "deadline_breached":
                breached.append(
                    {
                        "registration_id": row.registration_id,
                        "department": department,
                        "name": row.name,
                    }
                )
    return {
        "overall": dict(overall),
        "departments": {d: dict(c) for d, c in sorted(by_department.items())},
        "queue_depth": {
            d: sum(n for s, n in c.items() if s in QUEUED) for d, c in sorted(by_department.items())
        },
        "past_deadline": breached,
    }


def processing(timelines: Iterable[TimelineRow], now: datetime) -> dict[str, Any]:
    """Per department over the last hour: decisions per 5-minute bucket, p50 and p95 seconds.

    Processing time is from the form's submission to the department's decision in that round.
    """
    since = now - WINDOW
    seconds: defaultdict[str, list[float]] = defaultdict(list)
    buckets: defaultdict[str, list[int]] = defaultdict(lambda: [0] * (WINDOW // BUCKET))
    for row in timelines:
        for entry in row.entries:
            at, department = entry.occurred_at, entry.department
            if entry.status not in DECISIONS or at is None or department is None:
                continue
            if not since <= at <= now:
                continue
            start = row.submitted_at if entry.round == 1 else _round_start(row, entry)
            if start is not None:
                seconds[department].append(max(0.0, (at - start).total_seconds()))
            index = min(int((at - since) / BUCKET), WINDOW // BUCKET - 1)
            buckets[department][index] += 1
    return {
        department: {
            "decisions": len(values),
            "per_minute": round(len(values) / (WINDOW.total_seconds() / 60), 3),
            "p50_seconds": percentile(sorted(values), 0.5),
            "p95_seconds": percentile(sorted(values), 0.95),
            "buckets": buckets[department],
        }
        for department, values in sorted(seconds.items())
    }


def _round_start(row: TimelineRow, entry: TimelineEntry) -> datetime | None:
    """A later round starts when the enterprise sent the correction that opened it."""
    opened = [
        e.occurred_at
        for e in row.entries
        if e.status == "corrected" and e.round == entry.round and e.occurred_at is not None
    ]
    return opened[0] if opened else row.submitted_at


def slowest(timelines: Iterable[TimelineRow], now: datetime, limit: int = 10) -> list[Any]:
    """Registrations completed in the last hour that took longest from form to completion."""
    since = now - WINDOW
    done = [
        (row.completed_at - row.submitted_at, row.completed_at, row)
        for row in timelines
        if row.completed_at and row.submitted_at and row.completed_at >= since
    ]
    done.sort(key=lambda found: found[0], reverse=True)
    return [
        {
            "registration_id": row.registration_id,
            "name": row.name,
            "seconds": round(took.total_seconds(), 3),
            "completed_at": completed.isoformat(),
        }
        for took, completed, row in done[:limit]
    ]
