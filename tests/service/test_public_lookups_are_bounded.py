"""Public lookups cost bounded work: few suggestions, one rendering per licence, a rate limit."""

from typing import Any

import httpx
import pytest

from contracts.form import RegistrationForm
from service_runtime.ratelimit import RateLimit
from service_runtime.settings import Settings
from services.registration import licence_http as licences
from services.registration.app import create_app as create_registration
from services.registration.documents import Document
from services.registration.scope import SUGGESTED_ITEMS, scope_errors
from tests.support.licences import licence
from tests.support.parts import hand_parts


def test_only_the_first_unknown_scope_items_get_suggestions(sample_form: dict[str, Any]) -> None:
    sample_form["enterprise"]["business_scope"] = [f"未知经营项目{i}" for i in range(50)]
    errors = scope_errors(RegistrationForm.model_validate(sample_form))
    assert len(errors) == 50  # every unknown item is still named
    assert [bool(e["suggestions"]) for e in errors[:SUGGESTED_ITEMS]] == [True] * SUGGESTED_ITEMS
    assert not any(e["suggestions"] for e in errors[SUGGESTED_ITEMS:])


async def test_a_licence_pdf_is_rendered_once_per_signature(
    sample_form: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    renders: list[Document] = []

    def counting_render(document: Document) -> bytes:
        renders.append(document)
        return b"%PDF-1.4 rendered"

    monkeypatch.setattr(licences, "render_pdf", counting_render)
    issued, url = licence(sample_form), "https://registration.example/api/v1/licences/x"
    first = await licences.licence_pdf("signature-1", issued, url, licences.LicenceStatus())
    again = await licences.licence_pdf("signature-1", issued, url, licences.LicenceStatus())
    other = await licences.licence_pdf("signature-2", issued, url, licences.LicenceStatus())
    assert first == again == other == b"%PDF-1.4 rendered"
    assert len(renders) == 2  # once per signature


class NoNames:
    async def name_is_held(self, key: str) -> bool:
        return False


async def test_the_name_check_is_rate_limited_per_address() -> None:
    settings = Settings()
    app = create_registration(settings)
    hand_parts(
        app,
        settings,
        public_limit=RateLimit(2, name="public lookups"),
        registrations=NoNames(),
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc.test") as client:
        params = {"name": "广州南沙星河科技有限公司", "area": "nansha"}
        answers = [await client.get("/api/v1/names/check", params=params) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json()["code"] == "rate_limited"
    assert int(answers[2].headers["retry-after"]) > 0
