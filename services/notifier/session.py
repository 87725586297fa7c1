"""One login (一次登录): the access token from submission signs the enterprise in, by cookie.

The cookie is a signed, expiring list of the registrations this browser has proved it owns.
HttpOnly keeps it from scripts; SameSite=Lax keeps other sites from posting with it; Secure
(always, outside local development) keeps it off plain HTTP.
"""

from __future__ import annotations

from fastapi import Request, Response

from service_runtime.access import read_claims, sign_claims, token_grants
from service_runtime.problems import Problem
from service_runtime.settings import Settings

COOKIE = "ep_session"
SESSION_HOURS = 12.0
MAX_REGISTRATIONS = 20  # a cookie stays small; the oldest sign-in drops off first


def session_registrations(request: Request, settings: Settings) -> list[str]:
    token = request.cookies.get(COOKIE)
    if not token:
        return []
    claims = read_claims(
        settings.session_secret.get_secret_value(), "session", token, max_hours=SESSION_HOURS
    )
    rids = claims.get("rids") if claims else None
    return [r for r in rids if isinstance(r, str)] if isinstance(rids, list) else []


def require_session(request: Request, settings: Settings) -> list[str]:
    rids = session_registrations(request, settings)
    if not rids:
        raise Problem(401, "not_signed_in")
    return rids


def require_owned(request: Request, settings: Settings, registration_id: str) -> None:
    """401 when not signed in; 403, with nothing about it, for another enterprise's registration."""
    if registration_id not in require_session(request, settings):
        raise Problem(403, "not_your_registration")


def sign_in(
    request: Request, response: Response, settings: Settings, registration_id: str, token: str
) -> list[str]:
    if not token_grants(settings.access_token_secret.get_secret_value(), registration_id, token):
        raise Problem(401, "access_token_invalid")
    rids = [r for r in session_registrations(request, settings) if r != registration_id]
    rids = [*rids, registration_id][-MAX_REGISTRATIONS:]
    write_session(response, settings, rids)
    return rids


def write_session(response: Response, settings: Settings, rids: list[str]) -> None:
    value = sign_claims(
        settings.session_secret.get_secret_value(), "session", {"rids": rids}, SESSION_HOURS
    )
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(SESSION_HOURS * 3600),
        httponly=True,
        samesite="lax",
        secure=secure_cookies(settings),
        path="/",
    )


def secure_cookies(settings: Settings) -> bool:
    """Outside local development the cookie never travels over plain HTTP, whatever the URL says."""
    return not settings.is_local or settings.notifier_public_url.startswith("https://")


def sign_out(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=secure_cookies(settings)
    )
