"""The page's pass-through to the registration service, with the registration's own token.

The browser never holds an access token: the notifier signs each forwarded request with the
token the registration service expects, at the registration's current version.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import Response

from service_runtime.access import issue_access_token
from service_runtime.problems import Problem
from service_runtime.settings import NotifierSettings

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
