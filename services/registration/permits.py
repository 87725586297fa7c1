"""Post-licence permits (证照分离) at the registration authority: the push when the licence is
issued (推送告知), and the enterprise's filing, commitment or application.

One document per enterprise and permit (`<registration>:<permit>`), created with its
`permit.notice.v1` fact when the licence is issued. The enterprise's submission moves it to
`submitted` with a `permit.submitted.v1` fact for the competent department; after a refusal it
may submit again (each submission its own attempt and event). The department's decisions are
facts of their own (`permit.status.v1`), which the timeline folds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import NAMESPACE_URL, uuid5

import structlog
from pymongo import UpdateOne

from contracts.permits import (
    PermitKind,
    PermitNoticed,
    PermitState,
    PermitStatusChanged,
    PermitSubmission,
    PermitSubmitted,
)
from contracts.topics import PERMIT_NOTICE, PERMIT_SUBMITTED
from reference_data.permits import permits_for_scope
from service_runtime.mongo import Document, insert_new
from service_runtime.outbox import (
    Stored,
    outbox_entry,
    outbox_fields_for_new_document,
    with_outbox_append,
)
from services.registration.after_licence import AfterLicenceStore
from services.registration.enterprises import Enterprise

log = structlog.get_logger("permits")
_NOTICE = uuid5(NAMESPACE_URL, "https://enterprise-page.example/permit-notice")
_SUBMISSION = uuid5(NAMESPACE_URL, "https://enterprise-page.example/permit-submission")
Submitted = Literal["submitted", "unknown", "not_required", "pending"]
FINAL = {PermitState.FILED.value, PermitState.APPROVED.value, PermitState.REJECTED.value}


class PermitStore(AfterLicenceStore):
    collection_name = "permits"

    async def create_indexes(self) -> None:
        await super().create_indexes()
        await self.collection.create_index("registration_id")

    async def notice(self, issued: list[Document]) -> int:
        """For each licence just issued, every permit its scope needs, pushed once."""
        docs: list[tuple[Document, Document]] = []
        for licence in issued:
            body = licence["licence"]
            for permit, scope_items in permits_for_scope(body["business_scope"]):
                doc: Document = {
                    "_id": f"{licence['registration_id']}:{permit.id}",
                    "registration_id": licence["registration_id"],
                    "unified_social_credit_code": body["unified_social_credit_code"],
                    "enterprise_name": body["name"],
                    "permit_id": permit.id,
                    "kind": permit.kind,
                    "department": permit.department,
                    "time_limit_working_days": permit.time_limit_working_days,
                    "scope_items": scope_items,
                    "state": PermitState.NOTICED.value,
                    "attempts": 0,
                }
                event = PermitNoticed(
                    event_id=uuid5(_NOTICE, doc["_id"]),
                    source="registration",
                    occurred_at=licence["licence"]["issued_at"],
                    permit_name_zh=permit.name_zh,
                    scope_items=tuple(scope_items),
                    **{
                        k: v
                        for k, v in doc.items()
                        if k not in {"_id", "state", "attempts", "scope_items"}
                    },
                )
                entry = outbox_entry(PERMIT_NOTICE, event)
                docs.append(({**doc, **outbox_fields_for_new_document([entry])}, entry))
        if not docs:
            return 0
        existed = await insert_new(self.collection, [d for d, _ in docs])
        docs = [d for i, d in enumerate(docs) if i not in existed]  # a replayed approval
        await self._relay.publish_stored([Stored(d["_id"], [e]) for d, e in docs])
        log.info("permits_noticed", count=len(docs))
        return len(docs)

    async def of_registration(self, registration_id: str) -> list[Document]:
        found = self.collection.find(
            {"registration_id": registration_id}, {"outbox": 0, "outbox_pending": 0}
        )
        return await found.sort("_id", 1).to_list(200)

    async def submit(
        self,
        enterprise: Enterprise,
        permit_id: str,
        submission: PermitSubmission,
        now: datetime,
    ) -> tuple[Submitted, Document | None]:
        """The enterprise's filing, commitment or application, once per attempt: a new one
        only when there was none yet or the department refused the last."""
        doc_id = f"{enterprise.registration_id}:{permit_id}"
        doc = await self.collection.find_one({"_id": doc_id}, {"outbox": 0})
        if doc is None:
            return "unknown", None
        if doc["kind"] == PermitKind.CANCELLED.value:
            return "not_required", doc
        if doc["state"] not in {PermitState.NOTICED.value, PermitState.REJECTED.value}:
            return "pending", doc
        attempt = doc["attempts"] + 1
        event = PermitSubmitted(
            event_id=uuid5(_SUBMISSION, f"{doc_id}:{attempt}"),
            source="registration",
            occurred_at=now,
            registration_id=doc["registration_id"],
            unified_social_credit_code=doc["unified_social_credit_code"],
            enterprise_name=doc["enterprise_name"],
            permit_id=permit_id,
            kind=PermitKind(doc["kind"]),
            department=doc["department"],
            time_limit_working_days=doc["time_limit_working_days"],
            submission=submission,
        )
        entry = outbox_entry(PERMIT_SUBMITTED, event)
        change: dict[str, Any] = {
            "state": PermitState.SUBMITTED.value,
            "attempts": attempt,
            "submitted_at": now,
            "submission": submission.model_dump(),
            "submission_id": str(event.event_id),
            "permit_number": None,
        }
        moved = await self.collection.update_one(
            {"_id": doc_id, "attempts": doc["attempts"]},
            with_outbox_append({"$set": change}, [entry]),
        )
        if not moved.modified_count:  # a second click at the same moment: that one counts
            return "pending", doc
        await self._relay.publish_stored([Stored(doc_id, [entry])])
        return "submitted", {**doc, **change}

    async def record_decisions(self, decisions: list[PermitStatusChanged]) -> None:
        """The competent department's steps, on the attempt they answer (a late or repeated
        one for an older attempt changes nothing)."""
        ops = [
            UpdateOne(
                {
                    "_id": f"{d.registration_id}:{d.permit_id}",
                    "submission_id": str(d.submission_id),
                    "state": {"$nin": list(FINAL)},
                },
                {"$set": {"state": d.state.value, "permit_number": d.permit_number}},
            )
            for d in decisions
        ]
        if ops:
            await self.collection.bulk_write(ops, ordered=False)
