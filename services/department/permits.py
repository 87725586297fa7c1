"""A department's post-licence permits (证照分离): filings, commitments and applications.

The enterprise's submission (`permit.submitted.v1`) to this department opens a permit case,
decided like any case: a filing (备案) is filed at once and a signed commitment (告知承诺) approved
at once, each by a named rule; an application waits for an officer, within the permit's
statutory time limit. Each step is a `permit.status.v1` fact, stored with the case (outbox).
A case is keyed by the submission's event id, so a redelivered submission opens nothing new.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Literal
from uuid import NAMESPACE_URL, uuid5

import structlog

from contracts.events import Reason
from contracts.permits import PermitKind, PermitState, PermitStatusChanged, PermitSubmitted
from contracts.topics import PERMIT_STATUS
from service_runtime.delivery import Decoded
from service_runtime.mongo import Document, insert_new
from service_runtime.outbox import (
    Stored,
    outbox_entry,
    outbox_fields_for_new_document,
    with_outbox_append,
)
from service_runtime.working_days import due_at
from services.department.numbers import derived_digits
from services.department.outboxed import OutboxedCollection

log = structlog.get_logger("permits")
_STEP = uuid5(NAMESPACE_URL, "https://enterprise-page.example/permit-status")
Decided = Literal["decided", "unknown", "closed"]
UNSIGNED = Reason(
    rule="permit_commitment_signed",
    passed=False,
    message_zh="告知承诺制事项须签署告知承诺书",
    message_en="a permit by commitment needs the signed commitment",
    field_path=None,
)


def permit_number(department: str, case_id: str) -> str:
    return f"{department[:3].upper()}-{derived_digits(case_id, 12)}"


class PermitDesk(OutboxedCollection):
    collection_name = "permits"
    indexes = ([("state", 1), ("deadline_at", 1)],)

    def _event(self, doc: Document, state: PermitState, now: datetime) -> PermitStatusChanged:
        return PermitStatusChanged(
            event_id=uuid5(_STEP, f"{doc['_id']}:{state.value}"),
            source=self.department,
            occurred_at=now,
            registration_id=doc["registration_id"],
            submission_id=doc["_id"],
            unified_social_credit_code=doc["unified_social_credit_code"],
            permit_id=doc["permit_id"],
            department=self.department,
            state=state,
            decided_by="officer" if doc.get("officer_id") else "rules",
            permit_number=doc.get("permit_number"),
            deadline_at=doc.get("deadline_at") if state == PermitState.IN_REVIEW else None,
            reasons=tuple(Reason.model_validate(r) for r in doc.get("reasons", [])),
        )

    def _open(self, submitted: PermitSubmitted, now: datetime) -> Document:
        """The case and its first step, by the named rules of the permit's kind."""
        case_id = str(submitted.event_id)
        doc: Document = {
            "_id": case_id,
            "registration_id": submitted.registration_id,
            "unified_social_credit_code": submitted.unified_social_credit_code,
            "enterprise_name": submitted.enterprise_name,
            "permit_id": submitted.permit_id,
            "kind": submitted.kind.value,
            "submission": submitted.submission.model_dump(),
            "received_at": now,
        }
        if submitted.kind == PermitKind.APPLICATION:
            deadline = due_at(now, submitted.time_limit_working_days)
            doc |= {"state": PermitState.IN_REVIEW.value, "deadline_at": deadline}
        elif submitted.kind == PermitKind.COMMITMENT and not submitted.submission.commitment_signed:
            doc |= {"state": PermitState.REJECTED.value, "reasons": [UNSIGNED.model_dump()]}
        else:  # a filing, or a signed commitment: 当场办结
            state = (
                PermitState.FILED if submitted.kind == PermitKind.FILING else PermitState.APPROVED
            )
            doc |= {"state": state.value, "permit_number": permit_number(self.department, case_id)}
        doc["decided_at"] = None if doc["state"] == PermitState.IN_REVIEW.value else now
        return doc

    async def open_cases(self, batch: Sequence[PermitSubmitted], now: datetime) -> int:
        mine = [s for s in batch if s.department == self.department]
        if not mine:
            return 0
        stored = []
        for submitted in mine:
            doc = self._open(submitted, now)
            entry = outbox_entry(PERMIT_STATUS, self._event(doc, PermitState(doc["state"]), now))
            stored.append(({**doc, **outbox_fields_for_new_document([entry])}, entry))
        existed = await insert_new(self.collection, [d for d, _ in stored])
        stored = [s for i, s in enumerate(stored) if i not in existed]  # redelivered
        await self._relay.publish_stored([Stored(d["_id"], [e]) for d, e in stored])
        for doc, _ in stored:
            log.info("permit_case_opened", department=self.department, state=doc["state"])
        return len(stored)

    async def queue(self, limit: int = 200) -> list[Document]:
        """Applications waiting for an officer, the nearest deadline first."""
        found = self.collection.find({"state": PermitState.IN_REVIEW.value}, {"outbox": 0})
        return await found.sort("deadline_at", 1).limit(limit).to_list(None)

    async def decide(
        self, case_id: str, officer_id: str, reasons: list[Reason] | None, now: datetime
    ) -> Decided:
        """An officer's decision on an application: approved, or refused with `reasons`."""
        approve = reasons is None
        doc = await self.collection.find_one({"_id": case_id}, {"outbox": 0})
        if doc is None:
            return "unknown"
        if doc["state"] != PermitState.IN_REVIEW.value:
            return "closed"
        state = PermitState.APPROVED if approve else PermitState.REJECTED
        change: dict[str, Any] = {"state": state.value, "decided_at": now, "officer_id": officer_id}
        if approve:
            change["permit_number"] = permit_number(self.department, case_id)
        else:
            change["reasons"] = [r.model_dump() for r in reasons or ()]
        entry = outbox_entry(PERMIT_STATUS, self._event({**doc, **change}, state, now))
        moved = await self.collection.update_one(
            {"_id": case_id, "state": PermitState.IN_REVIEW.value},
            with_outbox_append({"$set": change}, [entry]),
        )
        if not moved.modified_count:  # another officer decided meanwhile
            return "closed"
        await self._relay.publish_stored([Stored(case_id, [entry])])
        return "decided"


def when_permit_submitted_open_case(
    desk: PermitDesk, clock: Callable[[], datetime]
) -> Callable[[Sequence[Decoded[Any]]], Awaitable[None]]:
    async def handle(batch: Sequence[Decoded[Any]]) -> None:
        submitted = [item.event for item in batch if isinstance(item.event, PermitSubmitted)]
        if submitted:
            await desk.open_cases(submitted, clock())

    return handle
