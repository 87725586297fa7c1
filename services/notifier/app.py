"""The notifier: timelines, the enterprise page, proactive push and the operators' dashboard."""

from __future__ import annotations

from fastapi import FastAPI

from service_runtime.host import Runtime, create_service_app
from service_runtime.settings import NotifierSettings
from services.notifier.audit import open_audit_log
from services.notifier.dashboard import open_dashboard
from services.notifier.dead_letters import open_dead_letters
from services.notifier.decision_times import open_decision_times
from services.notifier.handlers import open_timelines
from services.notifier.helpdesk import open_helpdesk
from services.notifier.helpdesk_http import router as helpdesk_router
from services.notifier.http import router
from services.notifier.ops import router as ops_router
from services.notifier.page import router as page_router
from services.notifier.page_after_licence import router as after_licence_router
from services.notifier.parts import NotifierParts, PageLimits
from services.notifier.push import open_notifications
from services.notifier.stream_watch import StreamWatch
from services.notifier.traces import open_trace_bundles, sink_router
from services.notifier.traces import router as traces_router


async def bootstrap(runtime: Runtime[NotifierSettings]) -> NotifierParts:
    """Every store, consumer and job of the notifier; the timelines first, since the notices
    wake the same live streams."""
    helpdesk = await open_helpdesk(runtime)
    live = await open_timelines(runtime, helpdesk)
    letters = await open_dead_letters(runtime)
    notifications = await open_notifications(runtime, live.announcer)
    watch = StreamWatch(live.listeners, live.store.revisions, notifications.marks)
    runtime.background.append(watch.poll_forever)
    decision_times = await open_decision_times(runtime)
    return NotifierParts(
        runtime=runtime,
        timelines=live.store,
        listeners=live.listeners,
        stream_slots=live.slots,
        notifications=notifications,
        audit=await open_audit_log(runtime),
        dead_letters=letters,
        dashboard=await open_dashboard(runtime, letters),
        trace_bundles=await open_trace_bundles(runtime),
        page_limits=PageLimits.from_settings(runtime.settings),
        decision_times=decision_times,
        helpdesk=helpdesk,
    )


def create_app(settings: NotifierSettings) -> FastAPI:
    return create_service_app(
        settings,
        bootstrap,
        routers=[
            router,
            page_router,
            after_licence_router,
            helpdesk_router,
            ops_router,
            traces_router,
            sink_router,
        ],
        title="Enterprise Page notifier",
        # The page's API is the only one a cookie signs in to; the others take bearer tokens.
        cookie_paths=["/page/api/"],
    )
