"""Hand an app built without its lifespan the parts its endpoints use: no broker, no database."""

from types import SimpleNamespace
from typing import Any

from fastapi import FastAPI

from service_runtime.settings import Settings


def hand_parts(app: FastAPI, settings: Settings, **parts: Any) -> FastAPI:
    """Only the named parts exist: an endpoint that reaches for another fails the test loudly."""
    runtime = SimpleNamespace(settings=settings)
    app.state.runtime = runtime
    app.state.parts = SimpleNamespace(runtime=runtime, **parts)
    return app
