"""HTTP intake for the one form."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse

from contracts.form import EnterpriseType, FreeTradeZoneArea, RegistrationForm
from service_runtime.access import issue_access_token
from service_runtime.problems import Problem
from service_runtime.telemetry import mark_registration
from services.registration.intake import parse_json_body, validate_form
from services.registration.names import name_errors, name_key, name_problems, parse_name
from services.registration.parts import Parts
from services.registration.scope import scope_errors
from services.registration.submit import submit_registration

log = structlog.get_logger("registration")
router = APIRouter()

# The body is parsed by hand (size, depth, content type first), so the form's schema is
# published explicitly: the request body refers to it and its parts live in components.
_FORM_SCHEMA = RegistrationForm.model_json_schema(ref_template="#/components/schemas/{model}")
FORM_COMPONENTS = {
    "RegistrationForm": {k: v for k, v in _FORM_SCHEMA.items() if k != "$defs"},
    **_FORM_SCHEMA["$defs"],
}
_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "malformed or too deeply nested JSON"},
    413: {"description": "body over 1 MiB"},
    415: {"description": "content type is not application/json"},
    422: {"description": "form invalid: every failing field with rule, zh and en messages"},
}


def content_errors(form: RegistrationForm) -> list[dict[str, Any]]:
    """What the schema cannot say: the name's structure, and the scope against the catalogue."""
    return name_errors(name_problems(form.enterprise.name, form.enterprise.type)) + scope_errors(
        form
    )


@router.post(
    "/api/v1/registrations",
    status_code=202,
    responses=_ERROR_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/RegistrationForm"}}
            },
        }
    },
)
async def submit(
    request: Request,
    parts: Parts,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
) -> JSONResponse:
    """Accept one comprehensive form; every department receives it from the bus."""
    body = await request.body()  # at most MAX_REQUEST_BODY_BYTES (service_runtime/body_limit.py)
    form = validate_form(parse_json_body(request.headers.get("content-type"), body))
    errors = content_errors(form)
    if errors:
        raise Problem(422, "form_invalid", errors)
    accepted = await submit_registration(
        form,
        idempotency_key,
        parts.registrations,
        lambda: datetime.now(UTC),
        client=request.client.host if request.client else "",
    )
    rid = accepted.registration_id
    mark_registration(rid)
    if accepted.submitted is not None:
        log.info("registration_accepted", registration_id=rid)
    settings = parts.runtime.settings
    base = f"{settings.notifier_public_url}/api/v1/registrations/{rid}"
    return JSONResponse(
        {
            "registration_id": rid,
            "access_token": issue_access_token(
                settings.access_token_secret.get_secret_value(), rid
            ),
            "status": "submitted",
            "timeline_url": f"{base}/timeline",
            "stream_url": f"{base}/stream",
            "replayed": accepted.submitted is None,
        },
        status_code=202,
    )


@router.get("/api/v1/names/check")
async def check_name(
    request: Request,
    parts: Parts,
    name: Annotated[str, Query(min_length=1, max_length=100)],
    area: Annotated[FreeTradeZoneArea, Query()],
    enterprise_type: Annotated[
        EnterpriseType, Query(alias="type")
    ] = EnterpriseType.LIMITED_LIABILITY_COMPANY,
) -> JSONResponse:
    """Test a name before submitting: its structure, and whether it is free in the area."""
    parts.public_limit(request)
    problems = name_problems(name, enterprise_type)
    held = await parts.registrations.name_is_held(name_key(area, name))
    if held:
        problems.append("name_taken_in_area")
    pieces = parse_name(name)
    return JSONResponse(
        {
            "name": name,
            "area": area.value,
            "available": not problems,
            # Only whether someone holds the name: whether that registration is complete or
            # still in progress is not the asker's business (and told a squatter which names
            # are worth waiting for).
            "reservation": "unavailable" if held else None,
            "parts": {
                "division": pieces.division,
                "trade_name": pieces.trade_name,
                "industry": pieces.industry,
                "organisational_form": pieces.organisational_form,
            },
            "errors": name_errors(problems),
        }
    )
