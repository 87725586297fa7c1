"""One request-body limit for every endpoint, enforced while the body arrives.

A declared `Content-Length` over the limit is refused before a byte is read. A body without one
(chunked) is counted as it streams in, and the request fails with 413 once it passes the limit,
so no endpoint ever holds more than the limit in memory, whatever it does with the body.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service_runtime.problems import Problem, problem_response


class BodyTooLargeError(Problem):
    """Raised from inside the endpoint's read, so the app's own handler answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, "body_too_large", limit_bytes=limit)


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLargeError(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLargeError:
            if started:  # the endpoint answered before reading it all; nothing more to say
                return
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(413, "body_too_large", limit_bytes=self.max_bytes)
        response.headers["Connection"] = "close"  # the rest of the body is not read
        await response(scope, receive, send)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() and len(value) <= 18 else None  # noqa: PLR2004
    return None
