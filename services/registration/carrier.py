"""The postal carrier, over HTTP: orders go out from the delivery store, tracking comes back.

`POST {CARRIER_URL}/orders` with the recipient and the items answers the carrier's name and a
tracking number. A failed call is retried with a growing wait, so an order is never lost while
the carrier is down; the carrier reports each later step to `POST /api/v1/deliveries/tracking`
(delivery.py). `make run` and the tests run a local stand-in (tools/carrier_standin.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import httpx
import structlog

from services.registration.deliveries import DeliveryStore, Order

log = structlog.get_logger("carrier")

# A new order here wakes the dispatcher at once; the sweep finds retries that fell due and
# orders another instance took. An idle stack then asks the database once every 10 s.
SWEEP_SECONDS = 10.0
FIRST_RETRY, LONGEST_RETRY = timedelta(seconds=5), timedelta(hours=1)


class CarrierError(Exception):
    pass


class CarrierClient:
    def __init__(self, url: str, token: str, timeout: float = 10.0) -> None:
        self._url = httpx.URL(url.rstrip("/") + "/orders")  # a bad URL fails at start-up
        self._token, self._timeout = token, timeout

    async def order(self, order: Order) -> tuple[str, str]:
        """(carrier, tracking number) for the order; CarrierError when it was not taken."""
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        payload = {
            "reference": order.registration_id,
            "recipient": order.recipient,
            "items": ["licence", "seals"],
        }
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.post(self._url, json=payload, headers=headers)
        except httpx.HTTPError as error:
            raise CarrierError(type(error).__name__) from error
        if not response.is_success:
            raise CarrierError(f"HTTP {response.status_code}")
        try:
            body = response.json()
            return str(body["carrier"]), str(body["tracking_number"])
        except (ValueError, KeyError, TypeError) as error:
            raise CarrierError("unreadable answer") from error


def retry_wait(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … at most an hour between attempts."""
    if attempts >= 10:  # noqa: PLR2004 - 5 s * 2**10 is past the hour already
        return LONGEST_RETRY
    wait: timedelta = FIRST_RETRY * (1 << attempts)
    return min(wait, LONGEST_RETRY)


async def dispatch_due(store: DeliveryStore, carrier: CarrierClient) -> int:
    """Send every due postal order to the carrier; how many it accepted."""
    accepted = 0
    for order in await store.due_orders(datetime.now(UTC)):
        try:
            name, tracking = await carrier.order(order)
        except CarrierError as error:
            wait = retry_wait(order.attempts)
            # The order's id only: the recipient is personal data and stays out of the logs.
            log.warning(
                "carrier_order_failed",
                registration_id=order.registration_id,
                error=str(error),
                retry_in_s=wait.total_seconds(),
            )
            await store.retry_later(order, wait, str(error))
            continue
        await store.accepted(order, name, tracking)
        accepted += 1
    return accepted


async def dispatch_forever(store: DeliveryStore, carrier: CarrierClient) -> None:
    while True:
        store.ordered.clear()
        try:
            await dispatch_due(store, carrier)
        except Exception:  # a database hiccup: the orders wait in the store for the next round
            log.warning("carrier_dispatch_failed", exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(store.ordered.wait(), SWEEP_SECONDS)
