"""The registration service publishes the licence public key at a well-known URL of its own."""

import base64
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from contracts.events import Artefact
from contracts.form import RegistrationForm
from service_runtime.hardening import signing_key_from
from service_runtime.problems import install_problem_handlers
from service_runtime.settings import Settings
from services.registration.licence import build_licence, sign, verify
from services.registration.licence_http import router
from tests.support.parts import hand_parts

SEED = base64.b64encode(bytes(range(32))).decode()
ARTEFACTS = (
    Artefact(kind="unified_social_credit_code", number="914401157368625357", label_zh="代码"),
    Artefact(kind="business_licence_number", number="440115431406093", label_zh="执照编号"),
)


async def fetch_public_key() -> httpx.Response:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    hand_parts(app, Settings(LICENCE_SIGNING_KEY=SEED))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registration.test") as c:
        return await c.get("/.well-known/licence-signing-key")


async def test_the_published_key_verifies_licences_signed_with_the_configured_seed(
    sample_form: dict[str, Any],
) -> None:
    answer = await fetch_public_key()
    assert answer.status_code == 200
    published = answer.json()
    assert published["algorithm"] == "Ed25519"
    assert len(base64.b64decode(published["public_key"])) == 32
    assert "max-age" in answer.headers["cache-control"]
    licence = build_licence(
        RegistrationForm.model_validate(sample_form), ARTEFACTS, datetime(2026, 11, 23, tzinfo=UTC)
    )
    assert verify(licence, sign(licence, signing_key_from(SEED)), published["public_key"])
    forged = sign(licence, signing_key_from("someone else's key"))
    assert not verify(licence, forged, published["public_key"])
