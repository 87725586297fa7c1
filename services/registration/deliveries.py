"""The paper results' delivery orders: one per registration, each change with its event.

Each order is one document holding the enterprise's choice, the recipient (for post: the only
place the address and mobile number are kept, for the carrier), the state and its outbox. A
state only moves forward, so a carrier's repeated or late report changes nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from uuid import NAMESPACE_URL, uuid5

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from contracts.delivery import DELIVERY_STEP, DeliveryMethod, DeliveryState, DeliveryStatusChanged
from contracts.topics import DELIVERY_STATUS
from service_runtime.mongo import Document
from service_runtime.outbox import (
    OutboxRelay,
    Stored,
    outbox_entry,
    outbox_fields_for_new_document,
    with_outbox_append,
)

_DELIVERY = uuid5(NAMESPACE_URL, "https://enterprise-page.example/delivery")
Chosen = Literal["chosen", "same", "conflict"]
Tracked = Literal["moved", "unchanged", "unknown"]


@dataclass(frozen=True)
class Order:
    registration_id: str
    method: DeliveryMethod
    recipient: dict[str, Any] | None
    attempts: int


def _event(
    rid: str, method: DeliveryMethod, state: DeliveryState, doc: Document | None = None
) -> DeliveryStatusChanged:
    doc = doc or {}
    return DeliveryStatusChanged(
        # One event per order and state: a retried write stores the same event id.
        event_id=uuid5(_DELIVERY, f"{rid}:{state.value}"),
        source="registration",
        occurred_at=datetime.now(UTC),
        registration_id=rid,
        method=method,
        state=state,
        carrier=doc.get("carrier"),
        tracking_number=doc.get("tracking_number"),
    )


class DeliveryStore:
    collection_name = "deliveries"

    def __init__(self, database: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        self.collection = database[self.collection_name]
        self._relay = relay
        # Set when this instance takes a postal order: its dispatcher sends it at once instead
        # of at its next sweep (carrier.py).
        self.ordered = asyncio.Event()

    async def create_indexes(self) -> None:
        await self.collection.create_index("outbox_pending")
        await self.collection.create_index("tracking_number", sparse=True)
        await self.collection.create_index([("state", 1), ("next_attempt_at", 1)])

    async def choose(
        self, rid: str, method: DeliveryMethod, recipient: dict[str, Any] | None
    ) -> Chosen:
        """Record the enterprise's choice once; the same choice again is accepted as it was."""
        fingerprint = hashlib.sha256(
            json.dumps([method, recipient], sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
        state = DeliveryState.ORDERED if method == "post" else DeliveryState.PICKUP_READY
        entry = outbox_entry(DELIVERY_STATUS, _event(rid, method, state))
        doc: Document = {
            "_id": rid,
            "method": method,
            "recipient": recipient,
            "fingerprint": fingerprint,
            "state": state.value,
            "attempts": 0,
            "next_attempt_at": datetime.now(UTC),
            "chosen_at": datetime.now(UTC),
            **outbox_fields_for_new_document([entry]),
        }
        try:
            await self.collection.insert_one(doc)
        except DuplicateKeyError:
            found = await self.collection.find_one({"_id": rid}, {"fingerprint": 1})
            return "same" if found and found["fingerprint"] == fingerprint else "conflict"
        await self._relay.publish_stored([Stored(rid, [entry])])
        if method == "post":
            self.ordered.set()
        return "chosen"

    async def find(self, rid: str) -> Document | None:
        return await self.collection.find_one(
            {"_id": rid}, {"method": 1, "state": 1, "carrier": 1, "tracking_number": 1}
        )

    async def due_orders(self, now: datetime, limit: int = 50) -> list[Order]:
        """Postal orders the carrier has not accepted yet, whose next attempt is due."""
        found = self.collection.find(
            {"state": DeliveryState.ORDERED.value, "next_attempt_at": {"$lte": now}},
            {"method": 1, "recipient": 1, "attempts": 1},
        ).limit(limit)
        return [
            Order(doc["_id"], doc["method"], doc.get("recipient"), doc.get("attempts", 0))
            async for doc in found
        ]

    async def retry_later(self, order: Order, wait: timedelta, error: str) -> None:
        await self.collection.update_one(
            {"_id": order.registration_id, "state": DeliveryState.ORDERED.value},
            {
                "$set": {
                    "attempts": order.attempts + 1,
                    "next_attempt_at": datetime.now(UTC) + wait,
                    "last_error": error[:300],
                }
            },
        )

    async def accepted(self, order: Order, carrier: str, tracking_number: str) -> None:
        fields = {"carrier": carrier, "tracking_number": tracking_number}
        await self._move({"_id": order.registration_id}, DeliveryState.ACCEPTED, fields)

    async def tracked(self, tracking_number: str, state: DeliveryState) -> Tracked:
        return await self._move({"tracking_number": tracking_number}, state, {})

    async def _move(self, query: Document, state: DeliveryState, fields: Document) -> Tracked:
        doc = await self.collection.find_one(
            query, {"method": 1, "state": 1, "carrier": 1, "tracking_number": 1}
        )
        if doc is None:
            return "unknown"
        if DELIVERY_STEP[DeliveryState(doc["state"])] >= DELIVERY_STEP[state]:
            return "unchanged"  # a repeated or late report
        entry = outbox_entry(
            DELIVERY_STATUS, _event(doc["_id"], doc["method"], state, {**doc, **fields})
        )
        update = with_outbox_append({"$set": {**fields, "state": state.value}}, [entry])
        moved = await self.collection.update_one({"_id": doc["_id"], "state": doc["state"]}, update)
        if not moved.modified_count:
            return "unchanged"  # another report moved it meanwhile
        await self._relay.publish_stored([Stored(doc["_id"], [entry])])
        return "moved"
