"""Simplified deregistration on the timeline: an entry per step, and where it stands."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from contracts.deregistration import (
    DEREGISTRATION_STATE_TEXT,
    DeregistrationState,
    DeregistrationStatusChanged,
)
from contracts.topology import TOPOLOGY, Topology

# The order of the steps on the timeline: the notice, its outcome, then each department.
_STEP = {
    DeregistrationState.NOTICED: 1,
    DeregistrationState.OBJECTED: 2,
    DeregistrationState.APPROVED: 2,
    DeregistrationState.RECORDS_CLOSED: 3,
}


def deregistration_entry(
    event: DeregistrationStatusChanged, topology: Topology = TOPOLOGY
) -> dict[str, Any]:
    zh, en = DEREGISTRATION_STATE_TEXT[event.state]
    if event.state == DeregistrationState.RECORDS_CLOSED and event.department:
        zh = f"{topology.label_zh(event.department)}：{zh}"
        en = f"{topology.label_en(event.department)}: {en}"
    elif event.notice_ends_at is not None:
        ends = event.notice_ends_at.astimezone(UTC).date().isoformat()
        zh, en = f"{zh}（公示期至 {ends}）", f"{en} (until {ends})"
    return {
        "department": "deregistration",
        "status": event.state.value,
        "sequence": _STEP[event.state],
        "message_zh": f"简易注销：{zh}",
        "message_en": f"simplified deregistration: {en}",
    }


def latest_deregistration(
    current: dict[str, Any] | None, event: DeregistrationStatusChanged, at: datetime
) -> dict[str, Any]:
    """Where the deregistration stands: its outcome never moves back, and each department's
    closure is added whatever order the events arrive in."""
    found = dict(current or {"state": None, "departments_closed": {}})
    if event.state == DeregistrationState.RECORDS_CLOSED and event.department:
        found["departments_closed"] = {**found["departments_closed"], event.department: at}
        # A closure implies the approval, even if its own event has not arrived yet.
        event_state = DeregistrationState.APPROVED
    else:
        event_state = event.state
        if event.notice_ends_at is not None:
            found["notice_ends_at"] = event.notice_ends_at
        if event_state == DeregistrationState.NOTICED:
            found.setdefault("notice_starts_at", at)
        else:
            found["decided_at"] = found.get("decided_at") or at
    if found["state"] is None or _STEP[event_state] > _STEP[DeregistrationState(found["state"])]:
        found["state"] = event_state.value
    found["unified_social_credit_code"] = event.unified_social_credit_code
    return found


def deregistration_view(deregistration: dict[str, Any] | None) -> dict[str, Any] | None:
    if deregistration is None:
        return None

    def moment(value: object) -> object:
        return value.isoformat() if isinstance(value, datetime) else value

    return {
        **{k: moment(v) for k, v in deregistration.items() if k != "departments_closed"},
        "departments_closed": {
            d: moment(at) for d, at in deregistration.get("departments_closed", {}).items()
        },
    }
