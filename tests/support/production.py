"""Settings as a production deployment has them: ENVIRONMENT=production and real secrets."""

from __future__ import annotations

import base64
import secrets
from typing import Any

from service_runtime.hardening import development_secret_aliases
from service_runtime.settings import Settings

SEED = base64.b64encode(bytes(range(32))).decode()


def production_secrets(**overrides: str) -> dict[str, str]:
    values = {alias: secrets.token_hex(32) for alias in development_secret_aliases()}
    values["LICENCE_SIGNING_KEY"] = values["AUDIT_SIGNING_KEY"] = SEED
    # As compose has it: the broker and the database on the deployment's private network.
    values["ALLOW_PLAINTEXT_TRANSPORT"] = "true"
    return {**values, **overrides}


def production_settings(**overrides: Any) -> Settings:
    return Settings(ENVIRONMENT="production", **{**production_secrets(), **overrides})
