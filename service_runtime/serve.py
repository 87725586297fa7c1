"""Process entry point shared by every service: `python -m services <name>` (services/launch.py)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar, cast

import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError

from service_runtime.settings import RuntimeSettings, settings_class_for

S = TypeVar("S", bound=RuntimeSettings)


def settings_for(service: str, default_port: int) -> RuntimeSettings:
    """The service's own settings class, read from the environment: nobody else's secrets."""
    return settings_class_for(service)(
        SERVICE_NAME=os.environ.get("SERVICE_NAME", service),
        HTTP_PORT=int(os.environ.get("HTTP_PORT", default_port)),
    )


def refusal(error: ValidationError) -> str:
    """Only the messages: pydantic's own rendering echoes the input, secrets included."""
    lines = []
    for e in error.errors(include_input=False, include_url=False):
        where = ".".join(map(str, e["loc"]))
        lines.append(f"{where}: {e['msg']}" if where else e["msg"])
    return "\n".join(lines)


def serve(build: Callable[[S], FastAPI], service: str, default_port: int) -> None:
    """`build` takes the class `settings_class_for(service)` names (tests/unit/test_settings_per_service.py)."""
    try:
        settings = settings_for(service, default_port)
    except ValidationError as error:
        raise SystemExit(refusal(error)) from None
    uvicorn.run(build(cast("S", settings)), **uvicorn_options(settings))


def uvicorn_options(settings: RuntimeSettings) -> dict[str, Any]:
    trusted = settings.forwarded_allow_ips
    return {
        "host": settings.http_host,
        "port": settings.http_port,
        "log_level": settings.log_level.lower(),
        "access_log": False,
        # libuv's event loop and the C HTTP parser, for the consumers as much as for HTTP: with
        # every process on them, `make bench` at 10/s measured 1-6% less CPU in our processes
        # (docs/benchmark.md, tenth round).
        "loop": "uvloop",
        "http": "httptools",
        "timeout_graceful_shutdown": 5,
        # Longer than clients' own idle pools (httpx: 5 s), so a client never reuses a
        # connection the server is closing at that moment; put load balancers' idle timeout lower.
        "timeout_keep_alive": 75,
        # Always explicit: left unset, uvicorn believes X-Forwarded-For from loopback (or from
        # whatever FORWARDED_ALLOW_IPS says), so anything on the host could pose as any client.
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted,
    }
