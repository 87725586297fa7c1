"""One body limit on every service, and credentials checked before any body is read or parsed."""

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Message, Receive

from service_runtime.settings import Settings
from services.launch import app_builder
from services.notifier.app import create_app as create_notifier
from services.registration.app import create_app as create_registration
from tests.support.parts import hand_parts

RID = "ab" * 16
LIMIT = 4096
Build = Callable[[Settings], FastAPI]
create_tax = app_builder("tax")  # a department, as `python -m services tax` builds it
BUILDERS: list[Build] = [create_registration, create_notifier, create_tax]


def app_for(build: Build) -> FastAPI:
    settings = Settings(MAX_REQUEST_BODY_BYTES=LIMIT)
    app = build(settings)
    return hand_parts(app, settings)  # no broker needed here


async def call(
    app: FastAPI, method: str, path: str, headers: list[tuple[bytes, bytes]], receive: Receive
) -> int:
    """Drive the app directly, so the test sees whether the body was ever asked for."""
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"svc.test"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("svc.test", 80),
    }
    await app(scope, receive, send)
    status: int = sent[0]["status"]
    return status


async def never_read() -> Message:
    raise AssertionError("the body was read")


@pytest.mark.parametrize("build", BUILDERS)
async def test_a_declared_body_over_the_limit_is_refused_unread(build: Build) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"50000000")]
    status = await call(app_for(build), "POST", "/api/v1/registrations", headers, never_read)
    assert status == 413


@pytest.mark.parametrize("build", BUILDERS)
async def test_a_streamed_body_is_cut_off_at_the_limit(build: Build) -> None:
    sizes: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):  # 100 KiB on offer; the service must stop well before the end
            sizes.append(1024)
            yield b" " * 1024

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app_for(build)), base_url="http://svc.test"
    ) as c:
        answer = await c.post(
            f"/api/v1/registrations/{RID}/corrections",
            content=chunks(),
            headers={"content-type": "application/merge-patch+json", "authorization": "Bearer x"},
        )
    assert answer.status_code in {401, 403, 404, 413}  # never a 5xx, whatever the route
    if answer.status_code == 413:
        assert answer.json()["code"] == "body_too_large"
        assert sum(sizes) <= LIMIT + 1024


async def test_the_registration_form_stops_reading_at_the_limit() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b" " * 1024

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app_for(create_registration)),
        base_url="http://svc.test",
    ) as c:
        answer = await c.post(
            "/api/v1/registrations", content=chunks(), headers={"content-type": "application/json"}
        )
    assert answer.status_code == 413
    assert answer.json()["limit_bytes"] == LIMIT


@pytest.mark.parametrize(
    ("build", "path"),
    [
        (create_notifier, "/ops/api/policies"),
        (create_registration, f"/api/v1/registrations/{RID}/withdraw"),
        (create_tax, f"/api/v1/departments/tax/cases/{RID}/decision"),
    ],
)
@pytest.mark.parametrize("authorization", [None, b"Bearer forged"])
async def test_a_write_without_valid_credentials_is_refused_before_its_body_is_read(
    build: Build, path: str, authorization: bytes | None
) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"17")]
    if authorization:
        headers.append((b"authorization", authorization))
    status = await call(app_for(build), "POST", path, headers, never_read)
    assert status in {401, 403}


@pytest.mark.parametrize(
    ("build", "path"),
    [
        (create_notifier, "/ops/api/policies"),
        (create_registration, f"/api/v1/registrations/{RID}/withdraw"),
        (create_tax, f"/api/v1/departments/tax/cases/{RID}/decision"),
    ],
)
async def test_malformed_json_from_an_anonymous_caller_gets_401_not_a_parse_error(
    build: Build, path: str
) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app_for(build)), base_url="http://svc.test"
    ) as c:
        answer = await c.post(
            path, content=b"{not json", headers={"content-type": "application/json"}
        )
    assert answer.status_code == 401
