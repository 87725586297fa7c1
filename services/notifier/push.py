"""Proactive push (政府找企业): reminders and policy notices become notifications, then go out.

Every notification is shown in the page. Outside channels (email, then SMS, as configured)
are tried in order until one delivers; each attempt is recorded, and the page says which
channel delivered it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated, Any
from uuid import NAMESPACE_URL, uuid5

import structlog
from aiokafka.errors import KafkaError
from pydantic import Field, TypeAdapter
from pymongo.errors import PyMongoError

from contracts.events import DepartmentStatus, DepartmentStatusChanged, RegistrationCompleted
from contracts.notices import PolicyPublished, PolicyTargeting, ReminderDue
from contracts.topics import REMINDER_DUE
from contracts.topology import TOPOLOGY
from service_runtime.delivery import Decoded
from service_runtime.host import Runtime
from services.notifier.channels import Channel, Contacts, OutgoingMessage, build_channels, deliver
from services.notifier.live import PageAnnouncer
from services.notifier.notifications import (
    Dispatched,
    Notification,
    NotificationStore,
    notification_id,
)
from services.notifier.profile import matches
from services.notifier.progress import Notice, progress_notice
from services.notifier.reminders import DueReminder, due_reminders
from services.notifier.store import MongoTimelineStore
from services.notifier.timeline import stored_precision

log = structlog.get_logger("notifier.push")
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving
PAGE_CHANNEL = "page"
_REMINDER_NAMESPACE = uuid5(NAMESPACE_URL, "https://enterprise-page.example/reminders")

PushEvent = Annotated[
    ReminderDue | PolicyPublished | DepartmentStatusChanged | RegistrationCompleted,
    Field(discriminator="event_type"),
]
_PUSH_EVENT: TypeAdapter[PushEvent] = TypeAdapter(PushEvent)
Publish = Callable[[str, str, bytes, dict[str, str]], Awaitable[None]]


def decode_push_event(raw: bytes) -> PushEvent:
    return _PUSH_EVENT.validate_json(raw)


class Audience:
    """Reads the notifier's timelines to find who a push is for."""

    def __init__(self, timelines: Any) -> None:  # noqa: ANN401 - a pymongo collection
        self._timelines = timelines

    async def matching(self, targeting: PolicyTargeting, as_of: datetime) -> list[dict[str, Any]]:
        """Registrations whose enterprise matches, as the page stood at `as_of`.

        Submitted by then and neither withdrawn nor refused by then (`reachable_at`): the
        audience follows from the timelines and the policy's own time, not from when a consumer
        got to it, so a rebuild from the topics reaches the same enterprises as the live run.
        """
        query: dict[str, Any] = {"profile": {"$ne": None}, "submitted_at": {"$lte": as_of}}
        if targeting.areas:
            query["profile.area"] = {"$in": [a.value for a in targeting.areas]}
        if targeting.enterprise_types:
            query["profile.type"] = {"$in": [t.value for t in targeting.enterprise_types]}
        if targeting.sizes:
            query["profile.size"] = {"$in": [s.value for s in targeting.sizes]}
        if targeting.foreign_invested is not None:
            query["profile.foreign_invested"] = targeting.foreign_invested
        cursor = self._timelines.find(
            query, {"profile": 1, "completed_at": 1, "withdrawn_at": 1, "entries": 1}
        )
        found = [doc async for doc in cursor]
        # Prefixes are matched here: one code, many prefixes, no regex for the database to scan.
        return [
            doc for doc in found if matches(doc["profile"], targeting) and reachable_at(doc, as_of)
        ]

    async def registered(self) -> list[dict[str, Any]]:
        cursor = self._timelines.find(
            {"overall_status": "completed", "completed_at": {"$ne": None}},
            {"profile": 1, "completed_at": 1, "uscc": 1},
        )
        return [doc async for doc in cursor]

    async def profiles(self, registration_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        cursor = self._timelines.find({"_id": {"$in": list(registration_ids)}}, {"profile": 1})
        return {doc["_id"]: doc.get("profile") or {} async for doc in cursor}


def reachable_at(timeline: dict[str, Any], as_of: datetime) -> bool:
    """Whether a registration was neither withdrawn nor refused at `as_of` (the page's status).

    Completion is final, and a required department's refusal is final for the registration
    (timeline.overall_status), so each is known from its own time.
    """
    completed, withdrawn = timeline.get("completed_at"), timeline.get("withdrawn_at")
    if completed is not None and completed <= as_of:
        return True
    if withdrawn is not None and withdrawn <= as_of:
        return False
    return not any(
        entry.get("status") == DepartmentStatus.REJECTED.value
        and entry.get("department") in TOPOLOGY.required
        and entry["occurred_at"] <= as_of
        for entry in timeline.get("entries", ())
    )


def notice_of(event: PushEvent) -> Notice | None:
    if isinstance(event, ReminderDue):
        return Notice(
            "reminder",
            f"{event.kind.value}:{event.period}",
            event.title_zh,
            event.title_en,
            event.body_zh,
            event.body_en,
            event.due_date,
        )
    if isinstance(event, PolicyPublished):
        return Notice(
            "policy",
            f"policy:{event.policy_id}",
            event.title_zh,
            event.title_en,
            event.body_zh,
            event.body_en,
        )
    return progress_notice(event)


def notifications_for(
    notice: Notice, audience: Sequence[str], created_at: datetime
) -> list[Notification]:
    return [
        Notification(
            id=notification_id(rid, notice.about),
            registration_id=rid,
            kind=notice.kind,
            about=notice.about,
            title_zh=notice.title_zh,
            title_en=notice.title_en,
            body_zh=notice.body_zh,
            body_en=notice.body_en,
            created_at=created_at,
            due_date=notice.due_date.isoformat() if notice.due_date else None,
        )
        for rid in audience
    ]


DISPATCH_RECORD_CHUNK = 50


async def dispatch(
    pending: Sequence[Notification],
    profiles: dict[str, dict[str, Any]],
    store: NotificationStore,
    channels: Sequence[Channel],
    now: Callable[[], datetime],
) -> None:
    sent: list[Dispatched] = []
    for notification in pending:
        profile = profiles.get(notification.registration_id, {})
        shown = {"channel": PAGE_CHANNEL, "status": "delivered", "at": now(), "detail": "in page"}
        attempts = await deliver(
            channels,
            Contacts(email=profile.get("email"), mobile=profile.get("mobile")),
            OutgoingMessage(
                notification.title_zh,
                notification.title_en,
                notification.body_zh,
                notification.body_en,
            ),
            now,
        )
        delivered = next((a.channel for a in attempts if a.status == "delivered"), PAGE_CHANNEL)
        sent.append(
            Dispatched(notification.id, [shown, *(a.as_document() for a in attempts)], delivered)
        )
        # Recorded in chunks: a crash re-sends at most one chunk, and a policy pushed to
        # thousands of enterprises costs a statement per chunk, not one per enterprise.
        if len(sent) >= DISPATCH_RECORD_CHUNK:
            await store.record_dispatches(sent)
            sent = []
    await store.record_dispatches(sent)


def when_pushed_notify_enterprises(
    audience: Audience,
    store: NotificationStore,
    channels: Sequence[Channel],
    announcer: PageAnnouncer,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Callable[[Sequence[Decoded[PushEvent]]], Awaitable[None]]:
    async def handle(batch: Sequence[Decoded[PushEvent]]) -> None:
        created: list[Notification] = []
        for item in batch:
            event = item.event
            notice = notice_of(event)
            if notice is None:
                continue  # progress that only moves the live timeline
            # A notice is as old as what it tells: the same whenever the event is folded.
            created_at = stored_precision(event.occurred_at)
            rids = (
                [doc["_id"] for doc in await audience.matching(event.targeting, created_at)]
                if isinstance(event, PolicyPublished)
                else [event.registration_id]
            )
            created.extend(notifications_for(notice, rids, created_at))
        known = await store.add(created)
        # Stored before (a redelivery): send again only what a crash left unsent.
        pending = [n for n in created if n.id not in known]
        pending += await store.pending(list(known)) if known else []
        rids = list({n.registration_id for n in pending})
        profiles = await audience.profiles(rids) if channels and rids else {}
        await dispatch(pending, profiles, store, channels, now)
        if created:
            await announcer.notifications_changed({n.registration_id for n in created})
            log.info("notifications_pushed", count=len(created), dispatched=len(pending))

    return handle


def reminder_event(registration: dict[str, Any], due: DueReminder, now: datetime) -> ReminderDue:
    rid = registration["_id"]
    return ReminderDue(
        event_id=uuid5(_REMINDER_NAMESPACE, f"{rid}:{due.about}"),
        source="notifier.scheduler",
        occurred_at=now,
        registration_id=rid,
        kind=due.kind,
        period=due.period,
        due_date=due.due_date,
        uscc=registration.get("uscc"),
        title_zh=due.title_zh,
        title_en=due.title_en,
        body_zh=due.body_zh,
        body_en=due.body_en,
    )


async def emit_due_reminders(
    audience: Audience, store: NotificationStore, publish: Publish, now: datetime
) -> int:
    """Publish a ReminderDue for each reminder due today and not yet notified; how many."""
    today = now.astimezone(CHINA).date()
    emitted = 0
    for registration in await audience.registered():
        registered_on = registration["completed_at"].astimezone(CHINA).date()
        term = (registration.get("profile") or {}).get("business_term_years")
        due = due_reminders(registered_on, term, today)
        ids = {notification_id(registration["_id"], d.about): d for d in due}
        known = await store.existing_ids(list(ids)) if ids else set()
        for nid, reminder in ids.items():
            if nid in known:
                continue
            event = reminder_event(registration, reminder, now)
            await publish(
                REMINDER_DUE,
                event.registration_id,
                event.model_dump_json().encode(),
                {"content-type": "application/json"},
            )
            emitted += 1
    return emitted


async def open_notifications(runtime: Runtime, announcer: PageAnnouncer) -> NotificationStore:
    """The notices, the consumer that sends them, and the daily reminder check."""
    database = runtime.database("notifier")
    store = NotificationStore(
        database, timedelta(days=runtime.settings.notification_retention_days)
    )
    await store.create_indexes()
    await runtime.expire(store.collection)  # NOTIFICATION_RETENTION_DAYS
    audience = Audience(database[MongoTimelineStore.collection_name])
    runtime.subscribe_batches(
        TOPOLOGY.subscription_for("notifier.notifications"),
        decode=decode_push_event,
        handle=when_pushed_notify_enterprises(
            audience, store, build_channels(runtime.settings), announcer
        ),
        name="when_pushed_notify_enterprises",
        background=True,  # a notice a moment later is fine; the live timeline is not this
    )
    interval = runtime.settings.reminder_check_interval_ms / 1000

    async def remind_forever() -> None:
        # What is due changes only when the day (China time) does: an enterprise registered
        # today has nothing due before tomorrow. So one full pass per day, retried until it
        # succeeds, is enough.
        done_for: date | None = None
        while True:
            now = datetime.now(UTC)
            if now.astimezone(CHINA).date() != done_for:
                try:
                    emitted = await emit_due_reminders(audience, store, runtime.publish, now)
                    done_for = now.astimezone(CHINA).date()
                    log.info("reminders_checked", day=str(done_for), emitted=emitted)
                except (PyMongoError, KafkaError) as error:
                    log.warning("reminder_check_failed", error=repr(error))
            await asyncio.sleep(interval)

    runtime.background.append(remind_forever)
    return store
