"""Transport security for the broker and the database: SASL/SCRAM and TLS, from settings.

Every client this project builds (FastStream's broker, plain aiokafka admin and consumers,
PyMongo) takes its security from here, so one setting secures them all. Outside local
development a service refuses plaintext unless `ALLOW_PLAINTEXT_TRANSPORT` states that the
network itself is private (compose's own network, say): a founder's identity number should not
cross a shared network in the clear by default.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from faststream.kafka.security import parse_security
from faststream.security import BaseSecurity, SASLScram256, SASLScram512

if TYPE_CHECKING:
    from service_runtime.settings import RuntimeSettings


def kafka_security(settings: RuntimeSettings) -> BaseSecurity | None:
    """FastStream's description of the broker connection's security; None for plaintext."""
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return None
    context = _kafka_ssl_context(settings) if protocol.endswith("SSL") else None
    if not protocol.startswith("SASL"):
        return BaseSecurity(ssl_context=context, use_ssl=True)
    scram = SASLScram512 if settings.kafka_sasl_mechanism == "SCRAM-SHA-512" else SASLScram256
    password = (
        settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else ""
    )
    return scram(
        username=settings.kafka_sasl_username or "",
        password=password,
        ssl_context=context,
        use_ssl=protocol == "SASL_SSL",
    )


def kafka_client_security(settings: RuntimeSettings) -> dict[str, Any]:
    """The same, as keyword arguments for a plain aiokafka client (admin, consumer)."""
    return parse_security(kafka_security(settings))


def mongo_client_options(settings: RuntimeSettings) -> dict[str, Any]:
    """Credentials and TLS for PyMongo; a URI may carry them too, and its own win."""
    options: dict[str, Any] = {}
    if settings.mongodb_username:
        options["username"] = settings.mongodb_username
        if settings.mongodb_password:
            options["password"] = settings.mongodb_password.get_secret_value()
    if settings.mongodb_tls:
        options["tls"] = True
        if settings.mongodb_tls_ca_file:
            options["tlsCAFile"] = settings.mongodb_tls_ca_file
        if settings.mongodb_tls_certificate_key_file:
            options["tlsCertificateKeyFile"] = settings.mongodb_tls_certificate_key_file
    return options


def mongo_uses_tls(settings: RuntimeSettings) -> bool:
    parts = urlsplit(settings.mongodb_uri)
    query = {k.lower(): v for k, v in parse_qs(parts.query).items()}
    in_uri = any(v[-1].lower() == "true" for k, v in query.items() if k in ("tls", "ssl"))
    # An SRV URI turns TLS on unless it says otherwise.
    srv = parts.scheme == "mongodb+srv" and not any(
        v[-1].lower() == "false" for k, v in query.items() if k in ("tls", "ssl")
    )
    return settings.mongodb_tls or in_uri or srv


def transport_problems(settings: RuntimeSettings) -> list[str]:
    """One line per transport setting that cannot work, or is plaintext where it must not be."""
    problems = []
    protocol = settings.kafka_security_protocol
    password = settings.kafka_sasl_password
    if protocol.startswith("SASL") and not (
        settings.kafka_sasl_username and password and password.get_secret_value()
    ):
        problems.append(
            f"KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD: {protocol} 需要用户名和密码 / "
            f"{protocol} needs a username and a password"
        )
    if settings.kafka_ssl_cert_file and not settings.kafka_ssl_key_file:
        problems.append("KAFKA_SSL_KEY_FILE: 有证书而无私钥 / a client certificate needs its key")
    if settings.mongodb_password and not settings.mongodb_username:
        problems.append("MONGODB_USERNAME: 有密码而无用户名 / a password needs a username")
    if settings.is_local or settings.allow_plaintext_transport:
        return problems
    if not protocol.endswith("SSL"):
        problems.append(
            f"KAFKA_SECURITY_PROTOCOL={protocol}: 明文传输 / the broker connection is not "
            "encrypted (use SASL_SSL or SSL, or set ALLOW_PLAINTEXT_TRANSPORT=true on a private "
            "network)"
        )
    if not mongo_uses_tls(settings):
        problems.append(
            "MONGODB_TLS: 数据库连接未加密 / the database connection is not encrypted (set "
            "MONGODB_TLS=true or tls=true in MONGODB_URI, or ALLOW_PLAINTEXT_TRANSPORT=true on "
            "a private network)"
        )
    return problems


def _kafka_ssl_context(settings: RuntimeSettings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=settings.kafka_ssl_ca_file)
    if settings.kafka_ssl_cert_file:
        context.load_cert_chain(settings.kafka_ssl_cert_file, settings.kafka_ssl_key_file)
    return context
