"""Proactive push (政府找企业): reminders and policy notices become notifications, then go out.

Every notification is shown in the page. Outside channels (email, then SMS, as configured)
are tried in order until one delivers; each attempt is recorded, and the page says which
channel delivered it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import structlog
from pydantic import Field

from contracts.events import DepartmentStatusChanged, RegistrationCompleted
from contracts.notices import PolicyPublished, ReminderDue
from contracts.registry import decoder_for_subscription
from contracts.topology import TOPOLOGY
from service_runtime.delivery import Decoded
from service_runtime.host import Runtime
from service_runtime.settings import NotifierSettings
from services.notifier.audience import Audience
from services.notifier.channels import Channel, Contacts, OutgoingMessage, build_channels, deliver
from services.notifier.live import PageAnnouncer
from services.notifier.notifications import (
    Dispatched,
    Notification,
    NotificationStore,
    notification_id,
)
from services.notifier.progress import Notice, progress_notice
from services.notifier.reminder_job import remind_forever
from services.notifier.store import MongoTimelineStore
from services.notifier.timeline import stored_precision
from services.notifier.timeline_reads import TimelineReads

log = structlog.get_logger("notifier.push")
PAGE_CHANNEL = "page"

PushEvent = Annotated[
    ReminderDue | PolicyPublished | DepartmentStatusChanged | RegistrationCompleted,
    Field(discriminator="event_type"),
]
_DECODE_PUSH_EVENT = decoder_for_subscription("notifier.notifications")


def decode_push_event(raw: bytes) -> PushEvent:
    event: PushEvent = _DECODE_PUSH_EVENT(raw)
    return event


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
                [
                    row.registration_id
                    for row in await audience.matching(event.targeting, created_at)
                ]
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


async def open_notifications(
    runtime: Runtime[NotifierSettings], announcer: PageAnnouncer
) -> NotificationStore:
    """The notices, the consumer that sends them, and the daily reminder check."""
    database = runtime.database("notifier")
    store = NotificationStore(
        database, timedelta(days=runtime.settings.notification_retention_days)
    )
    await store.create_indexes()
    await runtime.expire(store.collection)  # NOTIFICATION_RETENTION_DAYS
    audience = Audience(TimelineReads(database[MongoTimelineStore.collection_name]))
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
    runtime.background.append(lambda: remind_forever(audience, store, runtime.publish, interval))
    return store
