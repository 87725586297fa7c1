"""Dead letters from every contract topic, kept for the dashboard and for a re-drive.

A re-drive puts a letter's payload back on its topic (ops.py); if it fails again it comes back
as a new letter with its attempt count raised.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from contracts.dead_letter import DeadLetter
from contracts.topology import TOPOLOGY
from service_runtime.delivery import Decoded
from service_runtime.host import Runtime
from service_runtime.mongo import Document
from service_runtime.settings import NotifierSettings

REGISTRATION_ID = re.compile(r"[0-9a-f]{32}")


def redrive_record(
    letter_id: str, topic: str, key: bytes | None, operator: str, at: datetime
) -> dict[str, Any]:
    """The audit log's record of a re-drive (services/notifier/audit.py)."""
    registration = key.decode("utf-8", "replace") if key else ""
    return {
        "event_id": str(uuid4()),
        "occurred_at": at.isoformat(timespec="milliseconds"),
        "kind": "operator.redrive",
        "registration_id": registration if REGISTRATION_ID.fullmatch(registration) else None,
        "operator": operator,
        "letter_id": letter_id,
        "topic": topic,
    }


def letter_id(letter: DeadLetter) -> str:
    """Stable per dead-lettering: a re-delivered letter lands once, a re-failure is new."""
    identity = ":".join(
        map(str, (letter.original_topic, letter.partition, letter.offset, letter.attempts))
    )
    identity += f":{letter.consumer_group}"
    return hashlib.sha256(identity.encode()).hexdigest()


def when_dead_lettered_keep_it(
    letters: AsyncCollection[Document], retention: timedelta
) -> Callable[[Sequence[Decoded[DeadLetter]]], Awaitable[None]]:
    async def handle(batch: Sequence[Decoded[DeadLetter]]) -> None:
        for item in batch:
            letter = item.event
            doc = {
                "_id": letter_id(letter),
                "letter": letter.model_dump(mode="json"),
                "failed_at": letter.failed_at,
                "state": "dead",
                # The raw payload is kept for a re-drive, and only this long.
                "expire_at": letter.failed_at + retention,
            }
            with contextlib.suppress(DuplicateKeyError):  # Kafka delivered it again
                await letters.insert_one(doc)

    return handle


async def create_dead_letter_indexes(letters: AsyncCollection[Document]) -> None:
    await letters.create_index([("failed_at", -1)])
    await letters.create_index("state")
    await letters.create_index("expire_at", expireAfterSeconds=0)  # the retention


async def open_dead_letters(runtime: Runtime[NotifierSettings]) -> AsyncCollection[Document]:
    """The kept letters, and the consumer that keeps them (DEAD_LETTER_RETENTION_DAYS)."""
    letters = runtime.database("notifier")["dead_letters"]
    await create_dead_letter_indexes(letters)
    await runtime.expire(letters)
    runtime.subscribe_batches(
        TOPOLOGY.subscription_for("notifier.dead_letters"),
        decode=DeadLetter.model_validate_json,
        handle=when_dead_lettered_keep_it(
            letters, timedelta(days=runtime.settings.dead_letter_retention_days)
        ),
        name="when_dead_lettered_keep_it",
        background=True,  # the dashboard lists dead letters; nobody's page waits on them
    )
    return letters
