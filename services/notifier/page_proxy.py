"""The page's pass-through to the registration service, with the registration's own token.

The browser never holds an access token: the notifier signs each forwarded request with the
token the registration service expects, at the registration's current version.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import Request, Response

from service_runtime.access import issue_access_token
from service_runtime.problems import Problem
from service_runtime.settings import NotifierSettings
from services.notifier.parts import NotifierParts
from services.notifier.session import session_versions

FORWARD_TIMEOUT = httpx.Timeout(10.0)


def token_for(settings: NotifierSettings, registration_id: str, version: int) -> str:
    """The registration service's token for this registration, at its current version."""
    return issue_access_token(
        settings.access_token_secret.get_secret_value(), registration_id, version
    )


async def forward(
    settings: NotifierSettings,
    method: str,
    path: str,
    headers: dict[str, str],
    body: AsyncIterator[bytes] | None,
) -> httpx.Response:
    """The body streams through as it arrives: the notifier never holds a whole form."""
    url = settings.registration_service_url.rstrip("/") + path
    try:
        async with httpx.AsyncClient(timeout=FORWARD_TIMEOUT) as client:
            return await client.request(method, url, headers=headers, content=body)
    except httpx.HTTPError as error:
        raise Problem(
            503, "registration_service_unreachable", detail=type(error).__name__
        ) from error


def relay(answer: httpx.Response) -> Response:
    # A document keeps the registration service's own policy (it needs its inline styles).
    kept = {"content-type", "content-disposition", "cache-control", "content-security-policy"}
    headers = {k: v for k, v in answer.headers.items() if k.lower() in kept}
    return Response(answer.content, status_code=answer.status_code, headers=headers)


async def signed_in(request: Request, parts: NotifierParts) -> dict[str, int]:
    """This browser's registrations, each with its current token version; 401 if none is left.

    A registration whose access token was renewed after this browser signed in drops out: the
    renewal ends every session opened with an older token.
    """
    versions = session_versions(request, parts.runtime.settings)
    timelines = await parts.timelines.find_many(list(versions)) if versions else {}
    current = {rid: timelines[rid].min_token_version if rid in timelines else 0 for rid in versions}
    kept = {rid: current[rid] for rid, signed in versions.items() if signed >= current[rid]}
    if not kept:
        raise Problem(401, "not_signed_in")
    return kept


async def owned(request: Request, parts: NotifierParts, registration_id: str) -> int:
    """401 when not signed in; 403, with nothing about it, for another enterprise's registration."""
    signed = await signed_in(request, parts)
    if registration_id not in signed:
        raise Problem(403, "not_your_registration")
    return signed[registration_id]


async def get_owned(
    request: Request, parts: NotifierParts, registration_id: str, action: str
) -> Response:
    """Forward a read of one of this browser's registrations, with that registration's token."""
    settings = parts.runtime.settings
    version = await owned(request, parts, registration_id)
    headers = {"authorization": f"Bearer {token_for(settings, registration_id, version)}"}
    path = f"/api/v1/registrations/{registration_id}/{action}"
    return relay(await forward(settings, "GET", path, headers, None))


async def post_owned(
    request: Request, parts: NotifierParts, registration_id: str, action: str, kind: str
) -> Response:
    """Forward a write on one of this browser's registrations, with that registration's token."""
    parts.page_limits.write(request)
    settings = parts.runtime.settings
    version = await owned(request, parts, registration_id)
    headers = {
        "content-type": request.headers.get("content-type", f"application/{kind}"),
        "authorization": f"Bearer {token_for(settings, registration_id, version)}",
    }
    path = f"/api/v1/registrations/{registration_id}/{action}"
    return relay(await forward(settings, "POST", path, headers, request.stream()))
