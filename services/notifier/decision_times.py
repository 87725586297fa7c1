"""How long each department has recently taken to decide: what a prediction learns from.

Two durations per department, from the latest completed registrations:
- its own time: from the moment it could decide (the submission, or its prerequisites'
  decisions when it waits for them) to its decision, instant rules and officers' reviews alike;
- an officer's review: from the case entering review to the decision.

They are read once a minute (one bounded query on the `completed_at` index), never per request.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog

from contracts.events import DepartmentStatus
from contracts.topology import TOPOLOGY, Topology
from service_runtime.host import Runtime
from service_runtime.settings import NotifierSettings
from services.notifier.store import MongoTimelineStore
from services.notifier.timeline_reads import TimelineEntry, TimelineReads, TimelineRow

log = structlog.get_logger("decision_times")

FINAL = {
    DepartmentStatus.APPROVED.value,
    DepartmentStatus.REJECTED.value,
    DepartmentStatus.NOT_APPLICABLE.value,
}
IN_REVIEW = DepartmentStatus.IN_REVIEW.value
LEARN_FROM = 200  # the latest completed registrations
LEARN_WINDOW = timedelta(days=30)  # ... completed in the last month: older ones say little
REFRESH_SECONDS = 60.0


@dataclass(frozen=True)
class Spread:
    """Durations in seconds, sorted: the typical (median) and the late (90th percentile)."""

    seconds: tuple[float, ...] = ()

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(tuple(sorted(values)))

    def percentile(self, share: float) -> timedelta:
        """Nearest rank: the smallest duration at least `share` of the samples do not exceed."""
        rank = max(1, math.ceil(share * len(self.seconds)))
        return timedelta(seconds=self.seconds[rank - 1])

    @property
    def typical(self) -> timedelta:
        return self.percentile(0.5)

    @property
    def late(self) -> timedelta:
        return self.percentile(0.9)


@dataclass(frozen=True)
class History:
    own: dict[str, Spread] = field(default_factory=dict)
    review: dict[str, Spread] = field(default_factory=dict)
    registrations: int = 0  # how many completed registrations it was learnt from


def latest_at(
    entries: Sequence[TimelineEntry], department: str, statuses: set[str]
) -> datetime | None:
    """When `department` last reached one of `statuses` on this timeline."""
    times = [
        e.occurred_at
        for e in entries
        if e.department == department and e.status in statuses and e.occurred_at is not None
    ]
    return max(times, default=None)


def decided_at(entries: Sequence[TimelineEntry], department: str) -> datetime | None:
    return latest_at(entries, department, FINAL)


def ready_at(
    entries: Sequence[TimelineEntry], submitted: datetime, department: str, topology: Topology
) -> datetime | None:
    """When `department` could decide: the submission, or its last prerequisite's decision."""
    moments = [submitted]
    for prerequisite in topology.waits_for(department):
        decided = decided_at(entries, prerequisite)
        if decided is None:
            return None
        moments.append(decided)
    return max(moments)


def learn(rows: Sequence[TimelineRow], topology: Topology = TOPOLOGY) -> History:
    own: dict[str, list[float]] = {}
    review: dict[str, list[float]] = {}
    learnt = 0
    for row in rows:
        if row.submitted_at is None or row.overall_status != "completed":
            continue
        learnt += 1
        for department in (d.name for d in topology.departments):
            decided = decided_at(row.entries, department)
            ready = ready_at(row.entries, row.submitted_at, department, topology)
            if decided is None or ready is None:
                continue
            own.setdefault(department, []).append(max(0.0, (decided - ready).total_seconds()))
            reviewed = latest_at(row.entries, department, {IN_REVIEW})
            if reviewed is not None and reviewed <= decided:
                review.setdefault(department, []).append((decided - reviewed).total_seconds())
    return History(
        own={d: Spread.of(v) for d, v in own.items()},
        review={d: Spread.of(v) for d, v in review.items()},
        registrations=learnt,
    )


class DecisionTimes:
    """The notifier's current History, refreshed in the background."""

    def __init__(self, reads: TimelineReads, topology: Topology = TOPOLOGY) -> None:
        self._reads, self._topology = reads, topology
        self.history = History()

    async def refresh(self, now: datetime | None = None) -> History:
        now = now or datetime.now(UTC)
        rows = await self._reads.recently_completed(now - LEARN_WINDOW, LEARN_FROM)
        self.history = learn(rows, self._topology)
        return self.history

    async def refresh_forever(self) -> None:
        while True:
            try:
                await self.refresh()
            except Exception:  # a database hiccup: keep the last history, try again later
                log.warning("decision_times_refresh_failed", exc_info=True)
            await asyncio.sleep(REFRESH_SECONDS)


async def open_decision_times(runtime: Runtime[NotifierSettings]) -> DecisionTimes:
    """Learnt once before the service answers, then every minute in the background."""
    timelines = runtime.database("notifier")[MongoTimelineStore.collection_name]
    times = DecisionTimes(TimelineReads(timelines))
    await times.refresh()
    runtime.background.append(times.refresh_forever)
    return times
