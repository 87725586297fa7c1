"""The enterprise page (企业专属网页): one login, my service hall, reminders, notices, licences.

The browser talks only to the notifier. Submissions, corrections and department forms are
passed through to the registration service with the registration's own access token, so the
token never has to live in the page's script.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from pydantic import BaseModel, Field

from contracts.events import DepartmentStatus
from contracts.form import RegistrationForm
from contracts.topology import TOPOLOGY
from service_runtime.access import access_token_version, issue_access_token
from service_runtime.host import Runtime
from service_runtime.problems import Problem
from service_runtime.ratelimit import RateLimit
from services.notifier.http import timeline_snapshot
from services.notifier.live import Changes, PageListeners
from services.notifier.notifications import Notification, NotificationStore
from services.notifier.session import (
    session_versions,
    sign_in,
    sign_out,
)
from services.notifier.store import MongoTimelineStore
from services.notifier.stream_limits import StreamSlots, within
from services.notifier.timeline import Timeline

router = APIRouter(tags=["enterprise page"])
STATIC = FilePath(__file__).parent / "static"
FORM_SCHEMA = RegistrationForm.model_json_schema()
DEPARTMENT_LABELS = {d.name: {"zh": d.label_zh, "en": d.label_en} for d in TOPOLOGY.departments}
SAMPLE_FORM = FilePath(__file__).parents[2] / "examples" / "registration.json"
RegistrationPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
STREAM_MAX_SECONDS = 3600.0
POLL_SECONDS = 5.0
FORWARD_TIMEOUT = httpx.Timeout(10.0)
DECIDED = {DepartmentStatus.APPROVED.value}


class SignIn(BaseModel):
    registration_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    access_token: str = Field(min_length=10, max_length=200, pattern=r"^[A-Za-z0-9_.-]+$")


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.get("/", include_in_schema=False)
async def root() -> RedirectResponse:
    return RedirectResponse("/page", status_code=307)


@router.get("/page", include_in_schema=False)
async def page() -> FileResponse:
    return FileResponse(STATIC / "page.html", headers={"Cache-Control": "no-store"})


@router.get("/static/{name}", include_in_schema=False)
async def static_file(name: Annotated[str, Path(pattern=r"^[a-z-]+\.(js|css)$")]) -> FileResponse:
    if not (STATIC / name).is_file():
        raise Problem(404, "not_found")
    return FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})


@router.get("/page/sample-form", include_in_schema=False)
async def sample_form() -> FileResponse:
    """The sample filled in on the submission form, so a first visit can try the whole flow."""
    if not SAMPLE_FORM.is_file():
        raise Problem(404, "not_found")
    return FileResponse(SAMPLE_FORM, media_type="application/json")


@router.get("/page/form-schema", include_in_schema=False)
async def form_schema() -> JSONResponse:
    """The form's JSON Schema, from the very model the registration service validates with."""
    return JSONResponse(FORM_SCHEMA, headers={"Cache-Control": "max-age=300"})


@router.get("/page/e/{uscc}", include_in_schema=False, response_model=None)
async def enterprise_home(
    request: Request, uscc: Annotated[str, Path(pattern=r"^[0-9A-Z]{18}$")]
) -> Response:
    """The enterprise's home once licensed; only for a browser signed in as that enterprise."""
    runtime = _runtime(request)
    rids = list(await _signed_in(request, runtime))
    if not await _store(runtime).owns_uscc(rids, uscc):
        return HTMLResponse((STATIC / "refused.html").read_text("utf-8"), status_code=403)
    return FileResponse(STATIC / "page.html", headers={"Cache-Control": "no-store"})


def _limited(request: Request, kind: str) -> None:
    limits: dict[str, RateLimit] = _runtime(request).state["page_limits"]
    limits[kind](request)


@router.post("/page/api/session", status_code=204)
async def create_session(request: Request, body: SignIn) -> Response:
    """Sign in with a registration id and its access token; adds it to this browser's session."""
    _limited(request, "sign_in")
    runtime = _runtime(request)
    secret = runtime.settings.access_token_secret.get_secret_value()
    version = access_token_version(secret, body.registration_id, body.access_token)
    timeline = await _store(runtime).find(body.registration_id)
    if version is not None and timeline is not None and version < timeline.min_token_version:
        raise Problem(401, "access_token_revoked")
    response = Response(status_code=204)
    sign_in(request, response, runtime.settings, body.registration_id, body.access_token)
    return response


@router.delete("/page/api/session", status_code=204)
async def delete_session(request: Request) -> Response:
    response = Response(status_code=204)
    sign_out(response, _runtime(request).settings)
    return response


@router.get("/page/api/me")
async def me(
    request: Request, uscc: Annotated[str | None, Query(pattern=r"^[0-9A-Z]{18}$")] = None
) -> JSONResponse:
    runtime = _runtime(request)
    rids = list(await _signed_in(request, runtime))
    if uscc is not None and not await _store(runtime).owns_uscc(rids, uscc):
        raise Problem(403, "not_your_enterprise")
    return JSONResponse(await _hall(runtime, rids))


@router.get("/page/api/stream")
async def stream(request: Request) -> StreamingResponse:
    """Server-Sent Events: the whole hall first, then each registration and the notices on change."""
    runtime = _runtime(request)
    rids = list(await _signed_in(request, runtime))
    slots: StreamSlots = runtime.state["stream_slots"]
    address = request.client.host if request.client else ""
    client = "session:" + ",".join(sorted(rids))  # one signed-in browser
    slots.check(address, client)
    return StreamingResponse(
        within(slots, address, client, _stream(request, runtime, rids)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.post("/page/api/registrations", status_code=202)
async def submit_through_page(request: Request) -> Response:
    """Submit the one form; on acceptance this browser is signed in to the new registration."""
    _limited(request, "write")
    runtime = _runtime(request)
    headers = {"content-type": request.headers.get("content-type", "application/json")}
    if key := request.headers.get("idempotency-key"):
        headers["idempotency-key"] = key
    answer = await _forward(runtime, "POST", "/api/v1/registrations", headers, request.stream())
    response = _relay(answer)
    if answer.status_code == 202:  # noqa: PLR2004
        body = answer.json()
        sign_in(request, response, runtime.settings, body["registration_id"], body["access_token"])
    return response


@router.post("/page/api/registrations/{registration_id}/corrections", status_code=202)
async def correct_through_page(request: Request, registration_id: RegistrationPath) -> Response:
    _limited(request, "write")
    runtime = _runtime(request)
    version = await _owned(request, runtime, registration_id)
    headers = {
        "content-type": request.headers.get("content-type", "application/merge-patch+json"),
        "authorization": f"Bearer {_token(runtime, registration_id, version)}",
    }
    path = f"/api/v1/registrations/{registration_id}/corrections"
    return _relay(await _forward(runtime, "POST", path, headers, request.stream()))


@router.get("/page/api/registrations/{registration_id}/forms/{department}")
async def department_form_through_page(
    request: Request,
    registration_id: RegistrationPath,
    department: Annotated[str, Path(pattern=r"^[a-z][a-z_]{1,30}$")],
    format: Annotated[Literal["html", "pdf"], Query()] = "html",  # noqa: A002 - public name
) -> Response:
    runtime = _runtime(request)
    version = await _owned(request, runtime, registration_id)
    headers = {"authorization": f"Bearer {_token(runtime, registration_id, version)}"}
    path = f"/api/v1/registrations/{registration_id}/forms/{department}?format={format}"
    return _relay(await _forward(runtime, "GET", path, headers, None))


async def page_component(runtime: Runtime) -> None:
    per_minute = runtime.settings.page_rate_limit_per_minute
    runtime.state["page_limits"] = {
        "sign_in": RateLimit(per_minute, name="sign-ins"),
        "write": RateLimit(per_minute, name="submissions and corrections"),
    }


def _store(runtime: Runtime) -> MongoTimelineStore:
    store: MongoTimelineStore = runtime.state["timelines"]
    return store


def _token(runtime: Runtime, registration_id: str, version: int) -> str:
    """The registration service's token for this registration, at its current version."""
    return issue_access_token(
        runtime.settings.access_token_secret.get_secret_value(), registration_id, version
    )


async def _signed_in(request: Request, runtime: Runtime) -> dict[str, int]:
    """This browser's registrations, each with its current token version; 401 if none is left.

    A registration whose access token was renewed after this browser signed in drops out: the
    renewal ends every session opened with an older token.
    """
    versions = session_versions(request, runtime.settings)
    timelines = await _store(runtime).find_many(list(versions)) if versions else {}
    current = {rid: timelines[rid].min_token_version if rid in timelines else 0 for rid in versions}
    kept = {rid: current[rid] for rid, signed in versions.items() if signed >= current[rid]}
    if not kept:
        raise Problem(401, "not_signed_in")
    return kept


async def _owned(request: Request, runtime: Runtime, registration_id: str) -> int:
    """401 when not signed in; 403, with nothing about it, for another enterprise's registration."""
    signed = await _signed_in(request, runtime)
    if registration_id not in signed:
        raise Problem(403, "not_your_registration")
    return signed[registration_id]


async def _forward(
    runtime: Runtime,
    method: str,
    path: str,
    headers: dict[str, str],
    body: AsyncIterator[bytes] | None,
) -> httpx.Response:
    """The body streams through as it arrives: the notifier never holds a whole form."""
    url = runtime.settings.registration_service_url.rstrip("/") + path
    try:
        async with httpx.AsyncClient(timeout=FORWARD_TIMEOUT) as client:
            return await client.request(method, url, headers=headers, content=body)
    except httpx.HTTPError as error:
        raise Problem(
            503, "registration_service_unreachable", detail=type(error).__name__
        ) from error


def _relay(answer: httpx.Response) -> Response:
    # A document keeps the registration service's own policy (it needs its inline styles).
    kept = {"content-type", "content-disposition", "cache-control", "content-security-policy"}
    headers = {k: v for k, v in answer.headers.items() if k.lower() in kept}
    return Response(answer.content, status_code=answer.status_code, headers=headers)


def _corrections(timeline: Timeline) -> list[dict[str, Any]]:
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
                "label_en": TOPOLOGY.by_name[department].label_en
                if department in TOPOLOGY.by_name
                else department,
                "reasons": reasons,
            }
        )
    return wanted


def registration_view(runtime: Runtime, rid: str, timeline: Timeline | None) -> dict[str, Any]:
    timeline = timeline or Timeline(rid)
    view = timeline_snapshot(rid, timeline)
    view["name"] = (timeline.profile or {}).get("name")
    view["uscc"] = timeline.uscc
    view["corrections"] = _corrections(timeline)
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
    base = runtime.settings.registration_public_url.rstrip("/")
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


async def _notifications(runtime: Runtime, rids: list[str]) -> list[dict[str, Any]]:
    store: NotificationStore = runtime.state["notifications"]
    return [notification_view(n) for n in await store.for_registrations(rids)]


async def _hall(runtime: Runtime, rids: list[str]) -> dict[str, Any]:
    timelines = await _store(runtime).find_many(rids)
    registrations = [registration_view(runtime, rid, timelines.get(rid)) for rid in rids]
    licensed = [r for r in registrations if r["uscc"]]
    return {
        "registrations": registrations,
        "notifications": await _notifications(runtime, rids),
        "enterprise": {"uscc": licensed[-1]["uscc"], "name": licensed[-1]["name"]}
        if licensed
        else None,
    }


def _event(name: str, data: Any) -> str:  # noqa: ANN401 - JSON
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _digest(data: Any) -> str:  # noqa: ANN401 - JSON
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


async def _stream(request: Request, runtime: Runtime, rids: list[str]) -> AsyncIterator[str]:
    listeners: PageListeners = runtime.state["listeners"]
    sent: dict[str, str] = {}  # what the browser already has: nothing is sent twice
    started = time.monotonic()
    yield "retry: 2000\n\n"
    with listeners.subscribe(rids) as changes:
        hall = await _hall(runtime, rids)
        yield _event("hall", hall)
        for view in hall["registrations"]:
            sent[view["registration_id"]] = _digest(view)
        sent["notifications"] = _digest(hall["notifications"])
        while (
            time.monotonic() - started < STREAM_MAX_SECONDS and not await request.is_disconnected()
        ):
            changed = await changes.next(timeout=POLL_SECONDS)
            if not changed:  # a lost wake-up costs at most one poll
                changed = Changes(timelines=set(rids), notifications=set(rids))
                yield ": keepalive\n\n"
            unread = [r for r in changed.timelines if r not in changed.fresh]
            fetched = await _store(runtime).find_many(unread) if unread else {}
            for rid in sorted(changed.timelines):
                timeline = changed.fresh.get(rid) or fetched.get(rid)
                view = registration_view(runtime, rid, timeline)
                if sent.get(rid) != (digest := _digest(view)):
                    sent[rid] = digest
                    yield _event("registration", view)
            if changed.notifications:
                notices = await _notifications(runtime, rids)
                if sent.get("notifications") != (digest := _digest(notices)):
                    sent["notifications"] = digest
                    yield _event("notifications", notices)
