"""The notifier: timelines, the enterprise page, proactive push and the operators' dashboard."""

from __future__ import annotations

from fastapi import FastAPI

from service_runtime.host import create_service_app
from service_runtime.settings import Settings
from services.notifier.audit import audit_component
from services.notifier.handlers import timeline_component
from services.notifier.http import router
from services.notifier.ops import ops_component
from services.notifier.ops import router as ops_router
from services.notifier.page import page_component
from services.notifier.page import router as page_router
from services.notifier.push import push_component
from services.notifier.traces import router as traces_router
from services.notifier.traces import sink_router, traces_component


def create_app(settings: Settings) -> FastAPI:
    return create_service_app(
        settings,
        [
            timeline_component,
            push_component,
            ops_component,
            page_component,
            traces_component,
            audit_component,
        ],
        routers=[router, page_router, ops_router, traces_router, sink_router],
        title="Enterprise Page notifier",
        # The page's API is the only one a cookie signs in to; the others take bearer tokens.
        cookie_paths=["/page/api/"],
    )
