"""Post-licence permits (证照分离) on the timeline: an entry per step, and each permit's state.

The page shows, for each permit the licence's scope needs, what the enterprise must do (by its
kind) and where it stands. A new submission after a refusal starts a new attempt: the state
goes back to `submitted`, and only the department's steps on that attempt count from then on.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from contracts.permits import (
    PERMIT_STATE_TEXT,
    PermitNoticed,
    PermitState,
    PermitStatusChanged,
    PermitSubmitted,
)
from reference_data.permits import department_labels, permits

PermitEvent = PermitNoticed | PermitSubmitted | PermitStatusChanged
_STEP = {
    PermitState.NOTICED: 0,
    PermitState.SUBMITTED: 1,
    PermitState.IN_REVIEW: 2,
    PermitState.FILED: 3,
    PermitState.APPROVED: 3,
    PermitState.REJECTED: 3,
}


def _state(event: PermitEvent) -> PermitState:
    if isinstance(event, PermitNoticed):
        return PermitState.NOTICED
    if isinstance(event, PermitSubmitted):
        return PermitState.SUBMITTED
    return PermitState(event.state)


def permit_entry(event: PermitEvent) -> dict[str, Any]:
    state = _state(event)
    permit = permits().get(event.permit_id)
    name_zh, name_en = (permit.name_zh, permit.name_en) if permit else (event.permit_id,) * 2
    zh, en = PERMIT_STATE_TEXT[state]
    return {
        "department": "permit",
        "status": state.value,
        "sequence": _STEP[state],
        "permit_id": event.permit_id,
        "competent_department": event.department,
        "message_zh": f"{name_zh}：{zh}",
        "message_en": f"{name_en}: {en}",
    }


def _attempt(event: PermitSubmitted | PermitStatusChanged) -> str:
    return str(event.event_id if isinstance(event, PermitSubmitted) else event.submission_id)


def _with_attempt_step(
    permit: dict[str, Any], event: PermitSubmitted | PermitStatusChanged
) -> dict[str, Any]:
    """The permit after one step of an attempt, whichever order the steps arrive in.

    Submissions and decisions come on different topics, so a decision may be folded before the
    submission it answers. Attempts never overlap (a new one needs the last refused), so an
    event of another attempt is newer exactly when it happened after everything seen so far.
    """
    at = event.occurred_at.astimezone(UTC).isoformat()
    if _attempt(event) != permit.get("submission_id"):
        if permit.get("submission_id") and at <= (permit.get("attempt_at") or ""):
            return permit  # a step of an earlier attempt, arriving late
        permit = permit | {
            "submission_id": _attempt(event),
            "state": None,
            "permit_number": None,
            "deadline_at": None,
            "reasons": [],
        }
    permit["attempt_at"] = max(at, permit.get("attempt_at") or "")
    state = _state(event)
    if (
        permit["state"] not in (None, PermitState.NOTICED.value)
        and _STEP[state] <= _STEP[PermitState(permit["state"])]
    ):
        return permit
    permit["state"] = state.value
    if isinstance(event, PermitStatusChanged):
        permit |= {
            "permit_number": event.permit_number,
            "deadline_at": event.deadline_at.astimezone(UTC).isoformat()
            if event.deadline_at
            else None,
            "reasons": [r.model_dump() for r in event.reasons],
        }
    return permit


def latest_permits(current: dict[str, Any] | None, event: PermitEvent) -> dict[str, Any]:
    """Per permit: what it is, who decides, and the furthest step of its latest attempt."""
    found = dict(current or {})
    permit = dict(found.get(event.permit_id) or {"state": None})
    if isinstance(event, PermitNoticed):
        catalogued = permits().get(event.permit_id)
        permit |= {
            "name_zh": event.permit_name_zh,
            "name_en": catalogued.name_en if catalogued else event.permit_name_zh,
            "kind": event.kind.value,
            "department": event.department,
            **dict(
                zip(
                    ("department_zh", "department_en"),
                    department_labels(event.department),
                    strict=True,
                )
            ),
            "time_limit_working_days": event.time_limit_working_days,
            "scope_items": list(event.scope_items),
        }
        permit["state"] = permit["state"] or PermitState.NOTICED.value
    else:
        permit = _with_attempt_step(permit, event)
    found[event.permit_id] = permit
    return found
