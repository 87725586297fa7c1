"""Delivery of the paper results (免费邮寄): the licence's paper copy and the seals.

Once the business licence is issued the enterprise chooses to pick them up at the service hall
or to have them posted free of charge. Each step of the order is a `delivery.status.v1` fact,
keyed by the registration like every other fact about it. The recipient's address and mobile
number go to the postal carrier only: no event carries them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from contracts.events import Envelope

DeliveryMethod = Literal["pickup", "post"]


class DeliveryState(StrEnum):
    PICKUP_READY = "pickup_ready"  # waiting at the service hall's counter
    ORDERED = "ordered"  # the enterprise chose post; the carrier has not accepted yet
    ACCEPTED = "accepted"  # the carrier accepted the order: a tracking number
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    PICKED_UP = "picked_up"


# The order of the states: a state only moves forward (a late or repeated report changes nothing).
DELIVERY_STEP = {
    DeliveryState.ORDERED: 1,
    DeliveryState.PICKUP_READY: 1,
    DeliveryState.ACCEPTED: 2,
    DeliveryState.IN_TRANSIT: 3,
    DeliveryState.DELIVERED: 4,
    DeliveryState.PICKED_UP: 4,
}

DELIVERY_STATE_TEXT = {
    DeliveryState.PICKUP_READY: (
        "纸质执照和印章已备好，请到政务服务大厅领取",
        "ready to pick up at the service hall",
    ),
    DeliveryState.ORDERED: (
        "已选择免费邮寄，等待快递揽收",
        "free postal delivery chosen; waiting for the carrier",
    ),
    DeliveryState.ACCEPTED: ("快递已揽收", "accepted by the carrier"),
    DeliveryState.IN_TRANSIT: ("运输中", "in transit"),
    DeliveryState.DELIVERED: ("已签收", "delivered"),
    DeliveryState.PICKED_UP: ("已领取", "picked up"),
}


class DeliveryStatusChanged(Envelope):
    """The paper results' delivery moved to a new state."""

    event_type: Literal["delivery.status.v1"] = "delivery.status.v1"
    method: DeliveryMethod = Field(description="pick-up at the hall, or free postal delivery")
    state: DeliveryState
    items: tuple[Literal["licence", "seals"], ...] = Field(
        default=("licence", "seals"), description="what is delivered"
    )
    carrier: str | None = Field(default=None, description="the postal carrier, once accepted")
    tracking_number: str | None = Field(default=None, max_length=40)
