"""Local stand-ins for the outside channels: an SMTP server (aiosmtpd) and an HTTP SMS provider.

Used by the channel service tests and, as real servers on loopback, by the live stack.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

SERVER_WAIT_SECONDS = 5.0


# --- A real SMTP server (aiosmtpd) on an OS-assigned port. ---


class RecordingHandler:
    def __init__(self) -> None:
        self.received: list[tuple[str | None, list[str], bytes]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.content
        raw = content.encode() if isinstance(content, str) else bytes(content or b"")
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), raw))
        return "250 OK"


class RefusesRecipient(RecordingHandler):
    async def handle_RCPT(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        return "550 mailbox unavailable"


class RefusesData(RecordingHandler):
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        return "550 mailbox unavailable"


class EphemeralPortController(Controller):
    """aiosmtpd's Controller, bound to port 0: learn the port before it probes its own server."""

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = int(self.server.sockets[0].getsockname()[1])
        super()._trigger_server()  # type: ignore[no-untyped-call]  # aiosmtpd leaves it unannotated


@contextmanager
def smtp_server(handler: RecordingHandler) -> Iterator[int]:
    controller = EphemeralPortController(
        handler, hostname="127.0.0.1", port=0, ready_timeout=SERVER_WAIT_SECONDS
    )
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@contextmanager
def closed_port() -> Iterator[int]:
    """A port bound but not listening: connecting is refused, and nobody else can take it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


@contextmanager
def silent_server() -> Iterator[int]:
    """Accepts TCP connections (the kernel's backlog) and never says a word."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(4)
        yield int(sock.getsockname()[1])


# --- A tiny HTTP SMS provider (http.server in a thread) on an OS-assigned port. ---


@dataclass
class ProviderRequest:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class SmsProvider:
    url: str
    status: int = 200
    response: bytes = b'{"id": "sms-0001", "status": "queued"}'
    content_type: str = "application/json"
    received: list[ProviderRequest] = field(default_factory=list)


class ProviderServer(ThreadingHTTPServer):
    provider: SmsProvider


class ProviderHandler(BaseHTTPRequestHandler):
    server: ProviderServer

    def do_POST(self) -> None:
        provider = self.server.provider
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        provider.received.append(
            ProviderRequest(
                self.path, {k.lower(): v for k, v in self.headers.items()}, json.loads(raw)
            )
        )
        self.send_response(provider.status)
        self.send_header("Content-Type", provider.content_type)
        self.send_header("Content-Length", str(len(provider.response)))
        self.end_headers()
        self.wfile.write(provider.response)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: the test reads what the provider received instead."""


@contextmanager
def sms_provider_server(path: str = "/v1/messages") -> Iterator[SmsProvider]:
    server = ProviderServer(("127.0.0.1", 0), ProviderHandler)
    server.provider = SmsProvider(url=f"http://127.0.0.1:{server.server_port}{path}")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(SERVER_WAIT_SECONDS)


BOUNCING_DOMAIN = "bounce.example"


class BouncesOneDomain(RecordingHandler):
    """Delivers mail, except to one domain it refuses as a real server would (550)."""

    async def handle_RCPT(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower().endswith(f"@{BOUNCING_DOMAIN}"):
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"
