"""What the enterprise page shows: each registration, its notices, and the whole hall."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contracts.events import DepartmentStatus
from contracts.topology import TOPOLOGY
from services.notifier.http import timeline_snapshot
from services.notifier.notifications import Notification
from services.notifier.parts import NotifierParts
from services.notifier.timeline import Timeline

DEPARTMENT_LABELS = {d.name: {"zh": d.label_zh, "en": d.label_en} for d in TOPOLOGY.departments}
DECIDED = {DepartmentStatus.APPROVED.value}


def corrections_asked(timeline: Timeline) -> list[dict[str, Any]]:
    """What each department waiting on a correction asked for, from its latest request."""
    wanted = []
    for department, status in timeline.departments.items():
        if status != DepartmentStatus.CORRECTION_REQUESTED.value:
            continue
        asked = [
            e
            for e in timeline.ordered_entries()
            if e["department"] == department and e["status"] == status
        ]
        reasons = asked[-1].get("reasons", []) if asked else []
        wanted.append(
            {
                "department": department,
                "label_zh": TOPOLOGY.label_zh(department),
                "label_en": TOPOLOGY.label_en(department),
                "reasons": reasons,
            }
        )
    return wanted


def registration_view(parts: NotifierParts, rid: str, timeline: Timeline | None) -> dict[str, Any]:
    timeline = timeline or Timeline(rid)
    settings = parts.runtime.settings
    view = timeline_snapshot(rid, timeline, parts.decision_times.history)
    view["name"] = (timeline.profile or {}).get("name")
    view["uscc"] = timeline.uscc
    view["corrections"] = corrections_asked(timeline)
    view["labels"] = DEPARTMENT_LABELS
    view["documents"] = [
        {
            "department": d,
            "label_zh": TOPOLOGY.label_zh(d),
            "html": f"/page/api/registrations/{rid}/forms/{d}?format=html",
            "pdf": f"/page/api/registrations/{rid}/forms/{d}?format=pdf",
        }
        for d, status in timeline.departments.items()
        if status in DECIDED
    ]
    base = settings.registration_public_url.rstrip("/")
    view["licence"] = (
        {
            "uscc": timeline.uscc,
            "html": f"{base}/api/v1/licences/{timeline.uscc}?format=html",
            "pdf": f"{base}/api/v1/licences/{timeline.uscc}?format=pdf",
        }
        if timeline.uscc
        else None
    )
    return view


def notification_view(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "registration_id": n.registration_id,
        "kind": n.kind,
        "title_zh": n.title_zh,
        "title_en": n.title_en,
        "body_zh": n.body_zh,
        "body_en": n.body_en,
        "created_at": n.created_at.isoformat(),
        "due_date": n.due_date,
        "delivered_via": n.delivered_via,
        "deliveries": [
            {**d, "at": d["at"].isoformat() if hasattr(d.get("at"), "isoformat") else d.get("at")}
            for d in n.deliveries
        ],
    }


async def notifications_shown(parts: NotifierParts, rids: list[str]) -> list[dict[str, Any]]:
    return [notification_view(n) for n in await parts.notifications.for_registrations(rids)]


async def hall(
    parts: NotifierParts, rids: list[str], timelines: Mapping[str, Timeline] | None = None
) -> dict[str, Any]:
    """Every registration of the hall and its notices; `timelines` if they were just read."""
    if timelines is None:
        timelines = await parts.timelines.find_many(rids)
    registrations = [registration_view(parts, rid, timelines.get(rid)) for rid in rids]
    licensed = [r for r in registrations if r["uscc"]]
    return {
        "registrations": registrations,
        "notifications": await notifications_shown(parts, rids),
        "enterprise": {"uscc": licensed[-1]["uscc"], "name": licensed[-1]["name"]}
        if licensed
        else None,
    }
