"""The licence and the departments' forms over real HTTP, after a real registration completes."""

import asyncio
import io
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from services.registration.licence import ElectronicLicence, verify
from tests.conftest import LiveStack, submit, wait_for_overall

pytestmark = pytest.mark.e2e


async def completed(
    client: httpx.AsyncClient, live_stack: LiveStack, sample_form: dict[str, Any]
) -> tuple[str, str, str]:
    rid, token = await submit(client, live_stack, sample_form)
    timeline = await wait_for_overall(client, live_stack, rid, token, {"completed"}, timeout=30)
    uscc = next(
        a["number"]
        for e in timeline["entries"]
        for a in e.get("artefacts", [])
        if a["kind"] == "unified_social_credit_code"
    )
    return rid, token, uscc


async def test_the_licence_is_public_signed_and_printable(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        _, _, uscc = await completed(client, live_stack, sample_form)
        url = f"{live_stack.registration_url}/api/v1/licences/{uscc}"
        body = None
        # The licence is issued from the market's approval by a background consumer, which
        # polls every 5 s when idle (KAFKA_BACKGROUND_IDLE_FETCH_MAX_WAIT_MS).
        for _ in range(75):  # 15 s
            response = await client.get(url)
            if response.status_code == 200:
                body = response.json()
                break
            assert response.status_code == 404
            await asyncio.sleep(0.2)
        assert body is not None
        licence = ElectronicLicence.model_validate(body["licence"])
        assert licence.name == sample_form["enterprise"]["name"]
        assert verify(licence, body["signature"], body["public_key"])
        assert sample_form["legal_representative"]["id_number"] not in response.text
        html = await client.get(url, params={"format": "html"})
        assert sample_form["enterprise"]["name"] in html.text
        assert "<svg" in html.text
        pdf = await client.get(url, params={"format": "pdf"})
        assert pdf.headers["content-type"] == "application/pdf"
        assert sample_form["enterprise"]["name"] in "".join(
            p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages
        )
        assert (
            await client.get(f"{live_stack.registration_url}/api/v1/licences/9144030071526726XH")
        ).status_code == 422
        assert (
            await client.get(f"{live_stack.registration_url}/api/v1/licences/9144030071526726XG")
        ).status_code == 404


async def test_each_department_form_is_served_as_pdf_with_the_chinese_name(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token, _ = await completed(client, live_stack, sample_form)
        auth = {"Authorization": f"Bearer {token}"}
        base = f"{live_stack.registration_url}/api/v1/registrations/{rid}/forms"
        for department in (
            "market",
            "tax",
            "police",
            "credit",
            "social_security",
            "commerce",
            "bank",
        ):
            pdf = await client.get(f"{base}/{department}", params={"format": "pdf"}, headers=auth)
            assert pdf.status_code == 200, (department, pdf.text[:200])
            assert sample_form["enterprise"]["name"] in "".join(
                p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages
            )
        police = (
            await client.get(f"{base}/police", params={"format": "json"}, headers=auth)
        ).json()["form"]
        assert "tax" not in police
        assert (await client.get(f"{base}/police")).status_code == 401
        assert (await client.get(f"{base}/nowhere", headers=auth)).status_code == 404
