"""A department closes its records when the enterprise is deregistered (简易注销).

The registration authority's approval ends the enterprise; each department then closes what it
holds on it and says so, once. The case keeps its decision (what was approved, by whom), never
the form, and it is stamped with when its records were closed.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, uuid5

from contracts.deregistration import DeregistrationState, DeregistrationStatusChanged
from services.department.case import Case

_CLOSED = uuid5(NAMESPACE_URL, "https://enterprise-page.example/records-closed")


def is_deregistration_approved(event: object) -> bool:
    return (
        isinstance(event, DeregistrationStatusChanged)
        and event.state == DeregistrationState.APPROVED
    )


def close_records(
    case: Case, approval: DeregistrationStatusChanged, department: str, now: datetime
) -> list[DeregistrationStatusChanged]:
    """Close this department's records once; a replayed approval changes nothing."""
    if not case.form_received or case.records_closed_at is not None:
        return []  # nothing held here, or already closed
    case.records_closed_at = now
    case.form = None
    return [
        DeregistrationStatusChanged(
            event_id=uuid5(_CLOSED, f"{case.registration_id}/{department}"),
            source=department,
            occurred_at=now,
            registration_id=case.registration_id,
            state=DeregistrationState.RECORDS_CLOSED,
            unified_social_credit_code=approval.unified_social_credit_code,
            department=department,
        )
    ]
