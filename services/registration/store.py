"""Mongo adapter: a registration and its outgoing event are stored in one document write."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol
from uuid import uuid4

from pymongo import ReturnDocument, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from contracts.events import (
    RegistrationAccessRevoked,
    RegistrationCorrected,
    RegistrationSubmitted,
    RegistrationWithdrawn,
)
from contracts.form import RegistrationForm
from contracts.projections import views_of_corrected, views_of_submitted
from contracts.topics import REGISTRATION_ACCESS_REVOKED, REGISTRATION_WITHDRAWN
from service_runtime.mongo import Document
from service_runtime.outbox import (
    OutboxRelay,
    Stored,
    outbox_entry,
    outbox_fields_for_new_document,
    with_outbox_append,
)
from services.registration.names import name_key


class NameTakenError(Exception):
    """The name is registered or pending in the same area."""


class RegistrationStore(Protocol):
    async def add(
        self, event: RegistrationSubmitted, idempotency_key: str, form_sha256: str
    ) -> str | None:
        """Store a new registration; return None, or the id stored earlier under this key."""

    async def form_hash_for(self, registration_id: str) -> str | None: ...


class MongoRegistrationStore:
    collection_name = "registrations"

    def __init__(self, database: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        self._registrations = database[self.collection_name]
        self._relay = relay

    @property
    def collection(self) -> AsyncCollection[Document]:
        """For a store that keeps a part of the registration's document (changes.py)."""
        return self._registrations

    @property
    def relay(self) -> OutboxRelay:
        return self._relay

    async def create_indexes(self) -> None:
        await self._registrations.create_index("idempotency_key", unique=True)
        # One active registration per name and area; withdrawn ones release the name.
        await self._registrations.create_index("name_key", unique=True)
        await self._registrations.create_index("outbox_pending")
        # Open registrations by age: the ones past the name reservation period lapse.
        await self._registrations.create_index([("status", 1), ("submitted_at", 1)])

    async def add(
        self, event: RegistrationSubmitted, idempotency_key: str, form_sha256: str
    ) -> str | None:
        # One event per recipient, each with only the fields that recipient needs.
        entries = [outbox_entry(topic, view) for topic, view in views_of_submitted(event)]
        document: Document = {
            "_id": event.registration_id,
            "idempotency_key": idempotency_key,
            "name_key": name_key(event.form.enterprise.area, event.form.enterprise.name),
            "form_sha256": form_sha256,
            "form": event.form.model_dump(mode="json"),
            "status": "submitted",
            "submitted_at": event.occurred_at,
            **outbox_fields_for_new_document(entries),
        }
        try:
            await self._registrations.insert_one(document)
        except DuplicateKeyError as error:
            earlier = await self._registrations.find_one(
                {"idempotency_key": idempotency_key}, {"_id": 1}
            )
            if earlier is not None:
                return str(earlier["_id"])
            if "name_key" in (error.details or {}).get("keyPattern", {}):
                raise NameTakenError(event.form.enterprise.name) from None
            raise
        # Stored: publish soon, batched with other requests; the sweeper covers a crash here.
        self._relay.enqueue(Stored(event.registration_id, entries))
        return None

    async def form_hash_for(self, registration_id: str) -> str | None:
        doc = await self._registrations.find_one({"_id": registration_id}, {"form_sha256": 1})
        return None if doc is None else str(doc["form_sha256"])

    async def withdraw(self, event: RegistrationWithdrawn) -> str:
        """Withdraw an open registration in one document update; the status it ends in."""
        entry = outbox_entry(REGISTRATION_WITHDRAWN, event)
        released = {
            "status": "withdrawn",
            "withdrawn_at": event.occurred_at,
            "name_key": f"released:{event.registration_id}",  # the name is free again
        }
        update = with_outbox_append({"$set": released}, [entry])
        doc = await self._registrations.find_one_and_update(
            {"_id": event.registration_id, "status": "submitted"},
            update,
            projection={"_id": 1},
            return_document=ReturnDocument.AFTER,
        )
        if doc is not None:
            self._relay.enqueue(Stored(event.registration_id, [entry]))
            return "withdrawn_now"
        current = await self._registrations.find_one({"_id": event.registration_id}, {"status": 1})
        return "not_found" if current is None else str(current["status"])

    async def status_of(self, registration_id: str) -> str | None:
        """submitted, completed, rejected or withdrawn; None for an unknown registration."""
        found = await self._registrations.find_one({"_id": registration_id}, {"status": 1})
        return None if found is None else str(found["status"])

    async def token_version(self, registration_id: str) -> int | None:
        """The lowest access-token version still granted; None for an unknown registration."""
        doc = await self._registrations.find_one({"_id": registration_id}, {"token_version": 1})
        return None if doc is None else int(doc.get("token_version", 0))

    async def renew_access(self, registration_id: str, current: int) -> int | None:
        """Raise the token version past `current`, in one update with its event; None if another
        renewal came first.
        """
        event_id, new = uuid4(), current + 1
        event = RegistrationAccessRevoked(
            event_id=event_id,
            source="registration",
            occurred_at=datetime.now(UTC),
            registration_id=registration_id,
            token_version=new,
        )
        entry = outbox_entry(REGISTRATION_ACCESS_REVOKED, event)
        doc = await self._registrations.find_one_and_update(
            {
                "_id": registration_id,
                "token_version": current or {"$in": [None, 0]},
            },
            with_outbox_append({"$set": {"token_version": new}}, [entry]),
            projection={"_id": 1},
        )
        if doc is None:
            return None
        self._relay.enqueue(Stored(registration_id, [entry]))
        return new

    async def open_since_before(self, cutoff: datetime, limit: int = 500) -> list[str]:
        """Registrations still in progress that were submitted before `cutoff`."""
        cursor = self._registrations.find(
            {"status": "submitted", "submitted_at": {"$lt": cutoff}}, {"_id": 1}
        ).limit(limit)
        return [doc["_id"] async for doc in cursor]

    async def name_is_held(self, key: str) -> bool:
        """Whether a registration, completed or still open, holds this name in its area."""
        return await self._registrations.find_one({"name_key": key}, {"_id": 1}) is not None

    async def release_rejected(self, registration_ids: Sequence[str]) -> None:
        """A refused registration gives its name back, as a withdrawn one does."""
        await self._registrations.bulk_write(
            [
                UpdateOne(
                    {"_id": rid, "status": "submitted"},
                    {"$set": {"status": "rejected", "name_key": f"released:{rid}"}},
                )
                for rid in registration_ids
            ],
            ordered=False,
        )

    async def record_correction_request(
        self, registration_id: str, department: str, paths: Sequence[str]
    ) -> None:
        await self._registrations.update_one(
            {"_id": registration_id, "status": "submitted"},
            {"$set": {f"correction_requests.{department}": list(paths)}},
        )

    async def correction_state(self, registration_id: str) -> Document | None:
        return await self._registrations.find_one(
            {"_id": registration_id},
            {"status": 1, "form": 1, "correction_requests": 1, "correction_round": 1},
        )

    async def apply_correction(
        self, event: RegistrationCorrected, expected_round: int, form_sha256: str
    ) -> bool:
        """Store the corrected form and its event in one update; False if the state moved on."""
        entries = [outbox_entry(topic, view) for topic, view in views_of_corrected(event)]
        fields = {
            "form": event.form.model_dump(mode="json"),
            "form_sha256": form_sha256,
            "name_key": name_key(event.form.enterprise.area, event.form.enterprise.name),
            "correction_requests": {},
            "correction_round": event.round,
        }
        try:
            doc = await self._registrations.find_one_and_update(
                {
                    "_id": event.registration_id,
                    "status": "submitted",
                    "correction_round": {"$in": [None, expected_round]},
                },
                with_outbox_append({"$set": fields}, entries),
                projection={"_id": 1},
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            raise NameTakenError(event.form.enterprise.name) from None
        if doc is None:
            return False
        self._relay.enqueue(Stored(event.registration_id, entries))
        return True

    async def mark_completed(self, registration_ids: Sequence[str]) -> None:
        await self._registrations.update_many(
            {"_id": {"$in": list(registration_ids)}, "status": "submitted"},
            {"$set": {"status": "completed"}},
        )

    async def forms(self, registration_ids: Sequence[str]) -> dict[str, RegistrationForm]:
        cursor = self._registrations.find({"_id": {"$in": list(registration_ids)}}, {"form": 1})
        return {doc["_id"]: RegistrationForm.model_validate(doc["form"]) async for doc in cursor}
