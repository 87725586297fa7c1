"""A live stream over a cap is refused with 429 and Retry-After before it starts."""

import httpx

from service_runtime.access import issue_access_token
from service_runtime.settings import Settings
from services.notifier.app import create_app as create_notifier
from services.notifier.stream_limits import StreamSlots
from tests.support.no_timelines import NoTimelines
from tests.support.parts import hand_parts

RID = "cd" * 16


async def test_a_second_stream_for_the_same_registration_past_the_cap_gets_429() -> None:
    settings = Settings()
    slots = StreamSlots(total=10, per_address=10, per_client=1)
    app = create_notifier(settings)
    hand_parts(app, settings, stream_slots=slots, timelines=NoTimelines())
    token = issue_access_token(settings.access_token_secret.get_secret_value(), RID)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc.test") as client:
        with slots.held("127.0.0.1", f"registration:{RID}"):  # a stream already open
            answer = await client.get(
                f"/api/v1/registrations/{RID}/stream",
                headers={"Authorization": f"Bearer {token}"},
            )
    assert answer.status_code == 429
    assert answer.json()["code"] == "too_many_live_streams_for_client"
    assert int(answer.headers["retry-after"]) > 0
    assert slots.open == 0
