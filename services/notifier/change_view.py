"""Changes (变更登记) on the timeline: an entry per step, and each change's state.

The registration authority's steps (`change.status.v1`) and each department's decision
(`change.decided.v1`) come on different topics, so either may be folded first: a change's
state only moves forward, and each department's decision is kept whatever the order.
"""

from __future__ import annotations

from typing import Any

from contracts.changes import (
    CHANGE_STATE_TEXT,
    ChangeDecided,
    ChangeState,
    ChangeStatusChanged,
)
from contracts.topology import TOPOLOGY

ChangeEvent = ChangeStatusChanged | ChangeDecided
_STEP = {ChangeState.SUBMITTED: 0, ChangeState.APPROVED: 1, ChangeState.REJECTED: 1}
DECISION_TEXT = {
    "approved": ("同意变更", "agrees to the change"),
    "rejected": ("不同意变更", "refuses the change"),
    "not_applicable": ("无需办理", "nothing to decide"),
}


def change_entry(event: ChangeEvent) -> dict[str, Any]:
    if isinstance(event, ChangeDecided):
        zh, en = DECISION_TEXT[event.decision.value]
        return {
            "department": "change",
            "status": f"decided_{event.decision.value}",
            "sequence": 1,
            "change_id": str(event.change_id),
            "message_zh": f"变更登记：{TOPOLOGY.label_zh(event.department)}{zh}",
            "message_en": f"Change: {TOPOLOGY.label_en(event.department)} {en}",
        }
    zh, en = CHANGE_STATE_TEXT[event.state]
    if event.state == ChangeState.APPROVED:
        zh, en = f"{zh}（第{event.licence_version}版）", f"{en} (version {event.licence_version})"
    return {
        "department": "change",
        "status": event.state.value,
        "sequence": _STEP[event.state] * 2,
        "change_id": str(event.change_id),
        "message_zh": f"变更登记：{zh}",
        "message_en": f"Change: {en}",
    }


def latest_changes(current: dict[str, Any] | None, event: ChangeEvent) -> dict[str, Any]:
    """Per change: its state, the fields it changes, and each department's decision."""
    found = dict(current or {})
    key = str(event.change_id)
    change = dict(found.get(key) or {"state": None, "decisions": {}})
    if isinstance(event, ChangeDecided):
        change["decisions"] = {**change["decisions"], event.department: event.decision.value}
    else:
        if change["state"] is None or _STEP[event.state] > _STEP[ChangeState(change["state"])]:
            change["state"] = event.state.value
            if event.state == ChangeState.REJECTED:
                change["reasons"] = [r.model_dump() for r in event.reasons]
        change |= {
            "licence_version": event.licence_version,
            "changed_paths": list(event.changed_paths),
            "departments": list(event.departments),
        }
        if event.state == ChangeState.SUBMITTED:
            change["submitted_at"] = event.occurred_at.isoformat()
    found[key] = change
    return found
