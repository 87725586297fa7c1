"""Signed tokens, verified without a lookup by any service that holds the secret.

- Enterprise access tokens: HMAC over the registration id and a version; they never travel on
  the bus. Renewing a token (`POST .../access-token`) raises the registration's version, and
  every token below it stops working: the one lookup verification needs.
- Officer tokens: a small signed claim set (officer, department, role), scoped to one department.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any, Literal


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, message: str) -> str:
    return _b64(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest())


def issue_access_token(secret: str, registration_id: str, version: int = 0) -> str:
    """Version 0 is the token handed out at submission; each renewal revokes all before it."""
    if version == 0:
        return _mac(secret, f"registration:{registration_id}")
    return f"{version}.{_mac(secret, f'registration:{registration_id}:{version}')}"


MAX_TOKEN_VERSION_DIGITS = 6


def access_token_version(secret: str, registration_id: str, token: str) -> int | None:
    """The version a genuine token for this registration carries; None for anything else."""
    if not token.isascii():  # a signature is base64url; anything else is simply wrong
        return None
    head, dot, _ = token.partition(".")
    if not dot:
        version = 0
    elif head.isdigit() and len(head) <= MAX_TOKEN_VERSION_DIGITS and head[0] != "0":
        version = int(head)
    else:
        return None
    genuine = issue_access_token(secret, registration_id, version)
    return version if hmac.compare_digest(genuine, token) else None


def token_grants(secret: str, registration_id: str, token: str, min_version: int = 0) -> bool:
    """A genuine token for this registration, not revoked (`min_version`: the current one)."""
    version = access_token_version(secret, registration_id, token)
    return version is not None and version >= min_version


@dataclass(frozen=True)
class Officer:
    officer_id: str
    department: str
    role: Literal["officer", "supervisor"] = "officer"


OFFICER_TOKEN_HOURS = 10  # one working day
CLOCK_SKEW_SECONDS = 60  # between the machine that minted a token and the one reading it


def sign_claims(secret: str, purpose: str, claims: dict[str, Any], hours: float) -> str:
    """A compact signed claim set that expires; `purpose` keeps one kind from passing as another."""
    now = int(time.time())
    body = {**claims, "iat": now, "exp": now + int(hours * 3600)}
    encoded = _b64(json.dumps(body).encode())
    return f"{encoded}.{_mac(secret, f'{purpose}:{encoded}')}"


def read_claims(
    secret: str, purpose: str, token: str, *, max_hours: float
) -> dict[str, Any] | None:
    """The claims, or None if the token is forged, malformed, of another purpose, expired, or
    lives longer than `max_hours`: whoever holds the secret (or a leaked mint) cannot hand out
    a token that never ends.
    """
    if not token.isascii():
        return None
    encoded, _, mac = token.partition(".")
    if not encoded or not hmac.compare_digest(_mac(secret, f"{purpose}:{encoded}"), mac):
        return None
    try:
        claims = json.loads(_unb64(encoded))
        if not isinstance(claims, dict) or not _lifetime_allowed(claims, max_hours * 3600):
            return None
    except (ValueError, KeyError, TypeError):
        return None
    return claims


def _lifetime_allowed(claims: dict[str, Any], max_seconds: float) -> bool:
    now = time.time()
    expires = int(claims["exp"])
    # Tokens minted before `iat` existed are judged by what is left of them.
    issued = int(claims.get("iat", now))
    return (
        now <= expires
        and issued <= now + CLOCK_SKEW_SECONDS
        and expires - issued <= max_seconds
        and expires - now <= max_seconds + CLOCK_SKEW_SECONDS
    )


def issue_officer_token(secret: str, officer: Officer, hours: float = OFFICER_TOKEN_HOURS) -> str:
    claims = {"sub": officer.officer_id, "dept": officer.department, "role": officer.role}
    return sign_claims(secret, "officer", claims, hours)


def read_officer_token(secret: str, token: str, *, max_hours: float) -> Officer | None:
    """The officer, or None if the token is forged, malformed, expired or too long-lived."""
    claims = read_claims(secret, "officer", token, max_hours=max_hours)
    if claims is None:
        return None
    role: Literal["officer", "supervisor"] = (
        "supervisor" if claims.get("role") == "supervisor" else "officer"
    )
    return Officer(str(claims.get("sub")), str(claims.get("dept")), role)


def issue_operator_token(secret: str, operator_id: str, hours: float = OFFICER_TOKEN_HOURS) -> str:
    return sign_claims(secret, "operator", {"sub": operator_id}, hours)


def read_operator_token(secret: str, token: str, *, max_hours: float) -> str | None:
    """The operator's id, or None."""
    claims = read_claims(secret, "operator", token, max_hours=max_hours)
    return None if claims is None else str(claims.get("sub"))


def bearer_token(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def bearer_matches(authorization: str | None, expected: str) -> bool:
    """Whether the header carries exactly `expected` (a shared token), in constant time."""
    presented = bearer_token(authorization)
    return presented is not None and hmac.compare_digest(presented.encode(), expected.encode())
