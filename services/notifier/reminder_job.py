"""The reminder job: once a day (China time), a ReminderDue for each reminder that fell due.

The notices themselves are made by the push consumer (push.py) when the event comes back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from uuid import NAMESPACE_URL, uuid5

import structlog
from aiokafka.errors import KafkaError
from pymongo.errors import PyMongoError

from contracts.notices import ReminderDue
from contracts.topics import REMINDER_DUE
from service_runtime.china_time import CHINA
from services.notifier.audience import Audience
from services.notifier.notifications import NotificationStore, notification_id
from services.notifier.reminders import DueReminder, due_reminders
from services.notifier.timeline_reads import TimelineRow

log = structlog.get_logger("notifier.reminders")
_REMINDER_NAMESPACE = uuid5(NAMESPACE_URL, "https://enterprise-page.example/reminders")
Publish = Callable[[str, str, bytes, dict[str, str]], Awaitable[None]]


def reminder_event(registration: TimelineRow, due: DueReminder, now: datetime) -> ReminderDue:
    rid = registration.registration_id
    return ReminderDue(
        event_id=uuid5(_REMINDER_NAMESPACE, f"{rid}:{due.about}"),
        source="notifier.scheduler",
        occurred_at=now,
        registration_id=rid,
        kind=due.kind,
        period=due.period,
        due_date=due.due_date,
        uscc=registration.uscc,
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
        if registration.completed_at is None:
            continue  # the query reads completed ones only
        registered_on = registration.completed_at.astimezone(CHINA).date()
        term = registration.profile.get("business_term_years")
        due = due_reminders(registered_on, term, today)
        ids = {notification_id(registration.registration_id, d.about): d for d in due}
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


async def remind_forever(
    audience: Audience, store: NotificationStore, publish: Publish, interval: float
) -> None:
    # What is due changes only when the day (China time) does: an enterprise registered
    # today has nothing due before tomorrow. So one full pass per day, retried until it
    # succeeds, is enough.
    done_for: date | None = None
    while True:
        now = datetime.now(UTC)
        if now.astimezone(CHINA).date() != done_for:
            try:
                emitted = await emit_due_reminders(audience, store, publish, now)
                done_for = now.astimezone(CHINA).date()
                log.info("reminders_checked", day=str(done_for), emitted=emitted)
            except (PyMongoError, KafkaError) as error:
                log.warning("reminder_check_failed", error=repr(error))
        await asyncio.sleep(interval)
