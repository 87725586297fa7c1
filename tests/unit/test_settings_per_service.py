"""Each service reads its own settings class, so it never loads another service's secrets."""

from __future__ import annotations

import importlib
import secrets
from typing import get_type_hints

import pytest

from service_runtime.hardening import development_secret_aliases, secrets_used_by
from service_runtime.serve import settings_for
from service_runtime.settings import (
    DepartmentSettings,
    NotifierSettings,
    RegistrationSettings,
    RuntimeSettings,
    Settings,
    settings_class_for,
)
from tools.localstack import SERVICES


@pytest.mark.parametrize("service", [name for name, _ in SERVICES])
def test_each_service_builds_its_app_from_the_class_it_is_started_with(service: str) -> None:
    if service in {"registration", "notifier"}:
        build = importlib.import_module(f"services.{service}.app").create_app
    else:  # a department: its rules module's spec, on the shared department app
        build = importlib.import_module(f"services.{service}.rules").department
    hints = get_type_hints(build)
    hints.pop("return")
    ((_, settings_class),) = hints.items()  # its one parameter: the settings
    assert settings_class is settings_class_for(service)


def test_a_department_loads_no_secret_of_registration_or_the_notifier(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for alias in development_secret_aliases():
        monkeypatch.setenv(alias, secrets.token_hex(32))
    settings = settings_for("police", 8012)
    assert type(settings) is DepartmentSettings
    held = {field.alias for field in type(settings).model_fields.values()}
    assert held & set(development_secret_aliases()) == {"OFFICER_TOKEN_SECRET", "METRICS_TOKEN"}
    assert not hasattr(settings, "session_secret")
    assert not hasattr(settings, "licence_signing_key")


def test_a_production_department_starts_with_only_its_own_secrets_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("ALLOW_PLAINTEXT_TRANSPORT", "true")
    for alias in secrets_used_by("tax"):
        monkeypatch.setenv(alias, secrets.token_hex(32))
    assert settings_for("tax", 8011).environment == "production"


def test_the_services_share_only_the_runtime_and_the_access_token() -> None:
    registration = set(RegistrationSettings.model_fields) - set(RuntimeSettings.model_fields)
    notifier = set(NotifierSettings.model_fields) - set(RuntimeSettings.model_fields)
    assert registration & notifier == {"access_token_secret"}


def test_settings_for_tools_hold_every_service_field() -> None:
    for service in ("registration", "notifier", "tax", "police"):
        assert set(settings_class_for(service).model_fields) <= set(Settings.model_fields)
