"""The enterprise's notifications (办事提醒, 通知公告): stored once each, then sent on its channels.

A notification's id is derived from what it is about, so a reminder emitted twice or a policy
re-delivered by Kafka lands once. `dispatch_pending` stays set until the channels were tried,
so a crash between storing and sending retries the sending, never the storing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import NAMESPACE_URL, uuid5

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from service_runtime.mongo import Document
from services.notifier.live import NoticeMark, notice_marks

_NAMESPACE = uuid5(NAMESPACE_URL, "https://enterprise-page.example/notifications")
DUPLICATE_KEY = 11000


def notification_id(registration_id: str, about: str) -> str:
    return uuid5(_NAMESPACE, f"{registration_id}:{about}").hex


@dataclass
class Notification:
    id: str
    registration_id: str
    kind: Literal["reminder", "policy", "progress"]
    about: str  # "annual_report:2026", "policy:<id>": what makes it unique
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    created_at: datetime
    due_date: str | None = None
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    delivered_via: str | None = None
    dispatch_pending: bool = True
    expire_at: datetime | None = None  # set when stored: the database deletes it then

    def document(self) -> Document:
        doc = {k: v for k, v in self.__dict__.items() if k != "id"}
        return {"_id": self.id, **doc}

    @classmethod
    def from_document(cls, doc: Document) -> Notification:
        return cls(id=doc["_id"], **{k: v for k, v in doc.items() if k != "_id"})


@dataclass(frozen=True)
class Dispatched:
    """What sending one notification did, channel by channel."""

    notification_id: str
    deliveries: list[dict[str, Any]]
    delivered_via: str


class NotificationStore:
    collection_name = "notifications"

    def __init__(
        self, database: AsyncDatabase[Document], retention: timedelta = timedelta(days=400)
    ) -> None:
        self.collection = database[self.collection_name]
        self.retention = retention

    async def create_indexes(self) -> None:
        await self.collection.create_index([("registration_id", 1), ("created_at", -1)])
        await self.collection.create_index("dispatch_pending")
        await self.collection.create_index("expire_at", expireAfterSeconds=0)

    async def add(self, notifications: Sequence[Notification]) -> set[str]:
        """Store the new ones; those already stored (same id) are left as they are: their ids."""
        if not notifications:
            return set()
        try:
            await self.collection.insert_many(
                [
                    {**n.document(), "expire_at": n.created_at + self.retention}
                    for n in notifications
                ],
                ordered=False,
            )
        except BulkWriteError as error:
            failures = error.details.get("writeErrors", [])
            if any(e["code"] != DUPLICATE_KEY for e in failures):
                raise
            return {notifications[e["index"]].id for e in failures}
        return set()

    async def existing_ids(self, ids: Sequence[str]) -> set[str]:
        cursor = self.collection.find({"_id": {"$in": list(ids)}}, {"_id": 1})
        return {doc["_id"] async for doc in cursor}

    async def pending(self, ids: Sequence[str]) -> list[Notification]:
        cursor = self.collection.find({"_id": {"$in": list(ids)}, "dispatch_pending": True})
        return [Notification.from_document(doc) async for doc in cursor]

    async def record_dispatches(self, dispatched: Sequence[Dispatched]) -> None:
        """One statement for a whole chunk of sent notifications, not one per notification."""
        if not dispatched:
            return
        await self.collection.bulk_write(
            [
                UpdateOne(
                    {"_id": d.notification_id},
                    {
                        "$set": {
                            "deliveries": d.deliveries,
                            "delivered_via": d.delivered_via,
                            "dispatch_pending": False,
                        }
                    },
                )
                for d in dispatched
            ],
            ordered=False,
        )

    async def marks(self, registration_ids: Sequence[str]) -> dict[str, NoticeMark]:
        """Which notices each registration has and how each was sent: what a page has seen."""
        cursor = self.collection.find(
            {"registration_id": {"$in": list(registration_ids)}},
            {"registration_id": 1, "delivered_via": 1},
        )
        return notice_marks([{**doc, "id": doc["_id"]} async for doc in cursor])

    async def for_registrations(
        self, registration_ids: Sequence[str], limit: int = 100
    ) -> list[Notification]:
        cursor = (
            self.collection.find({"registration_id": {"$in": list(registration_ids)}})
            .sort("created_at", -1)
            .limit(limit)
        )
        return [Notification.from_document(doc) async for doc in cursor]
