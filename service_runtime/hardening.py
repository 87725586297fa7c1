"""What a service refuses to start with outside local development: secrets anyone can read.

The development defaults are in the public repository, so a deployment still using one lets
anyone mint officer, operator and session tokens, or sign licences that verify as genuine.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import SecretStr

if TYPE_CHECKING:
    from service_runtime.settings import RuntimeSettings

DEVELOPMENT_MARKER = "local-development-only"  # every development default secret contains it
MIN_SECRET_CHARS = 32  # `openssl rand -hex 32` gives 64; a short HMAC key can be guessed
LICENCE_KEY = "LICENCE_SIGNING_KEY"
AUDIT_KEY = "AUDIT_SIGNING_KEY"
ED25519_KEYS = (LICENCE_KEY, AUDIT_KEY)
METRICS_TOKEN = "METRICS_TOKEN"  # noqa: S105 - a setting name; every service has /metrics
ED25519_SEED_BYTES = 32


def development_secret_aliases() -> tuple[str, ...]:
    """The settings whose default is a development secret: each must be set in production."""
    from service_runtime.settings import Settings  # noqa: PLC0415 - settings imports this module

    return tuple(
        field.alias
        for field in Settings.model_fields.values()
        if field.alias
        and isinstance(field.default, SecretStr)
        and DEVELOPMENT_MARKER in field.default.get_secret_value()
    )


def ed25519_seed(text: str) -> bytes | None:
    """The 32-byte seed that strict base64 `text` encodes, or None."""
    try:
        seed = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return seed if len(seed) == ED25519_SEED_BYTES else None


def signing_key_from(secret: str) -> Ed25519PrivateKey:
    """An Ed25519 key: a base64 32-byte seed, or (development) any text hashed to one.

    Outside local development the settings refuse anything but a real seed, so the hashing
    fallback only ever serves the development default.
    """
    seed = ed25519_seed(secret) or hashlib.sha256(secret.encode()).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def secrets_used_by(service: str) -> tuple[str, ...]:
    """The development-default secrets among the service's own settings: each must be set in
    production. A department reads only its officers' key and the metrics token, so one
    compromised container does not give away the keys of the others (compose and the
    Kubernetes manifests hand each service exactly these)."""
    from service_runtime.settings import settings_class_for  # noqa: PLC0415 - see above

    development = set(development_secret_aliases())
    fields = settings_class_for(service).model_fields.values()
    return tuple(sorted(field.alias for field in fields if field.alias in development))


def unsafe_secrets(settings: RuntimeSettings) -> list[str]:
    """One line per offending setting the service uses, naming it; empty when all are fit."""
    used = secrets_used_by(settings.service_name)
    values = {
        field.alias: getattr(settings, name)
        for name, field in type(settings).model_fields.items()
        if field.alias in development_secret_aliases() and field.alias in used
    }
    problems = []
    for alias, secret in values.items():
        value = secret.get_secret_value()
        if DEVELOPMENT_MARKER in value:
            problems.append(f"{alias}: 仍是开发默认值 / still the development default")
        elif alias in ED25519_KEYS:
            if ed25519_seed(value) is None:
                problems.append(
                    f"{alias}: 须为 base64 编码的 32 字节 Ed25519 种子 / must be a base64 "
                    "Ed25519 seed of 32 bytes (openssl rand -base64 32)"
                )
        elif len(value) < MIN_SECRET_CHARS:
            problems.append(
                f"{alias}: 少于 {MIN_SECRET_CHARS} 个字符 / shorter than {MIN_SECRET_CHARS} "
                "characters (openssl rand -hex 32)"
            )
    return problems
