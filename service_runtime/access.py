"""Per-registration access tokens: HMAC-signed, so any service can verify without a lookup.

Tokens never travel on the bus; the notifier verifies them with the shared secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def issue_access_token(secret: str, registration_id: str) -> str:
    mac = hmac.new(secret.encode(), f"registration:{registration_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def token_grants(secret: str, registration_id: str, token: str) -> bool:
    return hmac.compare_digest(issue_access_token(secret, registration_id), token)
