"""Outside notification channels (email, SMS), tried in order until one delivers."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Literal, Protocol

import aiosmtplib
import httpx
import structlog
from aiosmtplib import SMTPStatus

from service_runtime.metrics import NOTIFICATION_DELIVERIES
from service_runtime.settings import NotifierSettings

log = structlog.get_logger("notifier.channels")

DeliveryStatus = Literal["delivered", "failed", "skipped"]

_MAX_DETAIL = 300  # characters of a provider's error body kept in a delivery attempt


@dataclass(frozen=True)
class OutgoingMessage:
    subject_zh: str
    subject_en: str
    body_zh: str
    body_en: str


@dataclass(frozen=True)
class Contacts:
    email: str | None
    mobile: str | None


@dataclass(frozen=True)
class DeliveryAttempt:
    channel: str
    status: DeliveryStatus
    at: datetime  # timezone-aware UTC
    detail: str

    def as_document(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class ChannelError(Exception):
    """A channel could not deliver; the message is the detail recorded with the attempt."""


class Channel(Protocol):
    name: str

    def address(self, contacts: Contacts) -> str | None: ...

    async def send(self, address: str, message: OutgoingMessage) -> str: ...


def _smtp_error_text(error: aiosmtplib.SMTPException | OSError | ValueError) -> str:
    # The exceptions' own str() repeats the recipient's address; keep only the server's answer.
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return "; ".join(f"{r.code} {r.message}" for r in error.recipients) or "recipients refused"
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return f"{error.code} {error.message}"
    if isinstance(error, aiosmtplib.SMTPException):
        return error.message or type(error).__name__
    return _error_text(error)


def _error_text(error: Exception) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


class EmailChannel:
    """Plain-text UTF-8 email over SMTP: Chinese first, then English."""

    name = "email"

    def __init__(self, *, host: str, port: int, sender: str, timeout: float) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._timeout = timeout

    def address(self, contacts: Contacts) -> str | None:
        return (contacts.email or "").strip() or None

    def _compose(self, address: str, message: OutgoingMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self._sender
        email["To"] = address
        email["Subject"] = f"{message.subject_zh} / {message.subject_en}"
        email["Date"] = formatdate(usegmt=True)
        # An explicit domain: without one, make_msgid asks DNS for this host's name.
        email["Message-ID"] = make_msgid(domain=self._sender.rpartition("@")[2] or "localhost")
        email.set_content(f"{message.body_zh}\n\n{message.body_en}\n", charset="utf-8")
        return email

    async def send(self, address: str, message: OutgoingMessage) -> str:
        try:
            _, response = await aiosmtplib.send(
                self._compose(address, message),
                sender=self._sender,
                recipients=[address],
                hostname=self._host,
                port=self._port,
                timeout=self._timeout,
            )
        # ValueError: an address the email package or aiosmtplib refuses to put on the wire.
        except (aiosmtplib.SMTPException, OSError, ValueError) as error:
            raise ChannelError(_smtp_error_text(error)) from error
        # aiosmtplib raises unless the server answered the message with 250.
        return f"{SMTPStatus.completed.value} {response}".strip()


class SmsChannel:
    """An HTTP SMS provider: POST {"to", "text"} as JSON, with a bearer token when one is set."""

    name = "sms"

    def __init__(self, *, url: str, token: str, timeout: float) -> None:
        self._url = httpx.URL(url)  # a malformed URL fails here, at start-up, not at each send
        self._token = token
        self._timeout = timeout

    def address(self, contacts: Contacts) -> str | None:
        return (contacts.mobile or "").strip() or None

    async def send(self, address: str, message: OutgoingMessage) -> str:
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        payload = {"to": address, "text": f"{message.body_zh} {message.body_en}"}
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.post(self._url, json=payload, headers=headers)
        except httpx.HTTPError as error:
            raise ChannelError(_error_text(error)) from error
        if not response.is_success:
            body = response.text.strip()[:_MAX_DETAIL]
            status = f"HTTP {response.status_code} {response.reason_phrase}".strip()
            raise ChannelError(f"{status}: {body}" if body else status)
        return _provider_id(response) or str(response.status_code)


def _provider_id(response: httpx.Response) -> str | None:
    try:
        document = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if isinstance(document, dict) and document.get("id") is not None:
        return str(document["id"])
    return None


def build_channels(settings: NotifierSettings) -> list[Channel]:
    """The configured channels in `settings.notification_channels` order."""
    channels: list[Channel] = []
    seen: set[str] = set()
    for name in settings.notification_channels:
        if name in seen:
            continue
        seen.add(name)
        if name == EmailChannel.name:
            if settings.smtp_host:
                channels.append(
                    EmailChannel(
                        host=settings.smtp_host,
                        port=settings.smtp_port,
                        sender=settings.smtp_sender,
                        timeout=settings.smtp_timeout_seconds,
                    )
                )
        elif name == SmsChannel.name:
            if settings.sms_provider_url:
                channels.append(
                    SmsChannel(
                        url=settings.sms_provider_url,
                        token=settings.sms_provider_token.get_secret_value(),
                        timeout=settings.sms_timeout_seconds,
                    )
                )
        else:
            log.warning("unknown_notification_channel", channel=name)
    return channels


async def deliver(
    channels: Sequence[Channel],
    contacts: Contacts,
    message: OutgoingMessage,
    now: Callable[[], datetime],
) -> list[DeliveryAttempt]:
    """Try channels in order; stop at the first that delivers.

    A channel with no address for these contacts records 'skipped'; a failure records 'failed'
    (with the error) and falls back to the next one. Never raises for channel failures.
    """
    attempts: list[DeliveryAttempt] = []
    for channel in channels:
        address = channel.address(contacts)
        if address is None:
            attempts.append(
                DeliveryAttempt(channel.name, "skipped", now(), f"no {channel.name} address")
            )
            continue
        try:
            detail = await channel.send(address, message)
        except ChannelError as error:
            log.warning("notification_channel_failed", channel=channel.name, error=str(error))
            attempts.append(DeliveryAttempt(channel.name, "failed", now(), str(error)))
            continue
        attempts.append(DeliveryAttempt(channel.name, "delivered", now(), detail))
        break
    for attempt in attempts:
        NOTIFICATION_DELIVERIES.labels(attempt.channel, attempt.status).inc()
    return attempts
