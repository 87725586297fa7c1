"""A department's helpdesk queue (在线咨询): the enterprises' questions to it, and its replies.

A question arrives on the department's own topic (`helpdesk.asked.<department>.v1`) with its
words and its reply deadline, and waits here for an officer. The reply is stored with its
`helpdesk.answered.v1` fact (outbox), which the notifier shows to the enterprise. A question is
keyed by its id, so a redelivered one is stored once; it is answered once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Literal
from uuid import NAMESPACE_URL, uuid5

from contracts.helpdesk import HelpdeskQuestionAnswered, HelpdeskQuestionAsked
from contracts.topics import HELPDESK_ANSWERED
from service_runtime.delivery import Decoded
from service_runtime.mongo import Document, insert_new
from service_runtime.outbox import Stored, outbox_entry, with_outbox_append
from services.department.outboxed import OutboxedCollection

_REPLY = uuid5(NAMESPACE_URL, "https://enterprise-page.example/helpdesk-reply")
Answered = Literal["answered", "unknown", "closed"]
HIDDEN = {"outbox": 0, "outbox_pending": 0}


class HelpdeskQueue(OutboxedCollection):
    collection_name = "questions"
    indexes = ([("answered_at", 1), ("due_at", 1)],)

    async def receive(self, questions: Sequence[HelpdeskQuestionAsked]) -> int:
        docs = [
            {
                "_id": q.question_id,
                "registration_id": q.registration_id,
                "text": q.text,
                "asked_at": q.occurred_at,
                "due_at": q.due_at,
                "answered_at": None,
            }
            for q in questions
            if q.department == self.department
        ]
        if not docs:
            return 0
        return len(docs) - len(await insert_new(self.collection, docs))

    async def queue(self, limit: int = 200) -> list[Document]:
        """Unanswered questions, the nearest reply deadline first."""
        found = self.collection.find({"answered_at": None}, HIDDEN)
        return await found.sort("due_at", 1).limit(limit).to_list(None)

    async def answer(self, question_id: str, officer_id: str, text: str, now: datetime) -> Answered:
        doc = await self.collection.find_one({"_id": question_id}, {"registration_id": 1})
        if doc is None:
            return "unknown"
        reply = HelpdeskQuestionAnswered(
            event_id=uuid5(_REPLY, question_id),
            source=self.department,
            occurred_at=now,
            registration_id=doc["registration_id"],
            question_id=question_id,
            department=self.department,
            text=text,
        )
        entry = outbox_entry(HELPDESK_ANSWERED, reply)
        change = {"answered_at": now, "answer": text, "officer_id": officer_id}
        moved = await self.collection.update_one(
            {"_id": question_id, "answered_at": None},
            with_outbox_append({"$set": change}, [entry]),
        )
        if not moved.modified_count:  # answered already, or by another officer just now
            return "closed"
        await self._relay.publish_stored([Stored(question_id, [entry])])
        return "answered"


def when_asked_queue_it(
    queue: HelpdeskQueue,
) -> Callable[[Sequence[Decoded[Any]]], Awaitable[None]]:
    async def handle(batch: Sequence[Decoded[Any]]) -> None:
        asked = [i.event for i in batch if isinstance(i.event, HelpdeskQuestionAsked)]
        if asked:
            await queue.receive(asked)

    return handle
