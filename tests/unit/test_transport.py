"""Transport security: every client gets it from the same settings; plaintext needs a reason."""

import ssl
import subprocess
from functools import partial
from pathlib import Path
from typing import Any, cast

import pytest
from opentelemetry.sdk.trace import TracerProvider
from pydantic import ValidationError

from service_runtime.kafka import build_broker, client_options
from service_runtime.mongo import build_mongo_client
from service_runtime.serve import refusal
from service_runtime.settings import Settings
from service_runtime.transport import kafka_security, mongo_client_options
from tests.support.production import production_secrets


def refused(**values: str) -> str:
    with pytest.raises(ValidationError) as raised:
        Settings(**cast("dict[str, Any]", values))
    return refusal(raised.value)


def test_local_development_talks_plaintext() -> None:
    settings = Settings()
    assert kafka_security(settings) is None
    assert "security_protocol" not in client_options(settings)
    assert mongo_client_options(settings) == {}


def test_outside_local_plaintext_is_refused_by_name_unless_the_network_is_private() -> None:
    values = production_secrets(ALLOW_PLAINTEXT_TRANSPORT="false")
    message = refused(ENVIRONMENT="production", **values)
    assert "KAFKA_SECURITY_PROTOCOL=PLAINTEXT" in message
    assert "MONGODB_TLS" in message
    secrets: dict[str, Any] = production_secrets()
    assert Settings(ENVIRONMENT="production", **secrets).allow_plaintext_transport


@pytest.mark.parametrize(
    "uri",
    [
        "mongodb://db.example:27017/?tls=true",
        "mongodb://db.example:27017/?ssl=true",
        "mongodb+srv://cluster.example/",
    ],
)
def test_tls_in_the_database_uri_counts(uri: str) -> None:
    values: dict[str, Any] = production_secrets(
        ALLOW_PLAINTEXT_TRANSPORT="false",
        KAFKA_SECURITY_PROTOCOL="SASL_SSL",
        KAFKA_SASL_USERNAME="registration",
        KAFKA_SASL_PASSWORD="x" * 32,
    )
    assert Settings(ENVIRONMENT="production", MONGODB_URI=uri, **values)


def test_sasl_without_credentials_is_refused_even_locally() -> None:
    message = refused(KAFKA_SECURITY_PROTOCOL="SASL_SSL", KAFKA_SASL_USERNAME="tax")
    assert "KAFKA_SASL_PASSWORD" in message
    assert refused(KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT", KAFKA_SASL_PASSWORD="")


def test_scram_over_tls_reaches_the_broker_and_every_plain_client(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    key = tmp_path / "ca.key"
    subprocess.run(  # a throwaway CA, so the context really loads a file
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=test-ca", "-keyout", str(key), "-out", str(ca),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    settings = Settings(
        KAFKA_SECURITY_PROTOCOL="SASL_SSL",
        KAFKA_SASL_MECHANISM="SCRAM-SHA-256",
        KAFKA_SASL_USERNAME="tax",
        KAFKA_SASL_PASSWORD="s3cret-" + "x" * 32,
        KAFKA_SSL_CA_FILE=str(ca),
    )
    options = client_options(settings)
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-256"
    assert options["sasl_plain_username"] == "tax"
    assert options["sasl_plain_password"].startswith("s3cret-")
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    assert options["ssl_context"].cert_store_stats()["x509_ca"] == 1
    # The broker's consumers are built with the same (FastStream keeps the builder's arguments).
    builder = build_broker(settings, TracerProvider()).config.broker_config.builder
    consumer = cast("partial[Any]", builder).keywords
    assert consumer["security_protocol"] == "SASL_SSL"
    assert consumer["sasl_mechanism"] == "SCRAM-SHA-256"
    assert consumer["sasl_plain_username"] == "tax"
    assert consumer["ssl_context"] is not None


def test_database_credentials_and_tls_reach_pymongo() -> None:
    settings = Settings(
        MONGODB_USERNAME="notifier",
        MONGODB_PASSWORD="p" * 32,
        MONGODB_TLS="true",
        MONGODB_TLS_CA_FILE="/etc/ssl/certs/ca-certificates.crt",
    )
    assert mongo_client_options(settings) == {
        "username": "notifier",
        "password": "p" * 32,
        "tls": True,
        "tlsCAFile": "/etc/ssl/certs/ca-certificates.crt",
    }
    client = build_mongo_client(settings)  # builds without connecting
    assert client.options.pool_options._ssl_context is not None  # noqa: SLF001 - the TLS in use


def test_compose_passes_empty_optional_values_as_unset() -> None:
    settings = Settings(KAFKA_SSL_CA_FILE="", MONGODB_USERNAME="", KAFKA_SASL_PASSWORD="")
    assert settings.kafka_ssl_ca_file is None
    assert settings.mongodb_username is None
    assert settings.kafka_sasl_password is None
