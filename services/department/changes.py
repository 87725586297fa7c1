"""A department's decisions on changes (变更登记) that touch its view of the form.

The registration authority sends a change only to the departments whose projection it touches,
each on its own topic with its own view of the changed form. The department reviews that view
by the same named rules as a new registration (and its screen: credit's joint punishment reads
a new legal representative or shareholder): every rule passed approves, any failure refuses
with its reasons, and a department that does not apply to the enterprise says so. The decision
is stored with its `change.decided.v1` fact (outbox), keyed by the change: a redelivered change
decides nothing new.

A change's refusal is final for that change; the enterprise corrects and sends a new one. An
officer's review of a change is not part of this desk (known-limits.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import structlog

from contracts.changes import ChangeDecided, ChangeDecision, RegistrationChanged
from contracts.events import Reason
from contracts.topics import CHANGE_DECIDED
from service_runtime.delivery import Decoded
from service_runtime.mongo import Document, insert_new
from service_runtime.outbox import Stored, outbox_entry, outbox_fields_for_new_document
from services.department.extension import Screen
from services.department.kit import DepartmentSpec
from services.department.lifecycle import NOTHING_FOUND
from services.department.outboxed import OutboxedCollection

log = structlog.get_logger("changes")
_DECISION = uuid5(NAMESPACE_URL, "https://enterprise-page.example/change-decision")


class ChangeDesk(OutboxedCollection):
    collection_name = "changes"

    async def decide(
        self,
        batch: Sequence[RegistrationChanged],
        spec: DepartmentSpec,
        screen: Screen | None,
        now: datetime,
    ) -> int:
        if not batch:
            return 0
        forms = [(c.registration_id, c.form) for c in batch]
        findings = await screen(forms) if screen else {}
        stored: list[tuple[Document, Document]] = []
        for change in batch:
            found = findings.get(change.registration_id, NOTHING_FOUND)
            decided = self._decided(change, spec, found.reasons, now)
            doc: Document = {
                "_id": str(change.change_id),
                "registration_id": change.registration_id,
                "unified_social_credit_code": change.unified_social_credit_code,
                "licence_version": change.licence_version,
                "changed_paths": list(change.changed_paths),
                "form": change.form.model_dump(mode="json"),
                "decision": decided.decision.value,
                "reasons": [r.model_dump() for r in decided.reasons],
                "decided_at": now,
            }
            entry = outbox_entry(CHANGE_DECIDED, decided)
            stored.append(({**doc, **outbox_fields_for_new_document([entry])}, entry))
        existed = await insert_new(self.collection, [d for d, _ in stored])
        stored = [s for i, s in enumerate(stored) if i not in existed]  # redelivered
        await self._relay.publish_stored([Stored(d["_id"], [e]) for d, e in stored])
        for doc, _ in stored:
            log.info("change_decided", department=self.department, decision=doc["decision"])
        return len(stored)

    def _decided(
        self,
        change: RegistrationChanged,
        spec: DepartmentSpec,
        screened: Sequence[Reason],
        now: datetime,
    ) -> ChangeDecided:
        reasons: tuple[Reason, ...] = ()
        if not spec.applies(change.form):
            decision = ChangeDecision.NOT_APPLICABLE
        else:
            reasons = (*(evaluate(change.form) for evaluate in spec.rules), *screened)
            passed = all(r.passed for r in reasons)
            decision = ChangeDecision.APPROVED if passed else ChangeDecision.REJECTED
        return ChangeDecided(
            event_id=uuid5(_DECISION, f"{change.change_id}:{self.department}"),
            source=self.department,
            occurred_at=now,
            registration_id=change.registration_id,
            change_id=change.change_id,
            department=self.department,
            decision=decision,
            reasons=tuple(reasons),
        )


def when_changed_decide(
    desk: ChangeDesk, spec: DepartmentSpec, screen: Screen | None, clock: Callable[[], datetime]
) -> Callable[[Sequence[Decoded[Any]]], Awaitable[None]]:
    async def handle(batch: Sequence[Decoded[Any]]) -> None:
        changes = [item.event for item in batch if isinstance(item.event, RegistrationChanged)]
        if changes:
            await desk.decide(changes, spec, screen, clock())

    return handle
