"""Mongo adapter: one case document per registration, its status events in its own outbox."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from contracts.events import DepartmentStatusChanged
from contracts.topics import DEPARTMENT_STATUS
from service_runtime.mongo import Document
from service_runtime.outbox import OutboxRelay, outbox_entry, outbox_fields_for_new_document

Decision = tuple[DepartmentStatusChanged, ...]


class CaseStore(Protocol):
    async def record_decisions(self, decisions: Sequence[Decision]) -> None:
        """Store each case with its events; a case already stored is left untouched."""

    async def publish_pending(self, registration_ids: Sequence[str]) -> None:
        """Publish the stored, not yet sent events of these cases."""


class MongoCaseStore:
    collection_name = "cases"

    def __init__(self, database: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        self._cases = database[self.collection_name]
        self._relay = relay

    async def record_decisions(self, decisions: Sequence[Decision]) -> None:
        # $setOnInsert keyed by registration id: a replayed submission changes nothing.
        ops = [UpdateOne({"_id": d[-1].registration_id}, {"$setOnInsert": _case(d)}, upsert=True) for d in decisions]
        if ops:
            await self._cases.bulk_write(ops, ordered=False)

    async def publish_pending(self, registration_ids: Sequence[str]) -> None:
        await self._relay.relay(registration_ids)


def _case(decision: Decision) -> Document:
    final = decision[-1]
    return {
        "department": final.department,
        "round": final.round,
        "status": final.status.value,
        "decided_by": final.decided_by,
        "decided_at": final.occurred_at,
        "reasons": [r.model_dump() for r in final.reasons],
        "artefacts": [a.model_dump() for a in final.artefacts],
        **outbox_fields_for_new_document([outbox_entry(DEPARTMENT_STATUS, e) for e in decision]),
    }
