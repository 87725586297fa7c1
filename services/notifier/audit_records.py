"""What the audit log keeps of each event (`body_for`): decisions, never personal data.

A submission; each department decision with the rules it evaluated, who decided (rules, an
officer and which one, or the system on a deadline) and what it issued; each correction (the
paths changed, never the values); each withdrawal or lapse; each completion with what was
issued; each policy notice and the operator who published it. No form values, no free text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from contracts.events import (
    DepartmentStatusChanged,
    RegistrationCompleted,
    RegistrationCorrected,
    RegistrationSubmitted,
    RegistrationWithdrawn,
)
from contracts.notices import PolicyPublished
from contracts.registry import decoder_for_subscription
from services.notifier.audit_chain import Record

# Statuses that are decisions (the others say a case arrived or waits).
DECISIONS = frozenset(
    {"approved", "rejected", "not_applicable", "correction_requested", "deadline_breached"}
)
_DECODE = decoder_for_subscription("notifier.audit")


def decode_audited(raw: bytes) -> Any:  # noqa: ANN401 - the notifier's union of audited events
    return _DECODE(raw)


def timestamp(moment: datetime) -> str:
    """A record's time as the chain hashes it: UTC, to the millisecond."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _issued(event: Any) -> list[dict[str, str]]:  # noqa: ANN401 - an event with artefacts
    return [{"kind": a.kind, "number": a.number} for a in event.artefacts]


def _decision(event: DepartmentStatusChanged) -> Record | None:
    if event.status not in DECISIONS:
        return None
    return {
        "kind": "department.decision",
        "department": event.department,
        "status": event.status,
        "round": event.round,
        "decided_by": event.decided_by,
        "officer_id": event.officer_id,
        "rules": [{"rule": r.rule, "passed": r.passed} for r in event.reasons],
        "issued": _issued(event),
    }


def _completed(event: RegistrationCompleted) -> Record:
    departments = dict(sorted(event.departments.items()))
    return {"kind": "registration.completed", "departments": departments, "issued": _issued(event)}


def _withdrawn(event: RegistrationWithdrawn) -> Record:
    kind = "registration.lapsed" if event.lapsed else "registration.withdrawn"
    return {"kind": kind, "reason_given": bool(event.reason)}


def _corrected(event: RegistrationCorrected) -> Record:
    return {
        "kind": "registration.corrected",
        "round": event.round,
        "changed_paths": list(event.changed_paths),
    }


def _submitted(_: RegistrationSubmitted) -> Record:
    return {"kind": "registration.submitted"}


def _policy(event: PolicyPublished) -> Record:
    return {
        "kind": "operator.policy_published",
        "operator": event.published_by,
        "policy_id": event.policy_id,
    }


_BODIES: tuple[tuple[type[Any], Callable[[Any], Record | None]], ...] = (
    (DepartmentStatusChanged, _decision),
    (RegistrationCompleted, _completed),
    (RegistrationWithdrawn, _withdrawn),
    (RegistrationCorrected, _corrected),  # each recipient's view is a subclass
    (RegistrationSubmitted, _submitted),
    (PolicyPublished, _policy),
)


def body_for(event: Any) -> Record | None:  # noqa: ANN401 - any audited event
    """What the log keeps of `event`, in JSON types; None for what is not a decision."""
    build = next((b for kind, b in _BODIES if isinstance(event, kind)), None)
    body = build(event) if build else None
    if body is None:
        return None
    return {
        "event_id": str(event.event_id),
        "occurred_at": timestamp(event.occurred_at),
        "registration_id": getattr(event, "registration_id", None),
        **body,
    }
