"""How long each department has recently taken to decide: what a prediction learns from.

Two durations per department, from the latest completed registrations:
- its own time: from the moment it could decide (the submission, or its prerequisites'
  decisions when it waits for them) to its decision, instant rules and officers' reviews alike;
- an officer's review: from the case entering review to the decision.

They are kept in memory and brought up to date every few seconds with the registrations completed
since the newest one already read, never per request. Not the latest 200 read afresh each time:
on the embedded database a sorted, limited read of an index range still reads every document
in the range (measured: 1.1 s under its one lock at 6,000 completions, once a minute, stalling
every statement behind it), so a read must be narrow in time, not only short in rows.
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
# The first read widens its window until it has found enough: a busy stack finds them in the
# last minute, a quiet one looks further back.
FIRST_WINDOWS = (
    timedelta(minutes=1),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(days=1),
    LEARN_WINDOW,
)
REFRESH_SECONDS = 10.0  # each read then covers about this long of completions


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
    """The notifier's current History, refreshed in the background from the latest completions
    it keeps in memory.

    A completion recorded with an earlier time than the newest already read (a late event) is
    left out: what it learns from is a sample of recent registrations, not a count.
    """

    def __init__(self, reads: TimelineReads, topology: Topology = TOPOLOGY) -> None:
        self._reads, self._topology = reads, topology
        self.history = History()
        self._latest: list[TimelineRow] = []  # newest first, at most LEARN_FROM
        self._read_since: datetime | None = None  # None until the first read

    async def refresh(self, now: datetime | None = None) -> History:
        now = now or datetime.now(UTC)
        oldest = now - LEARN_WINDOW
        if self._read_since is None:
            fresh = await self._first_read(now)
        else:
            fresh = await self._reads.recently_completed(max(self._read_since, oldest), LEARN_FROM)
        self._latest = latest_completions([*self._latest, *fresh], oldest)
        # The next read starts at the newest completion read (again, for any recorded at the
        # same instant), or where this one started when there was none.
        self._read_since = self._latest[0].completed_at if self._latest else oldest
        self.history = learn(self._latest, self._topology)
        return self.history

    async def _first_read(self, now: datetime) -> list[TimelineRow]:
        rows: list[TimelineRow] = []
        for window in FIRST_WINDOWS:
            rows = await self._reads.recently_completed(now - window, LEARN_FROM)
            if len(rows) >= LEARN_FROM:
                break
        return rows

    async def refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            try:
                await self.refresh()
            except Exception:  # a database hiccup: keep the last history, try again later
                log.warning("decision_times_refresh_failed", exc_info=True)


def latest_completions(rows: Sequence[TimelineRow], oldest: datetime) -> list[TimelineRow]:
    """The LEARN_FROM newest completions since `oldest`, newest first, each registration once
    (as it was read last: `rows` are in the order they were read)."""
    by_id = {r.registration_id: r for r in rows if r.completed_at and r.completed_at >= oldest}
    newest = sorted(by_id.values(), key=lambda r: r.completed_at or oldest, reverse=True)
    return newest[:LEARN_FROM]


async def open_decision_times(runtime: Runtime[NotifierSettings]) -> DecisionTimes:
    """Learnt once before the service answers, then every REFRESH_SECONDS in the background."""
    timelines = runtime.database("notifier")[MongoTimelineStore.collection_name]
    times = DecisionTimes(TimelineReads(timelines))
    await times.refresh()
    runtime.background.append(times.refresh_forever)
    return times
