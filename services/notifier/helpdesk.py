"""The helpdesk (在线咨询): questions, replies within a time limit, and the enterprise's ratings.

One document per question in the notifier's database, with its words, the reply's and the
rating. A question goes to the department asked with its words (`helpdesk.asked.<department>`);
the department's reply comes back (`helpdesk.answered.v1`) and is recorded here. Each step is
stored with its `helpdesk.question.v1` fact (outbox), which the timeline folds. The state only
moves forward: asked → answered → rated.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from uuid import NAMESPACE_URL, uuid4, uuid5

from pymongo.asynchronous.database import AsyncDatabase

from contracts.helpdesk import (
    REPLY_WORKING_DAYS,
    HelpdeskQuestionAnswered,
    HelpdeskQuestionChanged,
    QuestionState,
    asked_event,
)
from contracts.topics import HELPDESK_QUESTION, helpdesk_asked_topic
from service_runtime.delivery import Decoded
from service_runtime.host import Runtime
from service_runtime.mongo import Document
from service_runtime.outbox import (
    OutboxRelay,
    Stored,
    outbox_entry,
    outbox_fields_for_new_document,
    with_outbox_append,
)
from service_runtime.settings import NotifierSettings
from service_runtime.working_days import due_at

_STEP = uuid5(NAMESPACE_URL, "https://enterprise-page.example/helpdesk")
Moved = Literal["moved", "unknown", "closed"]
HIDDEN = {"outbox": 0, "outbox_pending": 0}
SATISFACTION_WEEKS = 8
SATISFACTION_ROWS = 5_000  # ratings read for the dashboard's eight weeks: bounded


def _event(doc: Document, state: QuestionState, now: datetime) -> HelpdeskQuestionChanged:
    return HelpdeskQuestionChanged(
        event_id=uuid5(_STEP, f"{doc['_id']}:{state.value}"),
        source="notifier",
        occurred_at=now,
        registration_id=doc["registration_id"],
        question_id=doc["_id"],
        department=doc["department"],
        state=state,
        due_at=doc["due_at"] if state == QuestionState.ASKED else None,
        score=(doc.get("rating") or {}).get("score") if state == QuestionState.RATED else None,
    )


class Helpdesk:
    collection_name = "questions"

    def __init__(self, database: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        self.collection = database[self.collection_name]
        self._relay = relay

    async def create_indexes(self) -> None:
        await self.collection.create_index("outbox_pending")
        await self.collection.create_index([("registration_id", 1), ("asked_at", -1)])
        await self.collection.create_index([("state", 1), ("department", 1), ("due_at", 1)])
        await self.collection.create_index([("state", 1), ("due_at", 1)])
        await self.collection.create_index([("state", 1), ("rating.at", 1)])

    async def ask(
        self, registration_id: str, department: str, text: str, now: datetime
    ) -> Document:
        doc: Document = {
            "_id": uuid4().hex,
            "registration_id": registration_id,
            "department": department,
            "text": text,
            "state": QuestionState.ASKED.value,
            "asked_at": now,
            "due_at": due_at(now, REPLY_WORKING_DAYS),
            "answer": None,
            "rating": None,
        }
        words = asked_event(department)(
            event_id=uuid5(_STEP, f"{doc['_id']}:words"),
            source="notifier",
            occurred_at=now,
            registration_id=registration_id,
            question_id=doc["_id"],
            department=department,
            text=text,
            due_at=doc["due_at"],
        )
        entries = [
            outbox_entry(helpdesk_asked_topic(department), words),
            outbox_entry(HELPDESK_QUESTION, _event(doc, QuestionState.ASKED, now)),
        ]
        await self.collection.insert_one({**doc, **outbox_fields_for_new_document(entries)})
        await self._relay.publish_stored([Stored(doc["_id"], entries)])
        return doc

    async def of_registration(self, registration_id: str, limit: int = 100) -> list[Document]:
        found = self.collection.find({"registration_id": registration_id}, HIDDEN)
        return await found.sort("asked_at", -1).limit(limit).to_list(None)

    async def queue(self, department: str, limit: int = 200) -> list[Document]:
        """A department's unanswered questions, the nearest reply deadline first."""
        found = self.collection.find(
            {"state": QuestionState.ASKED.value, "department": department}, HIDDEN
        )
        return await found.sort("due_at", 1).limit(limit).to_list(None)

    async def _move(
        self, query: Document, state: QuestionState, change: dict[str, Any], now: datetime
    ) -> Moved:
        doc = await self.collection.find_one(query, HIDDEN)
        if doc is None:
            return "unknown"
        before = QuestionState.ANSWERED if state == QuestionState.RATED else QuestionState.ASKED
        if doc["state"] != before.value:
            return "closed"
        entry = outbox_entry(HELPDESK_QUESTION, _event({**doc, **change}, state, now))
        moved = await self.collection.update_one(
            {"_id": doc["_id"], "state": before.value},
            with_outbox_append({"$set": {**change, "state": state.value}}, [entry]),
        )
        if not moved.modified_count:  # another reply or rating at the same moment
            return "closed"
        await self._relay.publish_stored([Stored(doc["_id"], [entry])])
        return "moved"

    async def record_answers(self, replies: list[HelpdeskQuestionAnswered]) -> None:
        """The departments' replies; a repeated one, or one from another department, is not."""
        for reply in replies:
            answer = {"text": reply.text, "at": reply.occurred_at}
            query = {"_id": reply.question_id, "department": reply.department}
            await self._move(query, QuestionState.ANSWERED, {"answer": answer}, reply.occurred_at)

    async def rate(
        self, registration_id: str, question_id: str, score: int, comment: str, now: datetime
    ) -> Moved:
        rating = {"score": score, "comment": comment, "at": now}
        query = {"_id": question_id, "registration_id": registration_id}
        return await self._move(query, QuestionState.RATED, {"rating": rating}, now)

    async def overdue(self, now: datetime, limit: int = 50) -> list[Document]:
        """Questions still unanswered past their reply deadline, the longest overdue first."""
        found = self.collection.find(
            {"state": QuestionState.ASKED.value, "due_at": {"$lt": now}},
            {"department": 1, "asked_at": 1, "due_at": 1},
        )
        return await found.sort("due_at", 1).limit(limit).to_list(None)

    async def satisfaction(self, now: datetime) -> list[dict[str, Any]]:
        """Per department and ISO week (the last eight): the ratings' count and average."""
        since = now - timedelta(weeks=SATISFACTION_WEEKS)
        found = self.collection.find(
            {"state": QuestionState.RATED.value, "rating.at": {"$gte": since}},
            {"department": 1, "rating.score": 1, "rating.at": 1},
        )
        sums: dict[tuple[str, str], list[int]] = {}
        for doc in await found.limit(SATISFACTION_ROWS).to_list(None):
            year, week, _ = doc["rating"]["at"].replace(tzinfo=UTC).isocalendar()
            key = (doc["department"], f"{year}-W{week:02d}")
            sums.setdefault(key, []).append(doc["rating"]["score"])
        return [
            {
                "department": department,
                "week": week,
                "ratings": len(scores),
                "average": round(sum(scores) / len(scores), 2),
            }
            for (department, week), scores in sorted(sums.items())
        ]


async def open_helpdesk(runtime: Runtime[NotifierSettings]) -> Helpdesk:
    database = runtime.database("notifier")
    desk = Helpdesk(database, runtime.outbox_relay(database, Helpdesk.collection_name))
    await desk.create_indexes()
    return desk


Handle = Callable[[Sequence[Decoded[Any]]], Awaitable[None]]


def without_replies(fold: Handle) -> Handle:
    """The timeline's fold, given everything but the departments' replies (their words are the
    helpdesk's record; the timeline folds the `answered` step that recording them publishes)."""

    async def handle(batch: Sequence[Decoded[Any]]) -> None:
        await fold([i for i in batch if not isinstance(i.event, HelpdeskQuestionAnswered)])

    return handle


def when_department_replied_record_it(helpdesk: Helpdesk, fold: Handle) -> Handle:
    """A department's reply is recorded with its question; the rest goes to the timeline."""
    rest = without_replies(fold)

    async def handle(batch: Sequence[Decoded[Any]]) -> None:
        replies = [i.event for i in batch if isinstance(i.event, HelpdeskQuestionAnswered)]
        if replies:
            await helpdesk.record_answers(replies)
        await rest(batch)

    return handle
