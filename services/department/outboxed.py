"""A department's own collection beside its cases, each write with its events (outbox): the
permits asked of it, the enterprises' helpdesk questions to it."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from pymongo.asynchronous.database import AsyncDatabase

from service_runtime.host import Runtime
from service_runtime.mongo import Document
from service_runtime.outbox import OutboxRelay
from service_runtime.settings import DepartmentSettings


class OutboxedCollection:
    collection_name: ClassVar[str]
    # What its reads sort or filter by, besides the outbox's own pending flag.
    indexes: ClassVar[tuple[list[tuple[str, int]], ...]] = ()

    def __init__(
        self, database: AsyncDatabase[Document], department: str, relay: OutboxRelay
    ) -> None:
        self.department = department
        self.collection = database[self.collection_name]
        self._relay = relay

    async def create_indexes(self) -> None:
        await self.collection.create_index("outbox_pending")
        for keys in self.indexes:
            await self.collection.create_index(keys)


C = TypeVar("C", bound=OutboxedCollection)


async def open_outboxed(
    runtime: Runtime[DepartmentSettings],
    database: AsyncDatabase[Document],
    kind: type[C],
    department: str,
) -> C:
    """The collection, its relay and its indexes."""
    found = kind(database, department, runtime.outbox_relay(database, kind.collection_name))
    await found.create_indexes()
    return found
