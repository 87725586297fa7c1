"""What the services after the licence share: a store beside the licences, and its clock."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import ClassVar, TypeVar

import structlog
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from service_runtime.host import Runtime
from service_runtime.mongo import Document
from service_runtime.outbox import OutboxRelay
from service_runtime.settings import RegistrationSettings

log = structlog.get_logger("after_licence")


class AfterLicenceStore:
    """A collection of its own with its outbox, and the licences it reads and marks."""

    collection_name: ClassVar[str]

    def __init__(
        self,
        database: AsyncDatabase[Document],
        relay: OutboxRelay,
        licences: AsyncCollection[Document],
    ) -> None:
        self.collection = database[self.collection_name]
        self._relay = relay
        self._licences = licences

    async def create_indexes(self) -> None:
        await self.collection.create_index("outbox_pending")

    async def on_clock(self, now: datetime) -> object:
        """What the store's clock does each round (approve notices, list missed reports)."""
        raise NotImplementedError


S = TypeVar("S", bound=AfterLicenceStore)


async def every_round_forever(job: Callable[[datetime], Awaitable[object]], every: float) -> None:
    while True:
        try:
            await job(datetime.now(UTC))
        except Exception as error:  # noqa: BLE001 - keep checking; the next round retries
            log.warning(
                "clock_round_failed", job=getattr(job, "__qualname__", ""), error=repr(error)
            )
        await asyncio.sleep(every)


async def open_after_licence(
    runtime: Runtime[RegistrationSettings],
    licences: AsyncCollection[Document],
    kind: type[S],
    every: float,
) -> S:
    """The store, its indexes, and its clock every `every` seconds."""
    database = runtime.database("registration")
    store = kind(database, runtime.outbox_relay(database, kind.collection_name), licences)
    await store.create_indexes()
    runtime.background.append(lambda: every_round_forever(store.on_clock, every))
    return store
