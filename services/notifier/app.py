"""The notifier: folds every status event into the enterprise's timeline and streams it."""

from __future__ import annotations

from fastapi import FastAPI

from service_runtime.host import create_service_app
from service_runtime.settings import Settings
from services.notifier.handlers import timeline_component
from services.notifier.http import router


def create_app(settings: Settings) -> FastAPI:
    return create_service_app(
        settings, [timeline_component], routers=[router], title="Enterprise Page notifier"
    )
