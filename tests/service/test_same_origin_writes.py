"""Cookie-signed writes on the page's API: from our own pages, as JSON, refused before the body."""

import json

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from service_runtime.same_origin import SameOriginWrites
from service_runtime.settings import Settings
from services.notifier.app import create_app as create_notifier
from services.notifier.parts import PageLimits
from tests.support.no_timelines import NoTimelines
from tests.support.parts import hand_parts

SIGN_IN = {"registration_id": "ab" * 16, "access_token": "not-a-valid-token"}


async def client() -> httpx.AsyncClient:
    settings = Settings()
    app = create_notifier(settings)  # the page needs no broker here
    hand_parts(
        app, settings, timelines=NoTimelines(), page_limits=PageLimits.from_settings(settings)
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc.test")


@pytest.mark.parametrize(
    "headers",
    [
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},  # a sibling subdomain is another site's page too
        {"origin": "https://attacker.example"},
        {"origin": "null"},  # a sandboxed frame or a data: URL
        {"origin": "http://svc.test.attacker.example", "sec-fetch-site": "same-origin"},
    ],
)
async def test_a_write_from_another_site_is_refused(headers: dict[str, str]) -> None:
    async with await client() as c:
        answer = await c.post("/page/api/session", json=SIGN_IN, headers=headers)
        signed_out = await c.delete("/page/api/session", headers=headers)
    assert answer.status_code == 403
    body = answer.json()
    assert body["code"] == "cross_site_request"
    assert body["message_zh"]
    assert body["message_en"]
    assert answer.headers["x-content-type-options"] == "nosniff"  # refusals get the headers too
    assert signed_out.status_code == 403
    assert "set-cookie" not in signed_out.headers


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""]
)
async def test_a_write_that_is_not_json_is_refused(content_type: str) -> None:
    headers = {"origin": "http://svc.test", "sec-fetch-site": "same-origin"}
    if content_type:
        headers["content-type"] = content_type
    async with await client() as c:
        answer = await c.post("/page/api/session", content=json.dumps(SIGN_IN), headers=headers)
    assert answer.status_code == 415
    assert answer.json()["code"] == "json_required"


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "http://svc.test", "sec-fetch-site": "same-origin"},  # the page itself
        {"origin": "http://127.0.0.1:8002"},  # the configured public URL
        {},  # not a browser: judged by its credentials alone
    ],
)
async def test_our_own_pages_and_other_clients_reach_the_endpoint(
    headers: dict[str, str],
) -> None:
    async with await client() as c:
        answer = await c.post("/page/api/session", json=SIGN_IN, headers=headers)
        corrected = await c.post(
            f"/page/api/registrations/{'ab' * 16}/corrections",
            content=b"{}",
            headers={**headers, "content-type": "application/merge-patch+json"},
        )
        signed_out = await c.delete("/page/api/session", headers=headers)
    assert answer.status_code == 401  # past the guard: the made-up token is refused
    assert answer.json()["code"] == "access_token_invalid"
    assert corrected.status_code == 401  # past the guard: not signed in
    assert signed_out.status_code == 204


async def test_reads_and_bearer_token_endpoints_are_not_guarded() -> None:
    async with await client() as c:
        page = await c.get("/page", headers={"sec-fetch-site": "cross-site"})
        ops = await c.post(
            "/ops/api/policies", content=b"x", headers={"sec-fetch-site": "cross-site"}
        )
    assert page.status_code == 200
    assert ops.status_code == 401  # the operator's bearer token decides, not this guard


async def test_the_refusal_comes_before_the_body_is_read() -> None:
    async def app(
        scope: Scope, receive: Receive, send: Send
    ) -> None:  # pragma: no cover - must not be reached
        raise AssertionError("the guarded app ran")

    async def receive() -> Message:
        raise AssertionError("the body was read")

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    guard = SameOriginWrites(app, guarded_prefixes=["/page/api/"], public_origins=[])
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/page/api/registrations",
        "scheme": "http",
        "headers": [(b"host", b"svc.test"), (b"origin", b"https://attacker.example")],
    }
    await guard(scope, receive, send)
    assert sent[0]["status"] == 403
