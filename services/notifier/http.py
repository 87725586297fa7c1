"""The enterprise's timeline: a snapshot and a live Server-Sent Events stream."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import JSONResponse, StreamingResponse

from contracts.topology import TOPOLOGY
from service_runtime.access import access_token_version, bearer_token
from service_runtime.problems import Problem, require_registration_token
from services.notifier.credit_view import credit_view
from services.notifier.decision_times import History
from services.notifier.delivery_view import delivery_view
from services.notifier.deregistration_view import deregistration_view
from services.notifier.parts import NotifierParts, Parts
from services.notifier.prediction import predict
from services.notifier.stream_limits import within
from services.notifier.timeline import Timeline
from services.notifier.timeline_reads import TimelineEntry, TimelineRow

router = APIRouter()
RegistrationPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
TERMINAL_OVERALL = frozenset({"completed", "rejected", "withdrawn"})
STREAM_MAX_SECONDS = 3600.0  # clients reconnect with Last-Event-ID
KEEPALIVE_SECONDS = 15.0
LAST_EVENT_ID_DIGITS = 18  # an entry's seq; any real timeline is far shorter
LAST_EVENT_ID = re.compile(f"[0-9]{{1,{LAST_EVENT_ID_DIGITS}}}")


def resume_after(last_event_id: str | None) -> int:
    """The entry to resume after: 0 without the header, 400 for anything but our own ids.

    Only ASCII digits, and few of them: `str.isdigit()` also accepts '²', and `int()` refuses
    more than 4,300 digits; both ended as a 500.
    """
    if not last_event_id:
        return 0
    if not LAST_EVENT_ID.fullmatch(last_event_id):
        raise Problem(
            400,
            "invalid_last_event_id",
            [
                {
                    "path": "Last-Event-ID",
                    "rule": "ascii_digits",
                    "message_zh": f"Last-Event-ID 须为不超过 {LAST_EVENT_ID_DIGITS} 位的数字",
                    "message_en": f"Last-Event-ID must be at most {LAST_EVENT_ID_DIGITS} digits",
                }
            ],
        )
    return int(last_event_id)


def _authorised_version(
    parts: NotifierParts, registration_id: str, authorization: str | None
) -> int:
    """The presented token's version; 401 or 403 unless it is genuine and for this registration."""
    secret = parts.runtime.settings.access_token_secret.get_secret_value()
    require_registration_token(secret, registration_id, authorization)
    version = access_token_version(secret, registration_id, bearer_token(authorization) or "")
    return -1 if version is None else version


def _require_not_revoked(version: int, timeline: Timeline | None) -> None:
    """401 for a token older than the registration's last renewal (access_renewal.py)."""
    if timeline is not None and version < timeline.min_token_version:
        raise Problem(401, "access_token_revoked")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def entry_view(entry: dict[str, Any]) -> dict[str, Any]:
    view = {k: v for k, v in entry.items() if k != "sequence"}
    view["occurred_at"] = _iso(entry["occurred_at"])
    return view


def timeline_snapshot(
    registration_id: str, timeline: Timeline | None, history: History
) -> dict[str, Any]:
    timeline = timeline or Timeline(registration_id)
    departments = {d: timeline.departments.get(d, "pending") for d in TOPOLOGY.required}
    departments.update({d: s for d, s in timeline.departments.items() if d not in departments})
    return {
        "registration_id": registration_id,
        "overall_status": timeline.overall_status,
        "departments": departments,
        "submitted_at": _iso(timeline.submitted_at),
        "entries": [entry_view(e) for e in timeline.ordered_entries()],
        "data_reads": [data_read_view(r) for r in timeline.data_reads],
        "credit": credit_view(timeline.credit),  # the enterprise's rating, once registered
        "delivery": delivery_view(timeline.delivery),  # the paper licence and seals
        "deregistration": deregistration_view(timeline.deregistration),  # 简易注销, once asked
        "annual_reports": timeline.annual_reports,  # by year: filed, listed, removed
        "permits": timeline.permits,  # post-licence permits by catalogue id (证照分离)
        "questions": timeline.questions,  # the helpdesk's questions by id: state, due, score
        "changes": timeline.changes,  # 变更登记 by id: fields, decisions, licence version
        # When it is expected to finish (prediction.py), while it is in progress: a finished
        # one (every live stream's last snapshot) skips the work.
        "prediction": None
        if timeline.overall_status in TERMINAL_OVERALL
        else predict(progress_row(timeline), history, datetime.now(UTC)),
    }


def progress_row(timeline: Timeline) -> TimelineRow:
    """The fields of a timeline a prediction reads, as the read model names them."""
    return TimelineRow(
        registration_id=timeline.registration_id,
        overall_status=timeline.overall_status,
        departments=timeline.departments,
        entries=tuple(TimelineEntry.of(e) for e in timeline.entries),
        submitted_at=timeline.submitted_at,
    )


PURPOSES = {"case_review": ("审查案件", "reviewing the case")}


def data_read_view(read: dict[str, Any]) -> dict[str, Any]:
    """Who saw the enterprise's data, when and why, in both languages (数据查阅记录)."""
    purpose_zh, purpose_en = PURPOSES.get(read["purpose"], (read["purpose"], read["purpose"]))
    return {
        "department": read["department"],
        "department_zh": TOPOLOGY.label_zh(read["department"]),
        "department_en": TOPOLOGY.label_en(read["department"]),
        "officer_id": read["officer_id"],
        "purpose": read["purpose"],
        "purpose_zh": purpose_zh,
        "purpose_en": purpose_en,
        "sections": read["sections"],
        "occurred_at": _iso(read["occurred_at"]),
    }


@router.get("/api/v1/registrations/{registration_id}/timeline")
async def get_timeline(
    parts: Parts,
    registration_id: RegistrationPath,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """The registration's progress: overall status, each department, every entry in order."""
    version = _authorised_version(parts, registration_id, authorization)
    timeline = await parts.timelines.find(registration_id)
    _require_not_revoked(version, timeline)
    return JSONResponse(timeline_snapshot(registration_id, timeline, parts.decision_times.history))


@router.get("/api/v1/registrations/{registration_id}/stream")
async def stream_timeline(
    request: Request,
    parts: Parts,
    registration_id: RegistrationPath,
    authorization: Annotated[str | None, Header()] = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Timeline entries as they arrive (`text/event-stream`); resumes after Last-Event-ID."""
    version = _authorised_version(parts, registration_id, authorization)
    first = await parts.timelines.find(registration_id)
    _require_not_revoked(version, first)
    after = resume_after(last_event_id)
    slots = parts.stream_slots
    address, client = (
        request.client.host if request.client else "",
        f"registration:{registration_id}",
    )
    slots.check(address, client)
    events = within(
        slots,
        address,
        client,
        _stream(request, parts, first or Timeline(registration_id), after, version),
    )
    return StreamingResponse(
        events, media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )


async def _stream(
    request: Request, parts: NotifierParts, first: Timeline, after: int, version: int
) -> AsyncIterator[str]:
    """`first` was read for the token check: a change since is handed over or polled for."""
    store, listeners, registration_id = parts.timelines, parts.listeners, first.registration_id
    started = last_sent = time.monotonic()
    yield "retry: 2000\n\n"
    with listeners.subscribe([registration_id], read=[first]) as changes:
        timeline = first
        while (
            time.monotonic() - started < STREAM_MAX_SECONDS and not await request.is_disconnected()
        ):
            for entry in sorted(timeline.entries, key=lambda e: e["seq"]):
                if entry["seq"] > after:
                    data = {**entry_view(entry), "overall_status": timeline.overall_status}
                    body = json.dumps(data, ensure_ascii=False)
                    yield f"id: {entry['seq']}\nevent: timeline\ndata: {body}\n\n"
                    after = entry["seq"]
                    last_sent = time.monotonic()
            if version < timeline.min_token_version:
                return  # the token was renewed meanwhile: this stream's token no longer counts
            if timeline.overall_status in TERMINAL_OVERALL:
                history = parts.decision_times.history
                final = json.dumps(
                    timeline_snapshot(registration_id, timeline, history), ensure_ascii=False
                )
                yield f"event: end\ndata: {final}\n\n"
                return
            if time.monotonic() - last_sent > KEEPALIVE_SECONDS:
                yield ": keepalive\n\n"
                last_sent = time.monotonic()
            # Woken by any instance's change; a lost wake is caught by the shared slow poll
            # (stream_watch.py), so a quiet stream reads nothing until its keep-alive is due.
            changed = await changes.next(timeout=KEEPALIVE_SECONDS)
            if not changed.timelines:
                continue  # a keep-alive's turn, or only its notifications changed
            timeline = (
                changed.fresh.get(registration_id)
                or await store.find(registration_id)
                or Timeline(registration_id)
            )
            changes.saw([timeline])
