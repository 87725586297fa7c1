"""When a registration in progress, and each of its departments, is expected to finish.

For each department, in the order the prerequisites set:
- decided: when it decided;
- under an officer's review: the review's start plus the typical (median) and late (90th
  percentile) review times recently seen, moved into office hours on working days, and the
  statutory deadline (限时办结, in working days) beside them;
- not yet decided: when it can start (the submission, or its prerequisites' expected decisions)
  plus its typical and late own times;
- waiting for the enterprise's correction: no time, the enterprise holds the key.
With too few recent decisions (MIN_SAMPLES) a department's latest time is its statutory limit.
A time already passed becomes "now": a prediction never says a finish lies in the past.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contracts.events import DepartmentStatus
from contracts.topology import TOPOLOGY, Topology
from service_runtime.working_days import due_at, next_office_moment
from services.notifier.decision_times import (
    FINAL,
    IN_REVIEW,
    History,
    Spread,
    decided_at,
    latest_at,
)
from services.notifier.timeline_reads import TimelineEntry, TimelineRow

MIN_SAMPLES = 5
UNDER_OFFICER = {IN_REVIEW, DepartmentStatus.DEADLINE_BREACHED.value}
FINISHED = {"completed", "rejected", "withdrawn"}


@dataclass(frozen=True)
class Expected:
    state: str  # decided, in_review, action_required, waiting, pending
    expected_at: datetime | None = None  # typical
    latest_at: datetime | None = None  # late: 9 in 10 recent cases had decided by then
    due_at: datetime | None = None  # the statutory deadline of an officer's review
    basis: str = "recent"  # recent decision times, or the statutory limit alone

    def view(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "expected_at": _iso(self.expected_at),
            "latest_at": _iso(self.latest_at),
            "due_at": _iso(self.due_at),
            "basis": self.basis,
        }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _later(*moments: datetime | None) -> datetime | None:
    return None if any(m is None for m in moments) else max(m for m in moments if m)


@dataclass(frozen=True)
class Predictor:
    history: History
    now: datetime
    submitted: datetime
    entries: Sequence[TimelineEntry]
    statuses: Mapping[str, str]
    topology: Topology

    def department(self, name: str, seen: dict[str, Expected]) -> Expected:
        if name not in seen:
            seen[name] = self._expect(name, seen)
        return seen[name]

    def _expect(self, name: str, seen: dict[str, Expected]) -> Expected:
        status = self.statuses.get(name, "pending")
        if status in FINAL:
            decided = decided_at(self.entries, name)
            return Expected("decided", decided, decided)
        if status == DepartmentStatus.CORRECTION_REQUESTED.value:
            return Expected("action_required", basis="enterprise")
        if status in UNDER_OFFICER:
            return self._in_review(name)
        before = [self.department(p, seen) for p in self.topology.waits_for(name)]
        if any(p.state == "action_required" for p in before):
            return Expected("waiting", basis="enterprise")
        start_typical = _later(self.submitted, *(p.expected_at for p in before))
        start_late = _later(self.submitted, *(p.latest_at for p in before))
        state = "waiting" if status == DepartmentStatus.WAITING.value else "pending"
        own = self.history.own.get(name, Spread())
        if len(own.seconds) < MIN_SAMPLES or start_late is None:
            latest = None if start_late is None else due_at(start_late, self._limit(name))
            return self._not_before_now(Expected(state, None, latest, basis="statutory"))
        typical = None if start_typical is None else start_typical + own.typical
        return self._not_before_now(Expected(state, typical, start_late + own.late))

    def _in_review(self, name: str) -> Expected:
        started = latest_at(self.entries, name, {IN_REVIEW}) or self.submitted
        due = due_at(started, self._limit(name))
        review = self.history.review.get(name, Spread())
        if len(review.seconds) < MIN_SAMPLES:
            return self._not_before_now(Expected("in_review", None, due, due, basis="statutory"))
        typical = next_office_moment(started + review.typical)
        late = next_office_moment(started + review.late)
        return self._not_before_now(Expected("in_review", typical, late, due))

    def _limit(self, name: str) -> int:
        found = self.topology.by_name.get(name)
        return found.time_limit_working_days if found else 1

    def _not_before_now(self, e: Expected) -> Expected:
        typical = None if e.expected_at is None else max(e.expected_at, self.now)
        late = None if e.latest_at is None else max(e.latest_at, typical or self.now)
        return Expected(e.state, typical, late, e.due_at, e.basis)


def predict(
    row: TimelineRow, history: History, now: datetime, topology: Topology = TOPOLOGY
) -> dict[str, Any] | None:
    """The prediction for a registration in progress; None once it has finished."""
    if row.overall_status in FINISHED or row.submitted_at is None:
        return None
    predictor = Predictor(history, now, row.submitted_at, row.entries, row.departments, topology)
    seen: dict[str, Expected] = {}
    required = [predictor.department(d, seen) for d in topology.required]
    for department in (d.name for d in topology.departments):
        predictor.department(department, seen)
    waiting_for_you = any(e.basis == "enterprise" for e in required)
    return {
        "expected_at": None
        if waiting_for_you
        else _iso(_later(*(e.expected_at for e in required))),
        "latest_at": None if waiting_for_you else _iso(_later(*(e.latest_at for e in required))),
        "basis": "enterprise"
        if waiting_for_you
        else ("recent" if all(e.basis == "recent" for e in required) else "statutory"),
        "learnt_from": history.registrations,
        "departments": {name: e.view() for name, e in seen.items()},
    }
