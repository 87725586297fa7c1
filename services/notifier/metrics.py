"""Dashboard figures from the notifier's timelines. Pure: documents and a clock in, numbers out."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

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


def status_counts(timelines: Iterable[dict[str, Any]]) -> dict[str, Any]:
    overall: Counter[str] = Counter()
    by_department: defaultdict[str, Counter[str]] = defaultdict(Counter)
    breached = []
    for doc in timelines:
        overall[doc.get("overall_status", "submitted")] += 1
        for department, status in (doc.get("departments") or {}).items():
            by_department[department][status] += 1
            if status == "deadline_breached":
                breached.append(
                    {"registration_id": doc["_id"], "department": department, "name": _name(doc)}
                )
    return {
        "overall": dict(overall),
        "departments": {d: dict(c) for d, c in sorted(by_department.items())},
        "queue_depth": {
            d: sum(n for s, n in c.items() if s in QUEUED) for d, c in sorted(by_department.items())
        },
        "past_deadline": breached,
    }


def processing(timelines: Iterable[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """Per department over the last hour: decisions per 5-minute bucket, p50 and p95 seconds.

    Processing time is from the form's submission to the department's decision in that round.
    """
    since = now - WINDOW
    seconds: defaultdict[str, list[float]] = defaultdict(list)
    buckets: defaultdict[str, list[int]] = defaultdict(lambda: [0] * (WINDOW // BUCKET))
    for doc in timelines:
        submitted = doc.get("submitted_at")
        for entry in doc.get("entries", []):
            at = entry.get("occurred_at")
            if entry.get("status") not in DECISIONS or at is None or not since <= at <= now:
                continue
            department = entry["department"]
            start = submitted if entry.get("round", 1) == 1 else _round_start(doc, entry)
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


def _round_start(doc: dict[str, Any], entry: dict[str, Any]) -> datetime | None:
    """A later round starts when the enterprise sent the correction that opened it."""
    opened = [
        e["occurred_at"]
        for e in doc.get("entries", [])
        if e.get("status") == "corrected" and e.get("round") == entry.get("round")
    ]
    return opened[0] if opened else doc.get("submitted_at")


def _name(doc: dict[str, Any]) -> str | None:
    profile = doc.get("profile") or {}
    name = profile.get("name")
    return name if isinstance(name, str) else None


def slowest(timelines: Iterable[dict[str, Any]], now: datetime, limit: int = 10) -> list[Any]:
    """Registrations completed in the last hour that took longest from form to completion."""
    since = now - WINDOW
    done = [
        (doc["completed_at"] - doc["submitted_at"], doc)
        for doc in timelines
        if doc.get("completed_at") and doc.get("submitted_at") and doc["completed_at"] >= since
    ]
    done.sort(key=lambda pair: pair[0], reverse=True)
    return [
        {
            "registration_id": doc["_id"],
            "name": _name(doc),
            "seconds": round(took.total_seconds(), 3),
            "completed_at": doc["completed_at"].isoformat(),
        }
        for took, doc in done[:limit]
    ]
