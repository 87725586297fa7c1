"""Outside local development a service refuses development secrets and an unusable licence key."""

import base64
from typing import Any

import pytest
from pydantic import ValidationError

from service_runtime.hardening import development_secret_aliases, secrets_used_by
from service_runtime.serve import refusal
from service_runtime.settings import Settings, settings_class_for
from tests.support.production import SEED, production_secrets


def refused(service: str, **values: Any) -> str:
    """What the service's own settings class says when production starts on `values`."""
    with pytest.raises(ValidationError) as raised:
        settings_class_for(service)(ENVIRONMENT="production", SERVICE_NAME=service, **values)
    return refusal(raised.value)


def test_every_signing_secret_including_the_licence_key_counts_as_a_development_secret() -> None:
    assert set(development_secret_aliases()) == {
        "ACCESS_TOKEN_SECRET",
        "OFFICER_TOKEN_SECRET",
        "OPERATOR_TOKEN_SECRET",
        "SESSION_SECRET",
        "LICENCE_SIGNING_KEY",
        "METRICS_TOKEN",
        "TRACES_TOKEN",
        "AUDIT_SIGNING_KEY",
        "CARRIER_WEBHOOK_TOKEN",
    }


def test_local_development_runs_on_the_development_defaults() -> None:
    assert Settings().is_local
    assert Settings(ENVIRONMENT="local").access_token_secret.get_secret_value()


def test_production_starts_with_real_secrets() -> None:
    values: dict[str, Any] = production_secrets()
    settings = Settings(ENVIRONMENT="production", **values)
    assert not settings.is_local


@pytest.mark.parametrize("environment", ["production", "staging"])
@pytest.mark.parametrize("service", ["registration", "notifier", "tax", "bank"])
def test_outside_local_each_development_default_a_service_uses_is_refused_by_name(
    environment: str, service: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        settings_class_for(service)(ENVIRONMENT=environment, SERVICE_NAME=service)
    message = refusal(raised.value)
    for alias in development_secret_aliases():
        line = f"{alias}: 仍是开发默认值 / still the development default"
        assert (line in message) == (alias in secrets_used_by(service)), (alias, message)


def test_a_department_service_needs_only_its_officers_key_and_the_scrapers() -> None:
    assert set(secrets_used_by("tax")) == {"OFFICER_TOKEN_SECRET", "METRICS_TOKEN"}
    settings_class_for("tax")(
        ENVIRONMENT="production",
        SERVICE_NAME="tax",
        OFFICER_TOKEN_SECRET="k" * 64,
        METRICS_TOKEN="m" * 64,
        ALLOW_PLAINTEXT_TRANSPORT="true",  # transport has its own test (test_transport.py)
    )
    assert set(secrets_used_by("registration")) | set(secrets_used_by("notifier")) == set(
        development_secret_aliases()
    )


def user_of(alias: str) -> str:
    return next(s for s in ("registration", "notifier") if alias in secrets_used_by(s))


@pytest.mark.parametrize(
    "alias",
    sorted(set(development_secret_aliases()) - {"LICENCE_SIGNING_KEY", "AUDIT_SIGNING_KEY"}),
)
def test_a_default_or_short_hmac_secret_is_refused_by_name(alias: str) -> None:
    default = next(f.default for f in Settings.model_fields.values() if f.alias == alias)
    service = user_of(alias)
    assert alias in refused(service, **production_secrets(**{alias: default.get_secret_value()}))
    message = refused(service, **production_secrets(**{alias: "x" * 31}))
    assert message.count("\n- ") == 1
    assert f"{alias}: 少于 32 个字符 / shorter than 32 characters" in message


@pytest.mark.parametrize(
    "key",
    [
        "a licence key that is only a passphrase",
        base64.b64encode(bytes(31)).decode(),  # one byte short
        base64.b64encode(bytes(33)).decode(),
        bytes(range(32)).hex(),  # hex is not what signing_key_from reads: it would be hashed
        SEED + "\n",
    ],
)
@pytest.mark.parametrize(
    ("alias", "service"),
    [("LICENCE_SIGNING_KEY", "registration"), ("AUDIT_SIGNING_KEY", "notifier")],
)
def test_a_signing_key_that_is_not_a_base64_32_byte_seed_is_refused(
    key: str, alias: str, service: str
) -> None:
    message = refused(service, **production_secrets(**{alias: key}))
    assert f"{alias}: 须为 base64 编码的 32 字节 Ed25519 种子" in message
    assert "must be a base64 Ed25519 seed of 32 bytes" in message


def test_the_refusal_never_echoes_a_secret() -> None:
    leaked = "too-short-to-be-used"  # refused, and must not be printed
    message = refused("notifier", **production_secrets(SESSION_SECRET=leaked))
    assert "SESSION_SECRET" in message
    assert leaked not in message
