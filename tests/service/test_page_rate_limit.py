"""The page's sign-in answers 429 with Retry-After once one address tries too often."""

from types import SimpleNamespace

import httpx
from fastapi import FastAPI

from service_runtime.problems import install_problem_handlers
from service_runtime.settings import Settings
from services.notifier.page import page_component, router
from tests.no_timelines import NoTimelines


async def test_sign_in_attempts_over_the_limit_are_refused_with_429():
    runtime = SimpleNamespace(
        settings=Settings(PAGE_RATE_LIMIT_PER_MINUTE=2), state={"timelines": NoTimelines()}
    )
    await page_component(runtime)
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    app.state.runtime = runtime
    attempt = {"registration_id": "a" * 32, "access_token": "wrong-token-000"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://page.test") as client:
        answers = [await client.post("/page/api/session", json=attempt) for _ in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 429]
    refused = answers[-1]
    assert 59 <= int(refused.headers["retry-after"]) <= 61
    assert refused.json()["message_zh"] == "请求过于频繁，请稍后再试"
    assert refused.json()["code"] == "rate_limited"
