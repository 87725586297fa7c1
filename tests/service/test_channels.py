"""Service tests: outside notification channels on a real local SMTP server and HTTP SMS provider."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from structlog.testing import capture_logs

from service_runtime.settings import Settings
from services.notifier.channels import (
    Channel,
    ChannelError,
    Contacts,
    DeliveryAttempt,
    EmailChannel,
    OutgoingMessage,
    SmsChannel,
    build_channels,
    deliver,
)
from tests.support.channel_sinks import (
    SERVER_WAIT_SECONDS,
    RecordingHandler,
    RefusesData,
    RefusesRecipient,
    SmsProvider,
    closed_port,
    silent_server,
    sms_provider_server,
    smtp_server,
)

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
SENDER = "noreply@enterprise-page.example"
TOKEN = "sms-provider-token"
MESSAGE = OutgoingMessage(
    subject_zh="营业执照已核发",
    subject_en="Business licence issued",
    body_zh="您的企业登记已办结，请登录企业专属网页查看。",
    body_en="Your company registration is complete; see the Enterprise Page.",
)
CONTACTS = Contacts(email="boss@example.com", mobile="13800138000")


def now() -> datetime:
    return NOW


def email_channel(port: int, timeout: float = SERVER_WAIT_SECONDS) -> EmailChannel:
    return EmailChannel(host="127.0.0.1", port=port, sender=SENDER, timeout=timeout)


@pytest.fixture
def sms_provider() -> Iterator[SmsProvider]:
    with sms_provider_server() as provider:
        yield provider


def sms_channel(url: str, token: str = TOKEN) -> SmsChannel:
    return SmsChannel(url=url, token=token, timeout=SERVER_WAIT_SECONDS)


def statuses(attempts: list[DeliveryAttempt]) -> list[tuple[str, str]]:
    return [(a.channel, a.status) for a in attempts]


def assert_sms_request(provider: SmsProvider, token: str | None = TOKEN) -> None:
    assert len(provider.received) == 1
    request = provider.received[0]
    assert request.path == "/v1/messages"
    assert request.body == {"to": CONTACTS.mobile, "text": f"{MESSAGE.body_zh} {MESSAGE.body_en}"}
    assert request.headers.get("authorization") == (f"Bearer {token}" if token else None)
    assert request.headers["content-type"] == "application/json"


# --- Email ---


async def test_email_is_delivered_chinese_first() -> None:
    handler = RecordingHandler()
    with smtp_server(handler) as port:
        attempts = await deliver([email_channel(port)], CONTACTS, MESSAGE, now)

    assert attempts == [DeliveryAttempt("email", "delivered", NOW, attempts[0].detail)]
    assert attempts[0].detail.startswith("250")
    assert len(handler.received) == 1
    mail_from, rcpt_tos, raw = handler.received[0]
    assert mail_from == SENDER
    assert rcpt_tos == [CONTACTS.email]
    received = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(received, EmailMessage)
    assert received["Subject"] == f"{MESSAGE.subject_zh} / {MESSAGE.subject_en}"
    assert received["From"] == SENDER
    assert received["To"] == CONTACTS.email
    assert received.get_content_type() == "text/plain"
    assert received.get_content_charset() == "utf-8"
    body = received.get_content()
    assert MESSAGE.body_zh in body
    assert MESSAGE.body_en in body
    assert body.index(MESSAGE.body_zh) < body.index(MESSAGE.body_en)


async def test_the_first_channel_that_delivers_ends_the_attempts(sms_provider: SmsProvider) -> None:
    with smtp_server(RecordingHandler()) as port:
        attempts = await deliver(
            [email_channel(port), sms_channel(sms_provider.url)], CONTACTS, MESSAGE, now
        )
    assert statuses(attempts) == [("email", "delivered")]
    assert sms_provider.received == []


@pytest.mark.parametrize("handler_type", [RefusesRecipient, RefusesData])
async def test_a_refusing_smtp_server_falls_back_to_sms(
    sms_provider: SmsProvider, handler_type: type[RecordingHandler]
) -> None:
    handler = handler_type()
    with smtp_server(handler) as port, capture_logs() as logs:
        channels: list[Channel] = [email_channel(port), sms_channel(sms_provider.url)]
        attempts = await deliver(channels, CONTACTS, MESSAGE, now)

    assert attempts == [
        DeliveryAttempt("email", "failed", NOW, "550 mailbox unavailable"),
        DeliveryAttempt("sms", "delivered", NOW, "sms-0001"),
    ]
    assert handler.received == []
    assert_sms_request(sms_provider)
    failures = [entry for entry in logs if entry["event"] == "notification_channel_failed"]
    assert failures == [
        {
            "event": "notification_channel_failed",
            "log_level": "warning",
            "channel": "email",
            "error": "550 mailbox unavailable",
        }
    ]


async def test_an_smtp_port_nobody_listens_on_falls_back_to_sms(sms_provider: SmsProvider) -> None:
    with closed_port() as port:
        attempts = await deliver(
            [email_channel(port), sms_channel(sms_provider.url)], CONTACTS, MESSAGE, now
        )
    assert statuses(attempts) == [("email", "failed"), ("sms", "delivered")]
    assert str(port) in attempts[0].detail  # aiosmtplib names the host and port it could not reach
    assert_sms_request(sms_provider)


async def test_an_smtp_server_that_never_answers_times_out_and_falls_back(
    sms_provider: SmsProvider,
) -> None:
    with silent_server() as port:
        attempts = await deliver(
            [email_channel(port, timeout=0.3), sms_channel(sms_provider.url)],
            CONTACTS,
            MESSAGE,
            now,
        )
    assert statuses(attempts) == [("email", "failed"), ("sms", "delivered")]
    assert "timed out" in attempts[0].detail.lower()


async def test_an_address_that_cannot_go_on_the_wire_is_a_channel_error() -> None:
    with closed_port() as port, pytest.raises(ChannelError):
        await email_channel(port).send("boss@example.com\r\nBcc: everyone@example.com", MESSAGE)


# --- SMS ---


async def test_without_an_email_address_email_is_skipped_and_sms_delivers(
    sms_provider: SmsProvider,
) -> None:
    with closed_port() as port:
        attempts = await deliver(
            [email_channel(port), sms_channel(sms_provider.url)],
            Contacts(email=None, mobile=CONTACTS.mobile),
            MESSAGE,
            now,
        )
    assert attempts == [
        DeliveryAttempt("email", "skipped", NOW, "no email address"),
        DeliveryAttempt("sms", "delivered", NOW, "sms-0001"),
    ]
    assert_sms_request(sms_provider)


async def test_no_token_no_authorization_header_and_no_id_the_status_code(
    sms_provider: SmsProvider,
) -> None:
    sms_provider.status = 202
    sms_provider.response = b"accepted"
    sms_provider.content_type = "text/plain"
    attempts = await deliver([sms_channel(sms_provider.url, token="")], CONTACTS, MESSAGE, now)
    assert attempts == [DeliveryAttempt("sms", "delivered", NOW, "202")]
    assert_sms_request(sms_provider, token=None)


async def test_nobody_reachable_records_only_skips() -> None:
    with closed_port() as port:
        attempts = await deliver(
            [email_channel(port), sms_channel(f"http://127.0.0.1:{port}/")],
            Contacts(email=None, mobile="  "),
            MESSAGE,
            now,
        )
    assert statuses(attempts) == [("email", "skipped"), ("sms", "skipped")]


@pytest.mark.parametrize("provider", ["answers-503", "down"])
async def test_both_channels_failing_records_two_failures_and_does_not_raise(
    sms_provider: SmsProvider, provider: str
) -> None:
    sms_provider.status = 503
    sms_provider.response = b"service unavailable"
    sms_provider.content_type = "text/plain"
    with closed_port() as smtp_port, closed_port() as http_port:
        url = (
            f"http://127.0.0.1:{http_port}/v1/messages" if provider == "down" else sms_provider.url
        )
        with capture_logs() as logs:
            attempts = await deliver(
                [email_channel(smtp_port), sms_channel(url)], CONTACTS, MESSAGE, now
            )

    assert statuses(attempts) == [("email", "failed"), ("sms", "failed")]
    assert all(a.detail for a in attempts)
    if provider == "down":
        assert attempts[1].detail.startswith("ConnectError")
    else:
        assert attempts[1].detail == "HTTP 503 Service Unavailable: service unavailable"
        assert_sms_request(sms_provider)
    failed = [entry["channel"] for entry in logs if entry["event"] == "notification_channel_failed"]
    assert failed == ["email", "sms"]


# --- Records and wiring ---


def test_an_attempt_is_a_plain_document() -> None:
    attempt = DeliveryAttempt("sms", "failed", NOW, "HTTP 503 Service Unavailable")
    assert attempt.as_document() == {
        "channel": "sms",
        "status": "failed",
        "at": NOW,
        "detail": "HTTP 503 Service Unavailable",
    }


def channel_settings(**env: Any) -> Settings:
    base: dict[str, Any] = {
        "SMTP_HOST": "mail.example.com",
        "SMTP_PORT": 2525,
        "SMTP_SENDER": SENDER,
        "SMTP_TIMEOUT_SECONDS": 2.5,
        "SMS_PROVIDER_URL": "https://sms.example.com/v1/messages",
        "SMS_PROVIDER_TOKEN": TOKEN,
        "SMS_TIMEOUT_SECONDS": 1.5,
    }
    return Settings.model_validate({**base, **env})


def test_build_channels_follows_the_configured_order() -> None:
    channels = build_channels(channel_settings(NOTIFICATION_CHANNELS=["sms", "email"]))
    assert [(type(c), c.name) for c in channels] == [(SmsChannel, "sms"), (EmailChannel, "email")]
    assert [c.name for c in build_channels(channel_settings())] == ["email", "sms"]


def test_build_channels_leaves_out_unconfigured_and_unknown_channels() -> None:
    assert [c.name for c in build_channels(channel_settings(SMTP_HOST=None))] == ["sms"]
    assert [c.name for c in build_channels(channel_settings(SMS_PROVIDER_URL=None))] == ["email"]
    assert build_channels(channel_settings(SMTP_HOST=None, SMS_PROVIDER_URL=None)) == []
    assert build_channels(channel_settings(NOTIFICATION_CHANNELS=[])) == []

    with capture_logs() as logs:
        channels = build_channels(channel_settings(NOTIFICATION_CHANNELS=["pager", "email"]))
    assert [c.name for c in channels] == ["email"]
    assert logs == [
        {"event": "unknown_notification_channel", "log_level": "warning", "channel": "pager"}
    ]


async def test_built_channels_use_the_settings(sms_provider: SmsProvider) -> None:
    handler = RecordingHandler()
    with smtp_server(handler) as port:
        settings = channel_settings(
            SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMS_PROVIDER_URL=sms_provider.url
        )
        attempts = await deliver(build_channels(settings), CONTACTS, MESSAGE, now)
        no_email = await deliver(
            build_channels(settings), Contacts(email="", mobile=CONTACTS.mobile), MESSAGE, now
        )
    assert statuses(attempts) == [("email", "delivered")]
    assert handler.received[0][0] == SENDER
    assert statuses(no_email) == [("email", "skipped"), ("sms", "delivered")]
    assert_sms_request(sms_provider)
