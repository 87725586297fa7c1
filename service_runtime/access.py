"""Signed tokens, verified without a lookup by any service that holds the secret.

- Enterprise access tokens: HMAC over the registration id; they never travel on the bus.
- Officer tokens: a small signed claim set (officer, department, role), scoped to one department.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Literal


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, message: str) -> str:
    return _b64(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest())


def issue_access_token(secret: str, registration_id: str) -> str:
    return _mac(secret, f"registration:{registration_id}")


def token_grants(secret: str, registration_id: str, token: str) -> bool:
    return hmac.compare_digest(issue_access_token(secret, registration_id), token)


@dataclass(frozen=True)
class Officer:
    officer_id: str
    department: str
    role: Literal["officer", "supervisor"] = "officer"


OFFICER_TOKEN_HOURS = 10  # one working day


def issue_officer_token(secret: str, officer: Officer, hours: float = OFFICER_TOKEN_HOURS) -> str:
    expires = int(time.time() + hours * 3600)
    payload = {
        "sub": officer.officer_id,
        "dept": officer.department,
        "role": officer.role,
        "exp": expires,
    }
    claims = _b64(json.dumps(payload).encode())
    return f"{claims}.{_mac(secret, 'officer:' + claims)}"


def read_officer_token(secret: str, token: str) -> Officer | None:
    """The officer, or None if the token is forged, malformed or expired."""
    claims, _, mac = token.partition(".")
    if not claims or not hmac.compare_digest(_mac(secret, "officer:" + claims), mac):
        return None
    try:
        data = json.loads(_unb64(claims))
        if int(data["exp"]) < time.time():
            return None
        role: Literal["officer", "supervisor"] = (
            "supervisor" if data["role"] == "supervisor" else "officer"
        )
        return Officer(str(data["sub"]), str(data["dept"]), role)
    except (ValueError, KeyError, TypeError):
        return None


def bearer_token(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
