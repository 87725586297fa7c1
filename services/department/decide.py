"""Deciding a case: pure, deterministic, so a replay produces the same events and ids."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from contracts.events import DepartmentStatus, DepartmentStatusChanged, RegistrationSubmitted
from services.department.kit import DepartmentSpec

_EVENT_NAMESPACE = uuid5(NAMESPACE_URL, "https://enterprise-page.example/events")


def status_event_id(registration_id: str, department: str, round_: int, status: str) -> UUID:
    return uuid5(_EVENT_NAMESPACE, f"{registration_id}/{department}/{round_}/{status}")


def decide(
    spec: DepartmentSpec, submitted: RegistrationSubmitted, now: datetime
) -> tuple[DepartmentStatusChanged, DepartmentStatusChanged]:
    """Acknowledge receipt, then approve when every rule passes, otherwise reject with reasons."""
    rid = submitted.registration_id
    reasons = tuple(evaluate(submitted.form) for evaluate in spec.rules)
    approved = all(r.passed for r in reasons)
    final = DepartmentStatus.APPROVED if approved else DepartmentStatus.REJECTED
    received = DepartmentStatusChanged(
        event_id=status_event_id(rid, spec.name, 1, DepartmentStatus.RECEIVED),
        source=spec.name,
        occurred_at=now,
        registration_id=rid,
        department=spec.name,
        status=DepartmentStatus.RECEIVED,
        sequence=0,
        decided_by="system",
    )
    decision = DepartmentStatusChanged(
        event_id=status_event_id(rid, spec.name, 1, final),
        source=spec.name,
        occurred_at=now,
        registration_id=rid,
        department=spec.name,
        status=final,
        sequence=1,
        decided_by="rules",
        reasons=reasons,
        artefacts=spec.issue(rid, submitted.form) if approved else (),
    )
    return received, decision
