"""Settings read from the environment; the names are the deployment contract (docker-compose)."""

from __future__ import annotations

from ipaddress import ip_network
from typing import Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service_runtime.hardening import unsafe_secrets
from service_runtime.transport import transport_problems


class RuntimeSettings(BaseSettings):
    """What every service reads: where it listens, the broker, the database, delivery, telemetry."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    # `local` is a developer's machine, the only place the development secrets are accepted.
    # Anything else refuses to start on them (hardening.py); docker-compose.yml sets production.
    environment: Literal["local", "staging", "production"] = Field(
        default="local", alias="ENVIRONMENT"
    )
    # The interactive API docs (/docs, /redoc, /openapi.json); unset: on in local development only.
    api_docs_enabled: bool | None = Field(default=None, alias="API_DOCS_ENABLED")
    service_name: str = Field(default="registration", alias="SERVICE_NAME")
    http_host: str = Field(default="127.0.0.1", alias="HTTP_HOST")
    http_port: int = Field(default=8001, alias="HTTP_PORT")
    # Peers whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks, JSON
    # list). Unset: loopback in local development, nobody elsewhere; a forged header would
    # otherwise pick the client address the page's rate limit counts.
    trusted_proxies: list[str] | None = Field(default=None, alias="TRUSTED_PROXIES")
    # Every endpoint's request body, counted as it arrives (service_runtime/body_limit.py).
    max_request_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, alias="MAX_REQUEST_BODY_BYTES"
    )
    kafka_bootstrap_servers: str = Field(default="127.0.0.1:9092", alias="KAFKA_BOOTSTRAP_SERVERS")
    # Real Kafka supports the idempotent producer; the local Tansu broker does not.
    kafka_enable_idempotence: bool = Field(default=True, alias="KAFKA_ENABLE_IDEMPOTENCE")
    # Transport security (service_runtime/transport.py). Outside local development plaintext is
    # refused unless ALLOW_PLAINTEXT_TRANSPORT says the network itself is private.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", alias="KAFKA_SECURITY_PROTOCOL"
    )
    kafka_sasl_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512"] = Field(
        default="SCRAM-SHA-512", alias="KAFKA_SASL_MECHANISM"
    )
    kafka_sasl_username: str | None = Field(default=None, alias="KAFKA_SASL_USERNAME")
    kafka_sasl_password: SecretStr | None = Field(default=None, alias="KAFKA_SASL_PASSWORD")
    kafka_ssl_ca_file: str | None = Field(default=None, alias="KAFKA_SSL_CA_FILE")
    kafka_ssl_cert_file: str | None = Field(default=None, alias="KAFKA_SSL_CERT_FILE")
    kafka_ssl_key_file: str | None = Field(default=None, alias="KAFKA_SSL_KEY_FILE")
    mongodb_username: str | None = Field(default=None, alias="MONGODB_USERNAME")
    mongodb_password: SecretStr | None = Field(default=None, alias="MONGODB_PASSWORD")
    mongodb_tls: bool = Field(default=False, alias="MONGODB_TLS")
    mongodb_tls_ca_file: str | None = Field(default=None, alias="MONGODB_TLS_CA_FILE")
    mongodb_tls_certificate_key_file: str | None = Field(
        default=None, alias="MONGODB_TLS_CERTIFICATE_KEY_FILE"
    )
    allow_plaintext_transport: bool = Field(default=False, alias="ALLOW_PLAINTEXT_TRANSPORT")
    kafka_topic_partitions: int = Field(default=6, ge=1, alias="KAFKA_TOPIC_PARTITIONS")
    # Per-topic exceptions to the partition count, JSON, e.g. {"department.status.v1": 8}.
    kafka_topic_partitions_by_topic: dict[str, int] = Field(
        default_factory=dict, alias="KAFKA_TOPIC_PARTITIONS_BY_TOPIC"
    )
    kafka_replication_factor: int = Field(default=1, ge=1, alias="KAFKA_REPLICATION_FACTOR")
    # How long the broker may hold a fetch that finds no data. Real Kafka answers as soon as data
    # arrives, so the client default (500 ms) costs no latency there; the local stack on Tansu
    # sets its own (tools/localstack.py).
    kafka_fetch_max_wait_ms: int = Field(default=500, ge=0, alias="KAFKA_FETCH_MAX_WAIT_MS")
    # After this long without a message a consumer polls with the idle wait instead (pacing.py):
    # the local broker's CPU with no traffic is its polling. On real Kafka a fetch returns as soon
    # as data arrives, so a long idle wait costs no latency there.
    kafka_idle_after_ms: int = Field(default=1_000, ge=10, alias="KAFKA_IDLE_AFTER_MS")
    # Consumers off the enterprise's critical path (licence issue, progress notices) fetch with
    # this wait while messages flow: on Tansu every fetch that finds data lists every batch
    # stored in the partition, so fewer, fuller fetches cost the broker less.
    kafka_background_fetch_max_wait_ms: int = Field(
        default=500, ge=0, le=10_000, alias="KAFKA_BACKGROUND_FETCH_MAX_WAIT_MS"
    )
    # ... and this one while idle: nothing waits on them, so an idle stack need not poll for them.
    kafka_background_idle_fetch_max_wait_ms: int = Field(
        default=5_000, ge=0, le=30_000, alias="KAFKA_BACKGROUND_IDLE_FETCH_MAX_WAIT_MS"
    )
    kafka_idle_fetch_max_wait_ms: int = Field(
        default=500, ge=0, alias="KAFKA_IDLE_FETCH_MAX_WAIT_MS"
    )
    # After a record that announces follow-ups within milliseconds (a form, before the
    # prerequisite's decision or the statuses), a group fetches with this wait for the window
    # (service_runtime/follow_ups.py). 0 turns it off.
    kafka_follow_up_fetch_max_wait_ms: int = Field(
        default=30, ge=0, le=10_000, alias="KAFKA_FOLLOW_UP_FETCH_MAX_WAIT_MS"
    )
    kafka_follow_up_window_ms: int = Field(
        default=60, ge=0, le=10_000, alias="KAFKA_FOLLOW_UP_WINDOW_MS"
    )
    # A producer gathers what is published within this window into one request per partition.
    kafka_linger_ms: int = Field(default=0, ge=0, le=1_000, alias="KAFKA_LINGER_MS")
    kafka_session_timeout_ms: int = Field(default=10_000, alias="KAFKA_SESSION_TIMEOUT_MS")
    kafka_max_batch: int = Field(default=200, ge=1, alias="KAFKA_MAX_BATCH")
    # How long handled offsets may wait to be committed (service_runtime/commits.py); 0 commits
    # after every batch.
    kafka_commit_interval_ms: int = Field(
        default=500, ge=0, le=10_000, alias="KAFKA_COMMIT_INTERVAL_MS"
    )
    mongodb_uri: str = Field(default="mongodb://127.0.0.1:27017", alias="MONGODB_URI")
    # Each service (and each department) owns the database `<prefix><owner>`.
    mongodb_database_prefix: str = Field(default="enterprise_", alias="MONGODB_DATABASE_PREFIX")
    delivery_max_attempts: int = Field(default=4, ge=1, alias="DELIVERY_MAX_ATTEMPTS")
    delivery_backoff_ms: int = Field(default=100, ge=0, alias="DELIVERY_BACKOFF_MS")
    # The sweeper only recovers what a crash or a broker error left (entries older than 5 s);
    # on an idle stack every sweep is a query for nothing, so it runs as often as the grace.
    outbox_sweep_interval_ms: int = Field(default=5_000, ge=50, alias="OUTBOX_SWEEP_INTERVAL_MS")
    # How long published entries gather before one update clears them all from their documents.
    outbox_clear_linger_ms: int = Field(default=1_000, ge=0, alias="OUTBOX_CLEAR_LINGER_MS")
    registration_public_url: str = Field(
        default="http://127.0.0.1:8001", alias="REGISTRATION_PUBLIC_URL"
    )
    notifier_public_url: str = Field(default="http://127.0.0.1:8002", alias="NOTIFIER_PUBLIC_URL")
    # Where the public reads credit's query and published inspections (links on /ops).
    credit_public_url: str = Field(default="http://127.0.0.1:8013", alias="CREDIT_PUBLIC_URL")
    # Prometheus scrapes every service's /metrics with this bearer token.
    metrics_token: SecretStr = Field(
        default=SecretStr("local-development-only-metrics"), alias="METRICS_TOKEN"
    )
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    # "otlp" (where: the standard OTEL_EXPORTER_OTLP_* variables), "console" or "none".
    otel_traces_exporter: Literal["otlp", "console", "none"] = Field(
        default="none", alias="OTEL_TRACES_EXPORTER"
    )
    # The share of changes (submissions, decisions, operator actions) traced; the rest of a
    # trace follows its first span (service_runtime/telemetry.py).
    otel_traces_sampler_arg: float = Field(default=1.0, ge=0, le=1, alias="OTEL_TRACES_SAMPLER_ARG")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, proxies: list[str] | None) -> list[str] | None:
        for proxy in proxies or []:
            try:
                ip_network(proxy)  # strict, as uvicorn parses it: host bits set is an error
            except ValueError:
                message = (
                    f"TRUSTED_PROXIES: {proxy!r} 不是 IP 地址或网段 / is not an IP address or "
                    "network ('*' is refused: it would trust every client)"
                )
                raise ValueError(message) from None
        return proxies

    @field_validator(
        "kafka_sasl_username",
        "kafka_sasl_password",
        "kafka_ssl_ca_file",
        "kafka_ssl_cert_file",
        "kafka_ssl_key_file",
        "mongodb_username",
        "mongodb_password",
        "mongodb_tls_ca_file",
        "mongodb_tls_certificate_key_file",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # Compose passes an optional variable through as "" when it is not set.
        return None if value == "" else value

    @model_validator(mode="after")
    def _refuse_development_secrets_outside_local(self) -> Self:
        problems = transport_problems(self)
        problems += [] if self.is_local else unsafe_secrets(self)
        if problems:
            raise ValueError(
                f"ENVIRONMENT={self.environment}: 拒绝启动，以下设置不安全 / refusing to start, "
                "these settings are unsafe:\n" + "\n".join(f"- {p}" for p in problems)
            )
        return self

    @property
    def is_local(self) -> bool:
        return self.environment == "local"

    @property
    def forwarded_allow_ips(self) -> list[str]:
        if self.trusted_proxies is not None:
            return self.trusted_proxies
        return ["127.0.0.1", "::1"] if self.is_local else []

    @property
    def api_docs(self) -> bool:
        return self.is_local if self.api_docs_enabled is None else self.api_docs_enabled

    def database_name(self, owner: str) -> str:
        return f"{self.mongodb_database_prefix}{owner}"


class DepartmentSettings(RuntimeSettings):
    """A department's service: its officers, deadlines and switches."""

    officer_token_secret: SecretStr = Field(
        default=SecretStr("local-development-only-officers"), alias="OFFICER_TOKEN_SECRET"
    )
    # The longest lifetime an officer's token may have (expiry minus issue), checked on every
    # verification: a token minted for longer is refused, however it was minted.
    officer_token_max_hours: float = Field(default=12.0, gt=0, alias="OFFICER_TOKEN_MAX_HOURS")
    # Statutory limits per department, overriding the topology's default: {"tax": 2}.
    department_time_limits: dict[str, int] = Field(
        default_factory=dict, alias="DEPARTMENT_TIME_LIMITS"
    )
    # Departments whose missed deadline counts as approval (逾期视为同意): ["bank"].
    deemed_approval_departments: list[str] = Field(
        default_factory=list, alias="DEEMED_APPROVAL_DEPARTMENTS"
    )
    # Credit-driven routing (信用分类监管) per department, overriding the topology's: for each
    # credit class of the applicant's related persons and enterprises, "instant" (秒批) or
    # "officer": {"tax": {"C": "officer", "D": "officer"}}. Only departments that wait for
    # credit's decision (the topology's `credit_routing` rows) can route by it.
    credit_routing: dict[str, dict[Literal["A", "B", "C", "D"], Literal["instant", "officer"]]] = (
        Field(default_factory=dict, alias="CREDIT_ROUTING")
    )
    # Built-in departments switched off, so an external system can take their place: ["credit"].
    disabled_departments: list[str] = Field(default_factory=list, alias="DISABLED_DEPARTMENTS")
    deadline_check_interval_ms: int = Field(
        default=30_000, ge=100, alias="DEADLINE_CHECK_INTERVAL_MS"
    )
    # How long an instant approval may wait for its prerequisite (the market) before the
    # enterprise is told it waits; checked every half of it (services/department/case.py).
    waiting_announce_after_ms: int = Field(
        default=5_000, ge=100, le=600_000, alias="WAITING_ANNOUNCE_AFTER_MS"
    )


class TaxSettings(DepartmentSettings):
    # Monthly invoices the tax department approves without an officer: {"vat_special": 25}.
    tax_invoice_auto_limits: dict[str, int] = Field(
        default_factory=dict, alias="TAX_INVOICE_AUTO_LIMITS"
    )


class AccessTokenSettings(RuntimeSettings):
    """The enterprise's access token: registration issues it, the notifier checks it."""

    access_token_secret: SecretStr = Field(
        default=SecretStr("local-development-only-change-me"), alias="ACCESS_TOKEN_SECRET"
    )


class PublicLookupSettings(RuntimeSettings):
    """Anonymous public look-ups: licence verification, name checks, the credit query."""

    # Per client address and service instance.
    public_rate_limit_per_minute: int = Field(
        default=120, ge=1, alias="PUBLIC_RATE_LIMIT_PER_MINUTE"
    )


class OperatorTokenSettings(RuntimeSettings):
    """Operators' tokens: the dashboard at /ops, credit's list ingestion and inspection draws."""

    # The longest lifetime an operator's token may have (expiry minus issue), checked on every
    # verification: a token minted for longer is refused, however it was minted.
    operator_token_max_hours: float = Field(default=12.0, gt=0, alias="OPERATOR_TOKEN_MAX_HOURS")
    # Operators sign in with a token minted from this secret (tools.operator_token --operator).
    operator_token_secret: SecretStr = Field(
        default=SecretStr("local-development-only-operators"), alias="OPERATOR_TOKEN_SECRET"
    )


class CreditSettings(DepartmentSettings, OperatorTokenSettings, PublicLookupSettings):
    """The credit department: its gate, source lists, portraits, public query and inspections."""


class RegistrationSettings(DepartmentSettings, AccessTokenSettings, PublicLookupSettings):
    """Intake, names and licences; the service also hosts the market department's desk."""

    # A registration not completed this long after submission lapses: departments close their
    # cases and its name is free again (names/check would otherwise be held by a script forever).
    name_reservation_days: int = Field(default=30, ge=1, le=3_650, alias="NAME_RESERVATION_DAYS")
    # How often the deregistration notices that ended are approved (the period itself is fixed
    # at 20 days): a notice is approved at most this long after its end.
    # How often enterprises that missed an annual report's deadline (30 June) are looked for.
    annual_report_check_seconds: float = Field(
        default=3_600.0, ge=0.2, le=86_400, alias="ANNUAL_REPORT_CHECK_SECONDS"
    )
    deregistration_check_seconds: float = Field(
        default=60.0, ge=0.2, le=3_600, alias="DEREGISTRATION_CHECK_SECONDS"
    )
    # Ed25519 seed (base64, 32 bytes) that signs electronic business licences.
    licence_signing_key: SecretStr = Field(
        default=SecretStr("local-development-only-licences"), alias="LICENCE_SIGNING_KEY"
    )
    # The postal carrier for the paper licence and seals (免费邮寄): POST {CARRIER_URL}/orders.
    # Unset, only pick-up is offered. `make run` starts a local stand-in.
    carrier_url: str | None = Field(default=None, alias="CARRIER_URL")
    carrier_token: SecretStr = Field(default=SecretStr(""), alias="CARRIER_TOKEN")
    # What the carrier's tracking reports must carry as their bearer token.
    carrier_webhook_token: SecretStr = Field(
        default=SecretStr("local-development-only-carrier"), alias="CARRIER_WEBHOOK_TOKEN"
    )


class NotifierSettings(AccessTokenSettings, OperatorTokenSettings):
    """Timelines, live streams, the page's sessions, notices, the dashboard, traces and audit."""

    # Live-page wake-ups for other notifier instances are coalesced over this window.
    page_changed_linger_ms: int = Field(default=100, ge=0, le=5_000, alias="PAGE_CHANGED_LINGER_MS")
    # Live streams (SSE) open at once: in all, from one address, for one client (a signed-in
    # browser on the page, a registration on the API).
    live_streams_max: int = Field(default=1_000, ge=1, alias="LIVE_STREAMS_MAX")
    live_streams_per_address: int = Field(default=100, ge=1, alias="LIVE_STREAMS_PER_ADDRESS")
    live_streams_per_client: int = Field(default=5, ge=1, alias="LIVE_STREAMS_PER_CLIENT")
    # Retention, enforced by TTL indexes (the database deletes what passed its `expire_at`).
    dead_letter_retention_days: int = Field(default=90, ge=1, alias="DEAD_LETTER_RETENTION_DAYS")
    notification_retention_days: int = Field(default=400, ge=1, alias="NOTIFICATION_RETENTION_DAYS")
    # Where the enterprise page's server side reaches the registration service.
    registration_service_url: str = Field(
        default="http://127.0.0.1:8001", alias="REGISTRATION_SERVICE_URL"
    )
    # Where /ops draws random inspections (the credit service), and the base of their public page.
    credit_service_url: str = Field(default="http://127.0.0.1:8013", alias="CREDIT_SERVICE_URL")
    # Signs the enterprise page's session cookie.
    session_secret: SecretStr = Field(
        default=SecretStr("local-development-only-sessions"), alias="SESSION_SECRET"
    )
    # Outside channels tried in order after the in-page feed; the first that accepts delivers.
    notification_channels: list[str] = Field(
        default_factory=lambda: ["email", "sms"], alias="NOTIFICATION_CHANNELS"
    )
    smtp_host: str | None = Field(default=None, alias="SMTP_HOST")
    smtp_port: int = Field(default=25, alias="SMTP_PORT")
    smtp_sender: str = Field(default="noreply@enterprise-page.example", alias="SMTP_SENDER")
    smtp_timeout_seconds: float = Field(default=5.0, gt=0, alias="SMTP_TIMEOUT_SECONDS")
    sms_provider_url: str | None = Field(default=None, alias="SMS_PROVIDER_URL")
    sms_provider_token: SecretStr = Field(default=SecretStr(""), alias="SMS_PROVIDER_TOKEN")
    sms_timeout_seconds: float = Field(default=5.0, gt=0, alias="SMS_TIMEOUT_SECONDS")
    # Per client address and notifier instance: sign-ins, and submissions or corrections.
    page_rate_limit_per_minute: int = Field(default=30, ge=1, alias="PAGE_RATE_LIMIT_PER_MINUTE")
    reminder_check_interval_ms: int = Field(
        default=60_000, ge=100, alias="REMINDER_CHECK_INTERVAL_MS"
    )
    # Services export spans to the notifier's trace sink (POST /v1/traces) with this token.
    traces_token: SecretStr = Field(
        default=SecretStr("local-development-only-traces"), alias="TRACES_TOKEN"
    )
    trace_retention_hours: int = Field(default=72, ge=1, alias="TRACE_RETENTION_HOURS")
    # Signs the audit log's checkpoints (services/notifier/audit.py): a base64 Ed25519 seed.
    audit_signing_key: SecretStr = Field(
        default=SecretStr("local-development-only-audit"), alias="AUDIT_SIGNING_KEY"
    )
    # A checkpoint every so many records, and at least this often while records are added:
    # only records after the newest checkpoint could be rewritten without the verifier noticing.
    audit_checkpoint_every: int = Field(default=1_000, ge=1, alias="AUDIT_CHECKPOINT_EVERY")
    audit_checkpoint_seconds: float = Field(default=60, gt=0, alias="AUDIT_CHECKPOINT_SECONDS")


class Settings(RegistrationSettings, TaxSettings, CreditSettings, NotifierSettings):
    """Every setting of every service: for tools and tests that act for several services.

    A service reads only its own class (`settings_class_for`), so it never loads another
    service's secrets.
    """


# The services whose settings are more than a department's; every other service is a
# department (a topology row) and reads DepartmentSettings.
_SERVICE_SETTINGS: dict[str, type[RuntimeSettings]] = {
    "registration": RegistrationSettings,
    "notifier": NotifierSettings,
    "tax": TaxSettings,
    "credit": CreditSettings,
}


def settings_class_for(service: str) -> type[RuntimeSettings]:
    return _SERVICE_SETTINGS.get(service, DepartmentSettings)


def environment_names() -> set[str]:
    """Every variable a service reads: its settings, and the OpenTelemetry SDK's own."""
    import opentelemetry.sdk.environment_variables as sdk  # noqa: PLC0415 - used by checks only

    return {field.alias for field in Settings.model_fields.values() if field.alias} | {
        value for name, value in vars(sdk).items() if name.startswith("OTEL_")
    }
