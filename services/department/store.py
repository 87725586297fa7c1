"""Mongo adapter: one case document per registration, its status events in its own outbox."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from contracts.events import DepartmentStatusChanged
from contracts.topics import DEPARTMENT_STATUS
from service_runtime.mongo import Document
from service_runtime.outbox import OutboxRelay, Stored, outbox_entry, outbox_fields_for_new_document

Decision = tuple[DepartmentStatusChanged, ...]


class CaseStore(Protocol):
    async def record_decisions(self, decisions: Sequence[Decision]) -> list[Stored]:
        """Store each new case with its events; a case already stored is left untouched."""

    async def publish(self, stored: Sequence[Stored]) -> None:
        """Publish the events just stored, then mark them sent."""


class MongoCaseStore:
    collection_name = "cases"

    def __init__(self, database: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        self._cases = database[self.collection_name]
        self._relay = relay

    async def record_decisions(self, decisions: Sequence[Decision]) -> list[Stored]:
        # $setOnInsert keyed by registration id: a replayed submission changes nothing.
        cases = {d[-1].registration_id: _case(d) for d in decisions}
        if not cases:
            return []
        ops = [
            UpdateOne({"_id": rid}, {"$setOnInsert": case}, upsert=True)
            for rid, case in cases.items()
        ]
        result = await self._cases.bulk_write(ops, ordered=False)
        inserted = [str(rid) for rid in (result.upserted_ids or {}).values()]
        return [Stored(rid, 1, cases[rid]["outbox"]) for rid in inserted]

    async def publish(self, stored: Sequence[Stored]) -> None:
        await self._relay.publish_stored(stored)


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
