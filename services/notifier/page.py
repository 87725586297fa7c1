"""The enterprise page (企业专属网页): one login, my service hall, reminders, notices, licences.

The browser talks only to the notifier. Submissions, corrections and department forms are
passed through to the registration service with the registration's own access token, so the
token never has to live in the page's script.
"""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Annotated, Literal

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

from contracts.form import RegistrationForm
from service_runtime.access import access_token_version
from service_runtime.problems import Problem
from services.notifier.page_proxy import (
    forward,
    get_owned,
    post_owned,
    relay,
    signed_in,
)
from services.notifier.page_stream import hall_events
from services.notifier.page_views import hall
from services.notifier.parts import Parts
from services.notifier.session import sign_in, sign_out
from services.notifier.stream_limits import within

router = APIRouter(tags=["enterprise page"])
STATIC = FilePath(__file__).parent / "static"
FORM_SCHEMA = RegistrationForm.model_json_schema()
SAMPLE_FORM = FilePath(__file__).parents[2] / "examples" / "registration.json"
RegistrationPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


class SignIn(BaseModel):
    registration_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    access_token: str = Field(min_length=10, max_length=200, pattern=r"^[A-Za-z0-9_.-]+$")


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
    request: Request, parts: Parts, uscc: Annotated[str, Path(pattern=r"^[0-9A-Z]{18}$")]
) -> Response:
    """The enterprise's home once licensed; only for a browser signed in as that enterprise."""
    rids = list(await signed_in(request, parts))
    if not await parts.timelines.owns_uscc(rids, uscc):
        return HTMLResponse((STATIC / "refused.html").read_text("utf-8"), status_code=403)
    return FileResponse(STATIC / "page.html", headers={"Cache-Control": "no-store"})


@router.post("/page/api/session", status_code=204)
async def create_session(request: Request, parts: Parts, body: SignIn) -> Response:
    """Sign in with a registration id and its access token; adds it to this browser's session."""
    parts.page_limits.sign_in(request)
    settings = parts.runtime.settings
    secret = settings.access_token_secret.get_secret_value()
    version = access_token_version(secret, body.registration_id, body.access_token)
    timeline = await parts.timelines.find(body.registration_id)
    if version is not None and timeline is not None and version < timeline.min_token_version:
        raise Problem(401, "access_token_revoked")
    response = Response(status_code=204)
    sign_in(request, response, settings, body.registration_id, body.access_token)
    return response


@router.delete("/page/api/session", status_code=204)
async def delete_session(parts: Parts) -> Response:
    response = Response(status_code=204)
    sign_out(response, parts.runtime.settings)
    return response


@router.get("/page/api/me")
async def me(
    request: Request,
    parts: Parts,
    uscc: Annotated[str | None, Query(pattern=r"^[0-9A-Z]{18}$")] = None,
) -> JSONResponse:
    rids = list(await signed_in(request, parts))
    if uscc is not None and not await parts.timelines.owns_uscc(rids, uscc):
        raise Problem(403, "not_your_enterprise")
    return JSONResponse(await hall(parts, rids))


@router.get("/page/api/stream")
async def stream(request: Request, parts: Parts) -> StreamingResponse:
    """Server-Sent Events: the whole hall first, then each registration and the notices on change."""
    rids = list(await signed_in(request, parts))
    slots = parts.stream_slots
    address = request.client.host if request.client else ""
    client = "session:" + ",".join(sorted(rids))  # one signed-in browser
    slots.check(address, client)
    return StreamingResponse(
        within(slots, address, client, hall_events(request, parts, rids)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.post("/page/api/registrations", status_code=202)
async def submit_through_page(request: Request, parts: Parts) -> Response:
    """Submit the one form; on acceptance this browser is signed in to the new registration."""
    parts.page_limits.write(request)
    settings = parts.runtime.settings
    headers = {"content-type": request.headers.get("content-type", "application/json")}
    if key := request.headers.get("idempotency-key"):
        headers["idempotency-key"] = key
    answer = await forward(settings, "POST", "/api/v1/registrations", headers, request.stream())
    response = relay(answer)
    if answer.status_code == 202:  # noqa: PLR2004
        body = answer.json()
        sign_in(request, response, settings, body["registration_id"], body["access_token"])
    return response


@router.post("/page/api/registrations/{registration_id}/corrections", status_code=202)
async def correct_through_page(
    request: Request, parts: Parts, registration_id: RegistrationPath
) -> Response:
    return await post_owned(request, parts, registration_id, "corrections", "merge-patch+json")


@router.get("/page/api/registrations/{registration_id}/forms/{department}")
async def department_form_through_page(
    request: Request,
    parts: Parts,
    registration_id: RegistrationPath,
    department: Annotated[str, Path(pattern=r"^[a-z][a-z_]{1,30}$")],
    format: Annotated[Literal["html", "pdf"], Query()] = "html",  # noqa: A002 - public name
) -> Response:
    action = f"forms/{department}?format={format}"
    return await get_owned(request, parts, registration_id, action)
