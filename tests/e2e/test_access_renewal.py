"""Renewing an access token revokes the older one everywhere: the API, the live page, a session."""

import asyncio
from typing import Any

import httpx
import pytest

from tests.conftest import LiveStack, submit, wait_for_overall

pytestmark = pytest.mark.e2e


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_renewed_token_revokes_the_old_one_in_every_service(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    registration, notifier = live_stack.registration_url, live_stack.notifier_url
    async with (
        httpx.AsyncClient(timeout=10) as api,
        httpx.AsyncClient(timeout=10) as browser,
    ):
        rid, old = await submit(api, live_stack, sample_form)
        await wait_for_overall(api, live_stack, rid, old, {"completed"}, timeout=90)
        signed = await browser.post(
            f"{notifier}/page/api/session", json={"registration_id": rid, "access_token": old}
        )
        assert signed.status_code == 204
        assert (await browser.get(f"{notifier}/page/api/me")).status_code == 200

        renewal = f"{registration}/api/v1/registrations/{rid}/access-token"
        assert (await api.post(renewal)).status_code == 401  # a token is needed to renew one
        renewed = await api.post(renewal, headers=bearer(old))
        assert renewed.status_code == 201, renewed.text
        new = renewed.json()["access_token"]
        assert new != old
        assert renewed.json()["token_version"] == 1

        # The registration service stops honouring the old token at once.
        form = f"{registration}/api/v1/registrations/{rid}/forms/tax?format=json"
        refused = await api.get(form, headers=bearer(old))
        assert refused.status_code == 401
        assert refused.json()["code"] == "access_token_revoked"
        assert (await api.get(form, headers=bearer(new))).status_code == 200
        again = await api.post(renewal, headers=bearer(old))
        assert again.status_code == 401  # a revoked token cannot renew either

        # The notifier learns it from registration.access-revoked.v1, moments later.
        timeline = f"{notifier}/api/v1/registrations/{rid}/timeline"
        for _ in range(300):
            if (await api.get(timeline, headers=bearer(old))).status_code == 401:
                break
            await asyncio.sleep(0.1)
        assert (await api.get(timeline, headers=bearer(old))).json()["code"] == (
            "access_token_revoked"
        )
        current = await api.get(timeline, headers=bearer(new))
        assert current.status_code == 200
        assert any(e["status"] == "access_renewed" for e in current.json()["entries"])

        # The browser that signed in with the old token is signed out of this registration.
        assert (await browser.get(f"{notifier}/page/api/me")).status_code == 401
        old_sign_in = await browser.post(
            f"{notifier}/page/api/session", json={"registration_id": rid, "access_token": old}
        )
        assert old_sign_in.status_code == 401
        new_sign_in = await browser.post(
            f"{notifier}/page/api/session", json={"registration_id": rid, "access_token": new}
        )
        assert new_sign_in.status_code == 204
        assert (await browser.get(f"{notifier}/page/api/me")).status_code == 200
