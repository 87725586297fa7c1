"""Thin subscriber: status events in, timelines folded and stored, completion relayed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import structlog

from contracts.annual_report import AnnualReportStatusChanged
from contracts.credit import CreditProfileChanged, CreditRiskFlagged
from contracts.delivery import DeliveryStatusChanged
from contracts.deregistration import DeregistrationStatusChanged
from contracts.events import (
    DepartmentStatusChanged,
    PersonalDataRead,
    RegistrationAccessRevoked,
    RegistrationCorrected,
    RegistrationSubmitted,
    RegistrationWithdrawn,
)
from contracts.helpdesk import HelpdeskQuestionChanged
from contracts.permits import PermitNoticed, PermitStatusChanged, PermitSubmitted
from contracts.registry import decoder_for_subscription
from contracts.topics import PAGE_CHANGED
from contracts.topology import NOTIFIER, NOTIFIER_AFTER_LICENCE, TOPOLOGY
from service_runtime.delivery import Decoded
from service_runtime.host import Runtime
from service_runtime.metrics import LIVE_STREAMS_OPEN, REGISTRATIONS_COMPLETED
from service_runtime.settings import NotifierSettings
from services.notifier.helpdesk import Helpdesk, when_department_replied_record_it
from services.notifier.live import PageAnnouncer, PageListeners
from services.notifier.store import Change, MongoTimelineStore, TimelineStore
from services.notifier.stream_limits import StreamSlots, stream_slots
from services.notifier.timeline import apply

log = structlog.get_logger("notifier")

TimelineEvent = (
    AnnualReportStatusChanged
    | HelpdeskQuestionChanged
    | PermitNoticed
    | PermitSubmitted
    | PermitStatusChanged
    | DeliveryStatusChanged
    | DeregistrationStatusChanged
    | CreditProfileChanged
    | CreditRiskFlagged
    | RegistrationSubmitted
    | DepartmentStatusChanged
    | RegistrationWithdrawn
    | RegistrationCorrected
    | RegistrationAccessRevoked
    | PersonalDataRead
)
# The notifier's own view of each form (its profile fields), withdrawals, every status,
# access renewals and data reads: whatever its subscription reads, decoded by the registry.
_DECODE_TIMELINE_EVENT = decoder_for_subscription(NOTIFIER)


def decode_timeline_event(raw: bytes) -> TimelineEvent:
    event: TimelineEvent = _DECODE_TIMELINE_EVENT(raw)
    return event


def when_status_changed_update_timeline(
    store: TimelineStore, announcer: PageAnnouncer
) -> Callable[[Sequence[Decoded[TimelineEvent]]], Awaitable[None]]:
    async def handle(batch: Sequence[Decoded[TimelineEvent]]) -> None:
        by_registration: defaultdict[str, list[TimelineEvent]] = defaultdict(list)
        for item in batch:
            by_registration[item.event.registration_id].append(item.event)
        first_seen = {e.registration_id for e in events_of(batch, RegistrationSubmitted)}
        loaded = await store.load(list(by_registration), presumed_new=first_seen)
        changes = []
        for rid, events in by_registration.items():
            timeline = loaded[rid].timeline
            before = (len(timeline.entries), len(timeline.data_reads))
            outgoing = [done for event in events for done in apply(timeline, event)]
            if (len(timeline.entries), len(timeline.data_reads)) != before:  # replays: no change
                changes.append(Change(loaded[rid], outgoing))
            for done in outgoing:
                REGISTRATIONS_COMPLETED.inc()
                log.info("registration_completed", registration_id=done.registration_id)
        stored = await store.save(changes)
        await announcer.timelines_changed(
            {c.loaded.timeline.registration_id: c.loaded.timeline for c in changes}
        )
        await store.publish(stored)

    return handle


def events_of(batch: Sequence[Decoded[TimelineEvent]], kind: type) -> list[TimelineEvent]:
    return [item.event for item in batch if isinstance(item.event, kind)]


def page_announcer(runtime: Runtime[NotifierSettings], listeners: PageListeners) -> PageAnnouncer:
    async def publish(payload: bytes) -> None:
        await runtime.publish(PAGE_CHANGED, "page", payload, {"content-type": "application/json"})

    announcer = PageAnnouncer(listeners, publish, runtime.settings.page_changed_linger_ms / 1000)
    runtime.background.append(announcer.announce_forever)
    return announcer


def subscribe_timeline(
    runtime: Runtime[NotifierSettings],
    store: TimelineStore,
    announcer: PageAnnouncer,
    helpdesk: Helpdesk,
) -> None:
    runtime.subscribe_batches(
        TOPOLOGY.subscription_for(NOTIFIER),
        decode=decode_timeline_event,
        handle=when_status_changed_update_timeline(store, announcer),
        name="when_status_changed_update_timeline",
    )

    # Credit, the paper licence's delivery, permits, annual reports, a deregistration and the
    # helpdesk fold into the same timelines off the critical path: one group of their own that
    # fetches seldom, so the busy fetch names no extra partitions. The departments' helpdesk
    # replies arrive there too, and are recorded with their questions.
    runtime.subscribe_batches(
        TOPOLOGY.subscription_for(NOTIFIER_AFTER_LICENCE),
        decode=decoder_for_subscription(NOTIFIER_AFTER_LICENCE),
        handle=when_department_replied_record_it(
            helpdesk, when_status_changed_update_timeline(store, announcer)
        ),
        name="when_after_licence_changed_update_timeline",
        background=True,
    )

    async def when_page_changed_wake_streams(raw: bytes) -> None:
        announcer.on_announcement(raw)

    runtime.subscribe_broadcast(PAGE_CHANGED, when_page_changed_wake_streams, "page_changed")


@dataclass(frozen=True)
class LiveTimelines:
    store: MongoTimelineStore
    listeners: PageListeners
    announcer: PageAnnouncer
    slots: StreamSlots


async def open_timelines(runtime: Runtime[NotifierSettings], helpdesk: Helpdesk) -> LiveTimelines:
    """The timelines, their consumer, and what wakes live streams when one changes."""
    database = runtime.database("notifier")
    relay = runtime.outbox_relay(database, MongoTimelineStore.collection_name)
    await database[MongoTimelineStore.collection_name].create_index("outbox_pending")
    await database[MongoTimelineStore.collection_name].create_index("uscc")
    # Predictions learn from the latest completions (decision_times.py): a range on this index.
    await database[MongoTimelineStore.collection_name].create_index("completed_at")
    await database[MongoTimelineStore.collection_name].create_index(
        [("credit.credit_class", 1), ("credit.computed_at", -1)]  # the dashboard's credit
    )
    store, listeners = MongoTimelineStore(database, relay), PageListeners()
    announcer = page_announcer(runtime, listeners)
    slots = stream_slots(runtime.settings)

    async def measure_streams() -> None:
        LIVE_STREAMS_OPEN.set(slots.open)

    runtime.metric_probes.append(measure_streams)
    subscribe_timeline(runtime, store, announcer, helpdesk)
    return LiveTimelines(store, listeners, announcer, slots)
