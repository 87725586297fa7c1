"""The page's sign-in answers 429 with Retry-After once one address tries too often."""

import httpx
from fastapi import FastAPI

from service_runtime.problems import install_problem_handlers
from service_runtime.settings import Settings
from services.notifier.page import router
from services.notifier.parts import PageLimits
from tests.support.no_timelines import NoTimelines
from tests.support.parts import hand_parts


async def test_sign_in_attempts_over_the_limit_are_refused_with_429() -> None:
    settings = Settings(PAGE_RATE_LIMIT_PER_MINUTE=2)
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    hand_parts(
        app, settings, timelines=NoTimelines(), page_limits=PageLimits.from_settings(settings)
    )
    attempt = {"registration_id": "a" * 32, "access_token": "wrong-token-000"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://page.test") as client:
        answers = [await client.post("/page/api/session", json=attempt) for _ in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 429]
    refused = answers[-1]
    assert 59 <= int(refused.headers["retry-after"]) <= 61
    assert refused.json()["message_zh"] == "请求过于频繁，请稍后再试"
    assert refused.json()["code"] == "rate_limited"
