"""A department's case and its life cycle: pure transitions that return the events to publish.

Every transition is idempotent (a repeated trigger changes nothing), so replays and
redeliveries are harmless. Event ids derive from (registration, department, round, sequence,
status): the same history always yields the same ids.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from contracts.events import (
    TERMINAL_STATUSES,
    DepartmentStatus,
    Reason,
)

_EVENT_NAMESPACE = uuid5(NAMESPACE_URL, "https://enterprise-page.example/events")
REVIEWABLE = frozenset({DepartmentStatus.IN_REVIEW, DepartmentStatus.DEADLINE_BREACHED})


class CaseClosedError(Exception):
    """The case is already decided (HTTP 409)."""


class NotCaseOwnerError(Exception):
    """The officer has not claimed this case, or someone else has (HTTP 403)."""


def status_event_id(
    registration_id: str, department: str, round_: int, sequence: int, status: str
) -> UUID:
    return uuid5(_EVENT_NAMESPACE, f"{registration_id}/{department}/{round_}/{sequence}/{status}")


@dataclass
class Case:
    registration_id: str
    department: str
    round: int = 1
    status: str | None = None
    sequence: int = -1
    form_received: bool = False
    withdrawn: bool = False
    lapsed: bool = False  # withdrawn by the system: not completed within the reservation period
    # The form is kept only while the case is open: a closed case keeps its decision, not the data.
    form: dict[str, Any] | None = None
    enterprise_name: str | None = None
    reasons: list[dict[str, Any]] = field(default_factory=list)
    prerequisites: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending_approval: bool = False
    received_at: datetime | None = None
    deadline_at: datetime | None = None
    escalated: bool = False
    claimed_by: str | None = None
    decided_by: str | None = None
    officer_id: str | None = None
    decided_at: datetime | None = None
    # What the approval issued (licence numbers, permits): the record others may check against.
    issued: list[dict[str, Any]] = field(default_factory=list)
    # Set while an instant approval waits silently for a prerequisite: when to say it waits.
    announce_wait_at: datetime | None = None
    # Issued with the approval besides the department's own (its screen's findings).
    screened_artefacts: list[dict[str, Any]] = field(default_factory=list)
    # When the enterprise was deregistered (简易注销) and this department closed its records.
    records_closed_at: datetime | None = None

    @property
    def closed(self) -> bool:
        return self.status in TERMINAL_STATUSES


def snapshot(case: Case) -> dict[str, Any]:
    """The case's fields, with each list or dict copied one level: enough to tell a change.

    Transitions replace nested values or mutate a top-level container (`prerequisites`), never
    deeper, and a full `asdict` (a deep copy of the form) cost a sixth of a department's CPU.
    """
    return {k: copy.copy(v) if isinstance(v, dict | list) else v for k, v in vars(case).items()}


@dataclass(frozen=True)
class OfficerDecision:
    decision: Literal["approve", "reject", "request_correction"]
    reasons: tuple[Reason, ...] = ()


def touches(projection: tuple[str, ...], changed: tuple[str, ...]) -> bool:
    """Whether any changed path lies inside (or contains) a field the department sees."""
    if not projection:
        return True
    return any(
        c == p or c.startswith(p + ".") or p.startswith(c + ".")
        for p in projection
        for c in changed
    )


def rule_reason(rule: str, *, passed: bool, zh: str, en: str) -> Reason:
    return Reason(rule=rule, passed=passed, message_zh=zh, message_en=en)
