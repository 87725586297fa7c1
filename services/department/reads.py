"""Who saw the enterprise's data (数据查阅记录): each time an officer is shown a case's form.

The read is stored in the department's own database with its event in the document's outbox
before the form is returned, so no read goes unrecorded; the relay publishes it to
`personal-data.read.v1` and the notifier shows it on the enterprise's page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import uuid4

from pymongo.asynchronous.collection import AsyncCollection

from contracts.events import PersonalDataRead
from contracts.topics import PERSONAL_DATA_READ
from service_runtime.access import Officer
from service_runtime.mongo import Document
from service_runtime.outbox import OutboxRelay, Stored, outbox_entry, outbox_fields_for_new_document


class ReadLog:
    collection_name = "data_reads"

    def __init__(self, collection: AsyncCollection[Document], relay: OutboxRelay) -> None:
        self._collection = collection
        self._relay = relay

    async def record(
        self, department: str, registration_id: str, officer: Officer, sections: Sequence[str]
    ) -> PersonalDataRead:
        event = PersonalDataRead(
            event_id=uuid4(),
            source=department,
            occurred_at=datetime.now(UTC),
            registration_id=registration_id,
            department=department,
            officer_id=officer.officer_id,
            purpose="case_review",
            sections=tuple(sections),
        )
        entry = outbox_entry(PERSONAL_DATA_READ, event)
        document_id = str(event.event_id)
        await self._collection.insert_one(
            {
                "_id": document_id,
                "registration_id": registration_id,
                "officer_id": officer.officer_id,
                "role": officer.role,
                "sections": list(sections),
                "read_at": event.occurred_at,
                **outbox_fields_for_new_document([entry]),
            }
        )
        self._relay.enqueue(Stored(document_id, [entry]))
        return event
