"""Free delivery of the paper results (免费邮寄) on the real stack: the enterprise's choice, the
carrier stand-in's order and scans, each step on the timeline, and the errors."""

import asyncio
import copy
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from service_runtime.outbox import Stored
from services.registration.carrier import CarrierClient, dispatch_due
from services.registration.deliveries import DeliveryStore
from tests.conftest import LiveStack, submit, wait_for_overall
from tests.e2e.test_officers import police_case_in_review

pytestmark = pytest.mark.e2e

RECIPIENT: dict[str, Any] = {
    "name": "陈收件",
    "mobile": "13900001234",
    "address": {
        "province": "广东省",
        "city": "广州市",
        "district": "南沙区",
        "street": "进港大道8号收件楼",
        "postcode": "511458",
    },
}
WEBHOOK = "local-development-only-carrier"  # the stack's default CARRIER_WEBHOOK_TOKEN


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def choose(
    client: httpx.AsyncClient, url: str, token: str, choice: dict[str, Any]
) -> httpx.Response:
    """The registration service learns of the completion from the bus a moment after the
    notifier: a 409 `registration_not_completed` is retried, for 15 s at most."""
    for _ in range(30):
        answer = await client.post(url, json=choice, headers=bearer(token))
        if answer.status_code != 409 or answer.json()["code"] != "registration_not_completed":
            return answer
        await asyncio.sleep(0.5)
    return answer


async def timeline_until(
    client: httpx.AsyncClient,
    stack: LiveStack,
    rid: str,
    token: str,
    done: Callable[[dict[str, Any]], bool],
) -> dict[str, Any]:
    """The timeline once `done` holds for it; up to 60 s (background groups fold these)."""
    url = f"{stack.notifier_url}/api/v1/registrations/{rid}/timeline"
    body: dict[str, Any] = {}
    for _ in range(120):
        body = (await client.get(url, headers=bearer(token))).json()
        if done(body):
            return body
        await asyncio.sleep(0.5)
    pytest.fail(f"timeline not as expected: {body}")


async def delivered_timeline(
    client: httpx.AsyncClient, stack: LiveStack, rid: str, token: str
) -> dict[str, Any]:
    # Two scans 3 s apart, each folded by a background group.
    return await timeline_until(
        client, stack, rid, token, lambda t: (t.get("delivery") or {}).get("state") == "delivered"
    )


async def test_a_posted_licence_is_ordered_tracked_and_delivered_on_the_timeline(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    registration = live_stack.registration_url
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await submit(client, live_stack, sample_form)
        await wait_for_overall(client, live_stack, rid, token, {"completed"})
        url = f"{registration}/api/v1/registrations/{rid}/delivery"
        choice = {"method": "post", "recipient": RECIPIENT}

        assert (await client.post(url, json=choice)).status_code == 401
        others = await client.post(
            f"{registration}/api/v1/registrations/{'e' * 32}/delivery",
            json=choice,
            headers=bearer(token),
        )
        assert others.status_code == 403  # this registration's token opens only its own
        missing = await client.post(url, json={"method": "post"}, headers=bearer(token))
        assert missing.status_code == 422
        assert missing.json()["message_zh"]
        bad_mobile = {"method": "post", "recipient": {**RECIPIENT, "mobile": "12345"}}
        assert (await client.post(url, json=bad_mobile, headers=bearer(token))).status_code == 422

        chosen = await choose(client, url, token, choice)
        assert chosen.status_code == 202, chosen.text
        assert chosen.json()["state"] == "ordered"
        again = await client.post(url, json=choice, headers=bearer(token))
        assert again.status_code == 200  # the same choice, answered as it was
        other = await client.post(url, json={"method": "pickup"}, headers=bearer(token))
        assert other.status_code == 409
        assert other.json()["code"] == "delivery_already_chosen"

        timeline = await delivered_timeline(client, live_stack, rid, token)
        steps = [e["status"] for e in timeline["entries"] if e["department"] == "delivery"]
        assert steps == ["ordered", "accepted", "in_transit", "delivered"]
        tracking = timeline["delivery"]["tracking_number"]
        assert tracking.startswith("LP")
        # The address and mobile number went to the carrier only: never onto the bus.
        text = json.dumps(timeline, ensure_ascii=False)
        assert RECIPIENT["mobile"] not in text
        assert RECIPIENT["address"]["street"] not in text

        tracking_url = f"{registration}/api/v1/deliveries/tracking"
        late = {"tracking_number": tracking, "state": "in_transit"}
        assert (await client.post(tracking_url, json=late)).status_code == 401
        assert (
            await client.post(tracking_url, json=late, headers=bearer("x" * 40))
        ).status_code == 401
        repeated = await client.post(tracking_url, json=late, headers=bearer(WEBHOOK))
        assert repeated.status_code == 200
        assert repeated.json()["result"] == "unchanged"  # a late scan moves nothing back
        unknown = {"tracking_number": "LP000", "state": "delivered"}
        assert (
            await client.post(tracking_url, json=unknown, headers=bearer(WEBHOOK))
        ).status_code == 404


async def test_pick_up_is_offered_only_once_the_licence_exists(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await police_case_in_review(client, live_stack, copy.deepcopy(sample_form))
        url = f"{live_stack.registration_url}/api/v1/registrations/{rid}/delivery"
        early = await client.post(url, json={"method": "pickup"}, headers=bearer(token))
        assert early.status_code == 409
        assert early.json()["code"] == "registration_not_completed"

        rid, token = await submit(client, live_stack, sample_form)
        await wait_for_overall(client, live_stack, rid, token, {"completed"})
        url = f"{live_stack.registration_url}/api/v1/registrations/{rid}/delivery"
        with_address = {"method": "pickup", "recipient": RECIPIENT}
        assert (await client.post(url, json=with_address, headers=bearer(token))).status_code == 422
        chosen = await choose(client, url, token, {"method": "pickup"})
        assert chosen.status_code == 202
        assert chosen.json()["state"] == "pickup_ready"


class NoBus:
    """The relay's place: this test looks at the orders, the e2e test above at the events."""

    async def publish_stored(self, stored: list[Stored]) -> int:
        return len(stored)


async def test_an_order_waits_while_the_carrier_is_down_and_goes_out_when_it_is_back(
    live_stack: LiveStack,
) -> None:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(live_stack.mongodb_uri)
    try:
        database = mongo[f"{live_stack.database_prefix}carrier_outage"]
        store = DeliveryStore(database, NoBus())  # type: ignore[arg-type]
        await store.create_indexes()
        assert await store.choose("f" * 32, "post", RECIPIENT) == "chosen"
        down = CarrierClient("http://127.0.0.1:9", token="")  # nothing listens on port 9
        assert await dispatch_due(store, down) == 0
        waiting = await database["deliveries"].find_one({"_id": "f" * 32})
        assert waiting is not None
        assert (waiting["state"], waiting["attempts"]) == ("ordered", 1)
        assert waiting["next_attempt_at"] > waiting["chosen_at"]
        await database["deliveries"].update_one(
            {"_id": "f" * 32}, {"$set": {"next_attempt_at": waiting["chosen_at"]}}
        )  # the retry's wait has passed
        up = CarrierClient(live_stack.stack.carrier_url, token="")
        assert await dispatch_due(store, up) == 1
        sent = await database["deliveries"].find_one({"_id": "f" * 32})
        assert sent is not None
        assert sent["state"] == "accepted"
        assert sent["tracking_number"].startswith("LP")
    finally:
        await mongo.drop_database(f"{live_stack.database_prefix}carrier_outage")
        await mongo.close()
