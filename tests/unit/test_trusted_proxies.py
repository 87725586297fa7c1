"""X-Forwarded-For is believed only from the proxies TRUSTED_PROXIES names; none by default."""

from typing import Any, cast

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from pydantic import ValidationError

from service_runtime import serve
from service_runtime.settings import Settings
from tests.support.production import production_secrets

FORGED = {"X-Forwarded-For": "203.0.113.9"}


def echo_client(_: Settings) -> FastAPI:
    app = FastAPI()

    @app.get("/who")
    async def who(request: Request) -> dict[str, str | None]:
        return {"client": request.client.host if request.client else None}

    return app


def started(monkeypatch: pytest.MonkeyPatch, **environment: str) -> uvicorn.Config:
    """What `python -m services <name>` hands uvicorn, with this environment."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(
        "service_runtime.serve.uvicorn.run", lambda app, **options: calls.append((app, options))
    )
    serve.serve(echo_client, "registration", 8001)
    ((app, options),) = calls
    config = uvicorn.Config(app, **options)
    config.load()
    return config


async def seen_client(config: uvicorn.Config, peer: str) -> str:
    transport = httpx.ASGITransport(app=config.loaded_app, client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://svc.test") as client:
        return cast("str", (await client.get("/who", headers=FORGED)).json()["client"])


async def test_production_believes_no_forwarded_header_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    config = started(monkeypatch, ENVIRONMENT="production", **production_secrets())
    assert await seen_client(config, "127.0.0.1") == "127.0.0.1"
    assert await seen_client(config, "10.0.0.5") == "10.0.0.5"


async def test_uvicorns_own_environment_variable_cannot_widen_the_trust(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = started(
        monkeypatch, ENVIRONMENT="production", FORWARDED_ALLOW_IPS="*", **production_secrets()
    )
    assert await seen_client(config, "198.51.100.7") == "198.51.100.7"


async def test_only_the_named_proxies_are_believed(monkeypatch: pytest.MonkeyPatch) -> None:
    config = started(
        monkeypatch,
        ENVIRONMENT="production",
        TRUSTED_PROXIES='["10.0.0.5", "192.168.0.0/16"]',
        **production_secrets(),
    )
    assert await seen_client(config, "10.0.0.5") == "203.0.113.9"
    assert await seen_client(config, "192.168.4.4") == "203.0.113.9"
    assert await seen_client(config, "127.0.0.1") == "127.0.0.1"


def test_local_development_trusts_loopback_only() -> None:
    assert Settings().forwarded_allow_ips == ["127.0.0.1", "::1"]
    secrets: dict[str, Any] = production_secrets()
    assert Settings(ENVIRONMENT="production", **secrets).forwarded_allow_ips == []


@pytest.mark.parametrize("proxy", ["*", "proxy.internal", "10.0.0.1/8"])
def test_a_trusted_proxy_must_be_an_address_or_network(
    monkeypatch: pytest.MonkeyPatch, proxy: str
) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", f'["{proxy}"]')
    with pytest.raises(ValidationError, match="TRUSTED_PROXIES"):
        Settings()
