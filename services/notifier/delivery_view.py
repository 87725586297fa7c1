"""The paper results' delivery on the timeline: an entry per step, and the latest state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.delivery import DELIVERY_STATE_TEXT, DELIVERY_STEP, DeliveryStatusChanged


def delivery_entry(event: DeliveryStatusChanged) -> dict[str, Any]:
    zh, en = DELIVERY_STATE_TEXT[event.state]
    tracking = f"（{event.carrier} {event.tracking_number}）" if event.tracking_number else ""
    tracking_en = f" ({event.carrier} {event.tracking_number})" if event.tracking_number else ""
    return {
        "department": "delivery",
        "status": event.state.value,
        "sequence": DELIVERY_STEP[event.state],
        "message_zh": f"纸质执照和印章：{zh}{tracking}",
        "message_en": f"paper licence and seals: {en}{tracking_en}",
    }


def latest_delivery(
    current: dict[str, Any] | None, event: DeliveryStatusChanged, at: datetime
) -> dict[str, Any]:
    """The furthest step reported: a late report of an earlier step does not move it back."""
    if current is not None and current["step"] >= DELIVERY_STEP[event.state]:
        return current
    return {
        "method": event.method,
        "state": event.state.value,
        "step": DELIVERY_STEP[event.state],
        "carrier": event.carrier,
        "tracking_number": event.tracking_number,
        "at": at,
    }


def delivery_view(delivery: dict[str, Any] | None) -> dict[str, Any] | None:
    if delivery is None:
        return None
    at = delivery.get("at")
    return {**delivery, "at": at.isoformat() if isinstance(at, datetime) else at}
