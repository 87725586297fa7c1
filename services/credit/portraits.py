"""Portraits, recomputed when a fact arrives: a registration completes or a list entry is stored.

The consumer group `credit.portraits` reads `registration.completed.v1` (the enterprise now
exists, with its credit code) and `credit.list-entry-recorded.v1` (an entry that may move the
portraits of its subject and of the enterprises related to it). Each portrait that changed is
stored with its `credit.profile-changed.v1` event, and a drop into class C or D also with
`credit.risk-flagged.v1`, in the enterprise's own document (the outbox).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import structlog

from contracts.annual_report import AnnualReportStatusChanged
from contracts.credit import (
    Contribution,
    CreditListEntryRecorded,
    CreditProfileChanged,
    CreditRiskFlagged,
)
from contracts.events import USCC_ARTEFACT, Envelope, RegistrationCompleted
from contracts.topics import CREDIT_PROFILE_CHANGED, CREDIT_RISK_FLAGGED
from service_runtime.china_time import CHINA
from service_runtime.delivery import Decoded
from service_runtime.mongo import Document
from service_runtime.outbox import OutboxRelay, Stored, outbox_entry, with_outbox_append
from services.credit.annual_reports import record_abnormal_listings
from services.credit.enterprises import HISTORY_KEPT, Completion, EnterpriseStore
from services.credit.entries import ListEntryStore
from services.credit.facts import DecisionFact, EnterpriseFacts, ListEntry
from services.credit.portrait import Portrait, compute_portrait, is_risk_flag

log = structlog.get_logger("credit.portraits")
Fact = RegistrationCompleted | CreditListEntryRecorded | AnnualReportStatusChanged


def facts_of(record: Document, entries: dict[str, list[ListEntry]]) -> EnterpriseFacts:
    """An enterprise's record and the entries naming it, its persons or related enterprises."""
    uscc = record["_id"]
    founded = record.get("founded_on")
    return EnterpriseFacts(
        uscc=uscc,
        name=record["name"],
        enterprise_type=record["enterprise_type"],
        area=record["area"],
        founded_on=date.fromisoformat(founded) if founded else None,
        registered_capital_yuan=Decimal(record["registered_capital"]),
        business_term_years=record.get("business_term_years"),
        scope_items=len(record.get("business_scope") or ()),
        employee_count=record.get("employee_count") or 0,
        status=record.get("status", "registered"),
        entries=tuple(entries.get(uscc, ())),
        person_entries=tuple(e for p in record.get("person_ids", ()) for e in entries.get(p, ())),
        related_entries=tuple(
            e for u in record.get("related_usccs", ()) for e in entries.get(u, ())
        ),
        decisions=tuple(
            DecisionFact(
                department=d["department"],
                status=d["status"],
                # The completion fact names each department's final status, not who decided.
                decided_by="system",
                decided_at=datetime.fromisoformat(record["founded_on"]).replace(tzinfo=CHINA),
            )
            for d in record.get("decisions", ())
            if d["status"] in ("approved", "rejected", "not_applicable")
        ),
    )


class Portraits:
    def __init__(
        self,
        enterprises: EnterpriseStore,
        lists: ListEntryStore,
        relay: OutboxRelay,
        today: Callable[[], date],
    ) -> None:
        self.enterprises, self.lists, self.relay, self.today = enterprises, lists, relay, today

    async def recompute(self, usccs: Iterable[str], trigger: str) -> int:
        """Compute each enterprise's portrait; store and announce those that changed."""
        records = await self.enterprises.load(usccs)
        subjects = {
            s
            for r in records
            for s in (r["_id"], *r.get("person_ids", ()), *r.get("related_usccs", ()))
        }
        entries: dict[str, list[ListEntry]] = {}
        for entry in await self.lists.naming(subjects):
            entries.setdefault(entry.subject_id, []).append(entry)
        today = self.today()
        updates: list[tuple[str, Document]] = []
        stored: list[Stored] = []
        for record in records:
            current = compute_portrait(facts_of(record, entries), today)
            previous = _stored_portrait(record)
            if previous and _same(previous, current):
                continue
            events = _events(record["registration_id"], previous, current, trigger)
            outbox = [outbox_entry(topic, event) for topic, event in events]
            updates.append((record["_id"], _update(current, outbox, flagged=len(events) > 1)))
            stored.append(Stored(record["_id"], outbox))
        await self.enterprises.save_portraits(updates)
        await self.relay.publish_stored(stored)
        return len(updates)


def when_fact_arrives_recompute(
    portraits: Portraits,
) -> Callable[[Sequence[Decoded[Fact]]], Awaitable[None]]:
    async def handle(batch: Sequence[Decoded[Fact]]) -> None:
        events = [item.event for item in batch]
        # A missed annual report is stored as a list entry; its own event recomputes the portrait.
        await record_abnormal_listings(portraits.lists, events)
        completed = [c for e in events if (c := _completion(e))]
        usccs = set(await portraits.enterprises.register(completed)) if completed else set()
        recorded = [e.entry_key for e in events if isinstance(e, CreditListEntryRecorded)]
        if recorded:
            touched = await portraits.lists.by_keys(recorded)
            usccs |= await portraits.enterprises.touched_by(touched)
        trigger = "registration.completed" if completed else "list_entry_recorded"
        changed = await portraits.recompute(usccs, trigger) if usccs else 0
        log.info("portraits_recomputed", enterprises=len(usccs), changed=changed)

    return handle


def _completion(event: Fact) -> Completion | None:
    if not isinstance(event, RegistrationCompleted):
        return None
    uscc = next((a.number for a in event.artefacts if a.kind == USCC_ARTEFACT), None)
    if uscc is None:
        return None  # refused or withdrawn: no enterprise came of it
    return Completion(
        registration_id=event.registration_id,
        uscc=uscc,
        founded_on=event.occurred_at.astimezone(CHINA).date(),
        decisions=[{"department": d, "status": s.value} for d, s in event.departments.items()],
    )


def _stored_portrait(record: Document) -> Portrait | None:
    found = record.get("portrait")
    return Portrait.from_document(found) if found else None


def _same(previous: Portrait, current: Portrait) -> bool:
    return (previous.score, previous.credit_class, previous.level) == (
        current.score,
        current.credit_class,
        current.level,
    )


def _events(
    registration_id: str, previous: Portrait | None, current: Portrait, trigger: str
) -> list[tuple[str, Envelope]]:
    now = datetime.now(UTC)
    common: dict[str, Any] = {
        "source": "credit",
        "occurred_at": now,
        "registration_id": registration_id,
        "uscc": current.uscc,
    }
    changed = CreditProfileChanged(
        event_id=uuid4(),
        score=current.score,
        credit_class=current.credit_class,
        level=current.level,
        previous_class=previous.credit_class if previous else None,
        previous_level=previous.level if previous else None,
        explanation=tuple(
            Contribution(
                indicator=c.name,
                label_zh=c.label_zh,
                label_en=c.label_en,
                value=c.value,
                contribution=c.contribution,
            )
            for c in current.explanation
        ),
        trigger=trigger,
        **common,
    )
    events: list[tuple[str, Envelope]] = [(CREDIT_PROFILE_CHANGED, changed)]
    if is_risk_flag(previous, current):
        pulled_down = [c for c in current.explanation if c.contribution < 0] or current.explanation
        flagged = CreditRiskFlagged(
            event_id=uuid4(),
            credit_class=current.credit_class,
            level=current.level,
            reasons_zh=tuple(c.label_zh for c in pulled_down),
            reasons_en=tuple(c.label_en for c in pulled_down),
            **common,
        )
        events.append((CREDIT_RISK_FLAGGED, flagged))
    return events


def _update(portrait: Portrait, outbox: list[Document], *, flagged: bool) -> Document:
    document = portrait.to_document()
    summary = {k: document[k] for k in ("score", "credit_class", "level", "computed_at")}
    update: Document = {
        "$set": {"portrait": document, **({"flagged_at": datetime.now(UTC)} if flagged else {})},
        "$push": {"history": {"$each": [summary], "$slice": -HISTORY_KEPT}},
    }
    return with_outbox_append(update, outbox)
