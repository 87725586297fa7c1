"""Renewing an enterprise's access token revokes every older one (a leaked link stops working).

A token is an HMAC over the registration id and a version (service_runtime/access.py). The
registration keeps the lowest version it still honours; a renewal raises it in one update
with a `registration.access-revoked.v1` event, from which the notifier learns the same.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import JSONResponse

from service_runtime.access import access_token_version, bearer_token, issue_access_token
from service_runtime.auth_first import AuthFirstRoute, authenticated_first
from service_runtime.host import settings_of
from service_runtime.problems import Problem, require_registration_token
from service_runtime.settings import RegistrationSettings
from services.registration.parts import Parts, RegistrationParts

router = APIRouter(tags=["registrations"], route_class=AuthFirstRoute)


async def require_current_token(
    parts: RegistrationParts, registration_id: str, authorization: str | None
) -> int:
    """The registration's current token version, if the bearer token is genuine and not revoked.

    401 without a token or with a revoked one, 403 with another registration's, 404 for an
    unknown registration.
    """
    secret = parts.runtime.settings.access_token_secret.get_secret_value()
    require_registration_token(secret, registration_id, authorization)
    presented = access_token_version(secret, registration_id, bearer_token(authorization) or "")
    current = await parts.registrations.token_version(registration_id)
    if current is None:
        raise Problem(404, "registration_not_found")
    if presented is None or presented < current:
        raise Problem(401, "access_token_revoked")
    return current


async def require_completed_by_owner(
    parts: RegistrationParts, registration_id: str, authorization: str | None
) -> None:
    """What comes after the licence (delivery, deregistration) needs the owner's current token
    and a completed registration: 409 `registration_not_completed` before."""
    await require_current_token(parts, registration_id, authorization)
    status = await parts.registrations.status_of(registration_id)
    if status != "completed":
        raise Problem(409, "registration_not_completed", registration_status=status)


def token_for_path_registration(request: Request) -> None:
    """The auth-first check (before any body is read): a genuine token for the path's id."""
    require_registration_token(
        settings_of(request, RegistrationSettings).access_token_secret.get_secret_value(),
        request.path_params["registration_id"],
        request.headers.get("authorization"),
    )


@router.post("/api/v1/registrations/{registration_id}/access-token", status_code=201)
@authenticated_first(token_for_path_registration)
async def renew_access_token(
    parts: Parts,
    registration_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """A new access token; the one presented and every other older one stop working."""
    current = await require_current_token(parts, registration_id, authorization)
    renewed = await parts.registrations.renew_access(registration_id, current)
    if renewed is None:
        raise Problem(409, "access_token_renewed_concurrently")
    secret = parts.runtime.settings.access_token_secret.get_secret_value()
    return JSONResponse(
        {
            "registration_id": registration_id,
            "access_token": issue_access_token(secret, registration_id, renewed),
            "token_version": renewed,
        },
        status_code=201,
    )
