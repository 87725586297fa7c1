"""Security headers on every response: what the browser may load, frame, sniff or downgrade.

A pure ASGI middleware, so the live streams (SSE) pass through unbuffered. A response that sets
its own Content-Security-Policy keeps it (the printable documents do).
"""

from __future__ import annotations

from collections.abc import Collection

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _policy(*directives: str) -> str:
    return "; ".join(directives)


# The pages load only their own scripts, styles and API; nothing inline, nothing from elsewhere.
PAGE_POLICY = _policy(
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",  # the favicon is an empty data: URL
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
# Printable documents run no script at all. Their styles are inline (a <style> block, and the
# QR code's SVG, whose reportlab output styles every square), and every value in them is escaped.
DOCUMENT_POLICY = _policy(
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
)
# One year, this host only: the service does not own its parent domain's other hosts.
HSTS = "max-age=31536000"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, hsts: bool, exempt_paths: Collection[str] = ()) -> None:
        self.app = app
        self.hsts = hsts
        # The API docs (when enabled) load Swagger UI from a CDN with an inline script.
        self.exempt_paths = frozenset(exempt_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        exempt = scope["path"] in self.exempt_paths

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                if headers.get("content-type", "").startswith("text/html") and not exempt:
                    headers.setdefault("Content-Security-Policy", PAGE_POLICY)
                    headers.setdefault("X-Frame-Options", "DENY")
            await send(message)

        await self.app(scope, receive, send_with_headers)
