"""Simplified deregistrations (简易注销): one document per enterprise, each step with its event.

The document holds the enterprise's commitment, the public notice's period, the objections
received (the only place an objector's name and contact are kept) and the state. A notice that
ends with no objection is approved by the clock job (`approve_due`), which also cancels the
business licence. The state only moves forward: noticed → objected, or noticed → approved.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from uuid import NAMESPACE_URL, uuid4, uuid5

import structlog
from pymongo.errors import DuplicateKeyError

from contracts.deregistration import NOTICE_DAYS, DeregistrationState, DeregistrationStatusChanged
from contracts.topics import DEREGISTRATION_STATUS
from service_runtime.mongo import Document
from service_runtime.outbox import (
    Stored,
    outbox_entry,
    outbox_fields_for_new_document,
    with_outbox_append,
)
from services.registration.after_licence import AfterLicenceStore
from services.registration.enterprises import Enterprise

log = structlog.get_logger("deregistration")
_STEP = uuid5(NAMESPACE_URL, "https://enterprise-page.example/deregistration")
Requested = Literal["noticed", "same", "conflict"]
Objected = Literal["objected", "recorded", "closed", "unknown"]
CHECK_EVERY_SECONDS = 60.0  # notices end on a day; a minute late is nothing
# What the public sees of a notice: the enterprise, never the people who object.
PUBLIC_FIELDS = {
    "notice_id": 1,
    "enterprise_name": 1,
    "unified_social_credit_code": 1,
    "state": 1,
    "notice_starts_at": 1,
    "notice_ends_at": 1,
    "decided_at": 1,
}


def _event(doc: Document, state: DeregistrationState, now: datetime) -> DeregistrationStatusChanged:
    return DeregistrationStatusChanged(
        # One event per deregistration and state: a retried write stores the same event id.
        event_id=uuid5(_STEP, f"{doc['_id']}:{state.value}"),
        source="registration",
        occurred_at=now,
        registration_id=doc["_id"],
        state=state,
        unified_social_credit_code=doc["unified_social_credit_code"],
        notice_ends_at=doc["notice_ends_at"] if state == DeregistrationState.NOTICED else None,
    )


class DeregistrationStore(AfterLicenceStore):
    collection_name = "deregistrations"

    async def create_indexes(self) -> None:
        await super().create_indexes()
        await self.collection.create_index("notice_id", unique=True)
        await self.collection.create_index([("state", 1), ("notice_ends_at", 1)])

    async def on_clock(self, now: datetime) -> object:
        return await self.approve_due(now)

    async def request(
        self, enterprise: Enterprise, commitment: dict[str, Any], now: datetime
    ) -> Requested:
        """Start the public notice once; the same commitment again is answered as it was."""
        doc: Document = {
            "_id": enterprise.registration_id,
            "notice_id": uuid4().hex,
            "enterprise_name": enterprise.name,
            "unified_social_credit_code": enterprise.unified_social_credit_code,
            "commitment": commitment,
            "state": DeregistrationState.NOTICED.value,
            "notice_starts_at": now,
            "notice_ends_at": now + timedelta(days=NOTICE_DAYS),
            "objections": [],
            "decided_at": None,
        }
        entry = outbox_entry(DEREGISTRATION_STATUS, _event(doc, DeregistrationState.NOTICED, now))
        try:
            await self.collection.insert_one({**doc, **outbox_fields_for_new_document([entry])})
        except DuplicateKeyError:
            found = await self.collection.find_one({"_id": doc["_id"]}, {"commitment": 1})
            return "same" if found and found["commitment"] == commitment else "conflict"
        await self._relay.publish_stored([Stored(doc["_id"], [entry])])
        return "noticed"

    async def of_registration(self, registration_id: str) -> Document | None:
        return await self.collection.find_one({"_id": registration_id}, PUBLIC_FIELDS)

    async def notice(self, notice_id: str) -> Document | None:
        return await self.collection.find_one({"notice_id": notice_id}, PUBLIC_FIELDS)

    async def notices(self, state: DeregistrationState, limit: int) -> list[Document]:
        """Public notices in one state, the soonest ending first (a bounded, indexed read)."""
        cursor = (
            self.collection.find({"state": state.value}, PUBLIC_FIELDS)
            .sort("notice_ends_at", 1)
            .limit(limit)
        )
        return await cursor.to_list(None)

    async def object(self, notice_id: str, objection: dict[str, Any], now: datetime) -> Objected:
        """Record an objection; the first one, within the period, ends the simplified procedure."""
        doc = await self.collection.find_one(
            {"notice_id": notice_id},
            {"state": 1, "notice_ends_at": 1, "unified_social_credit_code": 1},
        )
        if doc is None:
            return "unknown"
        record = {**objection, "objection_id": uuid4().hex, "received_at": now}
        if doc["state"] == DeregistrationState.OBJECTED.value:
            await self.collection.update_one({"_id": doc["_id"]}, {"$push": {"objections": record}})
            return "recorded"
        ends_at = doc["notice_ends_at"].replace(tzinfo=UTC)
        if doc["state"] != DeregistrationState.NOTICED.value or now >= ends_at:
            return "closed"
        entry = outbox_entry(
            DEREGISTRATION_STATUS, _event({**doc}, DeregistrationState.OBJECTED, now)
        )
        update = with_outbox_append(
            {
                "$set": {"state": DeregistrationState.OBJECTED.value, "decided_at": now},
                "$push": {"objections": record},
            },
            [entry],
        )
        moved = await self.collection.update_one(
            {"_id": doc["_id"], "state": DeregistrationState.NOTICED.value}, update
        )
        if not moved.modified_count:  # approved, or objected, meanwhile
            return await self.object(notice_id, objection, now)
        await self._relay.publish_stored([Stored(doc["_id"], [entry])])
        return "objected"

    async def approve_due(self, now: datetime, limit: int = 200) -> int:
        """Approve every notice that ended with no objection, then cancel its licence."""
        due = await self.collection.find(
            {"state": DeregistrationState.NOTICED.value, "notice_ends_at": {"$lte": now}},
            {"unified_social_credit_code": 1, "notice_ends_at": 1},
        ).to_list(limit)
        approved = 0
        for doc in due:
            entry = outbox_entry(
                DEREGISTRATION_STATUS, _event(doc, DeregistrationState.APPROVED, now)
            )
            update = with_outbox_append(
                {
                    "$set": {
                        "state": DeregistrationState.APPROVED.value,
                        "decided_at": now,
                        "licence_cancelled_at": None,
                    }
                },
                [entry],
            )
            moved = await self.collection.update_one(
                {"_id": doc["_id"], "state": DeregistrationState.NOTICED.value}, update
            )
            if moved.modified_count:  # else an objection arrived in the last moment
                await self._relay.publish_stored([Stored(doc["_id"], [entry])])
                approved += 1
                log.info("deregistration_approved", registration_id=doc["_id"])
        await self._cancel_licences(now, limit)
        return approved

    async def _cancel_licences(self, now: datetime, limit: int) -> None:
        """Cancel the licence of every approval not yet reflected on it (a crash in between
        is finished here on the next round)."""
        pending = await self.collection.find(
            {"state": DeregistrationState.APPROVED.value, "licence_cancelled_at": None},
            {"unified_social_credit_code": 1},
        ).to_list(limit)
        for doc in pending:
            await self._licences.update_one(
                {"_id": doc["unified_social_credit_code"], "cancelled_at": None},
                {"$set": {"cancelled_at": now}},
            )
            await self.collection.update_one(
                {"_id": doc["_id"]}, {"$set": {"licence_cancelled_at": now}}
            )
