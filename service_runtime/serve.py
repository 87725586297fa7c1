"""Process entry point shared by every service: `python -m services.<name>`."""

from __future__ import annotations

import os
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from service_runtime.settings import Settings


def settings_for(service: str, default_port: int) -> Settings:
    return Settings(
        SERVICE_NAME=os.environ.get("SERVICE_NAME", service),
        HTTP_PORT=int(os.environ.get("HTTP_PORT", default_port)),
    )


def serve(build: Callable[[Settings], FastAPI], service: str, default_port: int) -> None:
    settings = settings_for(service, default_port)
    uvicorn.run(
        build(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=5,
        # Longer than clients' own idle pools (httpx: 5 s), so a client never reuses a
        # connection the server is closing at that moment; put load balancers' idle timeout lower.
        timeout_keep_alive=75,
    )
