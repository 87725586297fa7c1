"""What the notifier's endpoints are handed: built once by its bootstrap (app.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from pymongo.asynchronous.collection import AsyncCollection

from service_runtime.host import Runtime, service_parts
from service_runtime.mongo import Document
from service_runtime.ratelimit import RateLimit
from service_runtime.settings import NotifierSettings
from services.notifier.audit import AuditLog
from services.notifier.dashboard import Dashboard
from services.notifier.decision_times import DecisionTimes
from services.notifier.helpdesk import Helpdesk
from services.notifier.live import PageListeners
from services.notifier.notifications import NotificationStore
from services.notifier.store import MongoTimelineStore
from services.notifier.stream_limits import StreamSlots


@dataclass(frozen=True)
class PageLimits:
    """Per address: sign-in attempts, and submissions and corrections through the page."""

    sign_in: RateLimit
    write: RateLimit

    @classmethod
    def from_settings(cls, settings: NotifierSettings) -> PageLimits:
        per_minute = settings.page_rate_limit_per_minute
        return cls(
            sign_in=RateLimit(per_minute, name="sign-ins"),
            write=RateLimit(per_minute, name="submissions and corrections"),
        )


@dataclass(frozen=True)
class NotifierParts:
    runtime: Runtime[NotifierSettings]
    timelines: MongoTimelineStore
    listeners: PageListeners  # wakes this instance's live streams when a page changes
    stream_slots: StreamSlots
    notifications: NotificationStore
    audit: AuditLog
    dead_letters: AsyncCollection[Document]
    dashboard: Dashboard
    trace_bundles: AsyncCollection[Document]  # one document per OTLP export (traces.py)
    page_limits: PageLimits
    decision_times: DecisionTimes  # what predictions learn from, refreshed every minute
    helpdesk: Helpdesk  # questions, replies and ratings (在线咨询)


Parts = Annotated[NotifierParts, Depends(service_parts(NotifierParts))]
