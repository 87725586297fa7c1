"""Security headers on the pages, a Secure session cookie and no API docs outside local development."""

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from service_runtime.access import issue_access_token
from service_runtime.settings import Settings
from services.notifier.app import create_app as create_notifier
from services.notifier.parts import PageLimits
from services.registration.app import create_app as create_registration
from services.registration.documents import Document, html_response
from tests.support.no_timelines import NoTimelines
from tests.support.parts import hand_parts
from tests.support.production import production_settings

STATIC = Path(__file__).resolve().parents[2] / "services" / "notifier" / "static"
RID = "ab" * 16


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc.test")


def directives(policy: str) -> dict[str, set[str]]:
    parsed = (d.split() for d in policy.split(";") if d.strip())
    return {words[0]: set(words[1:]) for words in parsed}


@pytest.mark.parametrize("path", ["/page", "/ops"])
async def test_production_pages_carry_every_security_header(path: str) -> None:
    async with client(create_notifier(production_settings())) as c:
        answer = await c.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    policy = directives(answer.headers["content-security-policy"])
    assert policy["script-src"] == {"'self'"}
    assert policy["style-src"] == {"'self'"}
    assert policy["frame-ancestors"] == {"'none'"}
    assert policy["object-src"] == {"'none'"}
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["strict-transport-security"].startswith("max-age=")


async def test_scripts_and_json_are_not_sniffed_and_local_development_has_no_hsts() -> None:
    async with client(create_notifier(Settings())) as c:
        script = await c.get("/static/page.js")
        page = await c.get("/page")
    assert script.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in page.headers
    assert "strict-transport-security" not in page.headers


@pytest.mark.parametrize("build", [create_notifier, create_registration])
async def test_api_docs_are_off_in_production_unless_enabled(
    build: Callable[[Settings], FastAPI],
) -> None:
    async with client(build(production_settings())) as c:
        assert [(await c.get(p)).status_code for p in ("/docs", "/redoc", "/openapi.json")] == [
            404,
            404,
            404,
        ]
    async with client(build(production_settings(API_DOCS_ENABLED=True))) as c:
        assert (await c.get("/openapi.json")).status_code == 200
        docs = await c.get("/docs")
        assert docs.status_code == 200
        assert "content-security-policy" not in docs.headers  # Swagger UI's CDN and inline script
    async with client(build(Settings())) as c:
        assert (await c.get("/docs")).status_code == 200


@pytest.mark.parametrize(
    ("settings", "secure"),
    [
        (production_settings(NOTIFIER_PUBLIC_URL="http://page.example"), True),
        (Settings(NOTIFIER_PUBLIC_URL="http://127.0.0.1:8002"), False),
        (Settings(NOTIFIER_PUBLIC_URL="https://page.example"), True),
    ],
)
async def test_the_session_cookie_is_secure_outside_local_development(
    settings: Settings,
    secure: bool,  # noqa: FBT001 - pytest passes parameters by name
) -> None:
    app = create_notifier(settings)
    hand_parts(
        app, settings, timelines=NoTimelines(), page_limits=PageLimits.from_settings(settings)
    )
    token = issue_access_token(settings.access_token_secret.get_secret_value(), RID)
    async with client(app) as c:
        signed_in = await c.post(
            "/page/api/session", json={"registration_id": RID, "access_token": token}
        )
        signed_out = await c.delete("/page/api/session")
    assert signed_in.status_code == 204
    for answer in (signed_in, signed_out):
        cookie = answer.headers["set-cookie"].lower()
        assert "httponly" in cookie
        assert ("; secure" in cookie) is secure


def test_printed_documents_forbid_scripts_but_keep_their_inline_styles() -> None:
    answer = html_response(Document("营业执照", "Licence", [("名称", "示例")], qr_url="https://x"))
    policy = directives(answer.headers["content-security-policy"])
    assert policy["default-src"] == {"'none'"}
    assert "script-src" not in policy  # falls back to default-src 'none'
    assert policy["style-src"] == {"'unsafe-inline'"}
    assert policy["frame-ancestors"] == {"'none'"}


# What PAGE_POLICY would block: anything inline, and anything from another origin.
INLINE_IN_HTML = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=", re.IGNORECASE)
INLINE_IN_SCRIPT = re.compile(r"style=|\son[a-z]+=|\beval\(|new Function|javascript:")
LOADED_URL = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


@pytest.mark.parametrize("name", sorted(p.name for p in STATIC.glob("*.html")))
def test_each_page_loads_only_what_the_policy_allows(name: str) -> None:
    text = (STATIC / name).read_text("utf-8")
    assert not INLINE_IN_HTML.search(text), INLINE_IN_HTML.search(text)
    for url in LOADED_URL.findall(text):
        assert url.startswith(("/", "#", "data:")), f"{name} loads {url} from another origin"


@pytest.mark.parametrize("name", sorted(p.name for p in STATIC.glob("*.js")))
def test_each_script_builds_nothing_the_policy_blocks(name: str) -> None:
    text = (STATIC / name).read_text("utf-8")
    assert not INLINE_IN_SCRIPT.search(text), INLINE_IN_SCRIPT.search(text)
    assert not re.search(r"(fetch|EventSource)\(\s*[\"'`]https?:", text), f"{name}: other origin"
