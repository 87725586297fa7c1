"""One login (一次登录): the access token from submission signs the enterprise in, by cookie.

The cookie is a signed, expiring list of the registrations this browser has proved it owns.
HttpOnly keeps it from scripts; SameSite=Lax keeps other sites from posting with it; Secure
(always, outside local development) keeps it off plain HTTP.
"""

from __future__ import annotations

from fastapi import Request, Response

from service_runtime.access import access_token_version, read_claims, sign_claims
from service_runtime.problems import Problem
from service_runtime.settings import NotifierSettings

COOKIE = "ep_session"
SESSION_HOURS = 12.0
MAX_REGISTRATIONS = 20  # a cookie stays small; the oldest sign-in drops off first


def session_versions(request: Request, settings: NotifierSettings) -> dict[str, int]:
    """This browser's registrations, each with the access-token version it signed in with.

    The caller checks those against the registration's current version (page.py): a renewal
    of the access token ends every browser session signed in with an older one.
    """
    token = request.cookies.get(COOKIE)
    if not token:
        return {}
    claims = read_claims(
        settings.session_secret.get_secret_value(), "session", token, max_hours=SESSION_HOURS
    )
    rids = claims.get("rids") if claims else None
    versions = (claims or {}).get("tv")
    versions = versions if isinstance(versions, dict) else {}
    if not isinstance(rids, list):
        return {}
    return {
        r: v if isinstance(v := versions.get(r, 0), int) else 0 for r in rids if isinstance(r, str)
    }


def sign_in(
    request: Request,
    response: Response,
    settings: NotifierSettings,
    registration_id: str,
    token: str,
) -> dict[str, int]:
    version = access_token_version(
        settings.access_token_secret.get_secret_value(), registration_id, token
    )
    if version is None:
        raise Problem(401, "access_token_invalid")
    kept = session_versions(request, settings)
    kept.pop(registration_id, None)
    versions = dict([*kept.items(), (registration_id, version)][-MAX_REGISTRATIONS:])
    write_session(response, settings, versions)
    return versions


def write_session(response: Response, settings: NotifierSettings, versions: dict[str, int]) -> None:
    value = sign_claims(
        settings.session_secret.get_secret_value(),
        "session",
        {"rids": list(versions), "tv": versions},
        SESSION_HOURS,
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


def secure_cookies(settings: NotifierSettings) -> bool:
    """Outside local development the cookie never travels over plain HTTP, whatever the URL says."""
    return not settings.is_local or settings.notifier_public_url.startswith("https://")


def sign_out(response: Response, settings: NotifierSettings) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=secure_cookies(settings)
    )
