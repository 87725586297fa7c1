"""`python -m services <service>`: start one service of the topology (the image's entry point).

Registration and the notifier have apps of their own. Every other service the topology lists
is a department: its rules module `services.<name>.rules` offers `department(settings)`, which
returns its spec, and the shared department app does the rest. So adding a department is one
rules module and one topology row; nothing here, in the image or in the local stack changes.
"""

from __future__ import annotations

import importlib
import os
import sys
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contracts.topology import NOTIFIER, REGISTRATION, TOPOLOGY, Topology

if TYPE_CHECKING:
    from fastapi import FastAPI

    from service_runtime.settings import DepartmentSettings

# The app modules are imported only where a service starts: the container's health check runs
# this module every 10 s and needs nothing but the topology (about 20 ms to import).

EXIT_USAGE = 64  # EX_USAGE: the image was asked for a service that does not exist
HEALTHCHECK = "healthcheck"


def app_builder(service: str, topology: Topology = TOPOLOGY) -> Callable[[Any], FastAPI]:
    """What builds the service's app from its settings; KeyError for an unknown service."""
    # Imported here: a process imports only the service it runs.
    if service == REGISTRATION:
        from services.registration.app import create_app as create_registration  # noqa: PLC0415

        return create_registration
    if service == NOTIFIER:
        from services.notifier.app import create_app as create_notifier  # noqa: PLC0415

        return create_notifier
    if service not in dict(topology.services):
        raise KeyError(service)
    from services.department.app import create_department_app  # noqa: PLC0415

    rules = importlib.import_module(f"services.{service}.rules")

    def create_department(settings: DepartmentSettings) -> FastAPI:
        return create_department_app(settings, rules.department(settings))

    return create_department


def usage(topology: Topology = TOPOLOGY) -> str:
    names = ", ".join(name for name, _ in topology.services)
    return f"用法 / usage: python -m services <{names}> | python -m services {HEALTHCHECK}"


def healthcheck(topology: Topology = TOPOLOGY) -> int:
    """The container's health: the service PID 1 runs answers /healthz (503 until it is ready).

    Its port is HTTP_PORT when set, otherwise the topology's port for that service.
    """
    args = Path("/proc/1/cmdline").read_bytes().decode().split("\0")
    ports = dict(topology.services)
    service = next((a for a in args if a in ports), REGISTRATION)
    port = os.environ.get("HTTP_PORT") or ports[service]
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=4)
    except OSError:
        return 1
    return 0


def main(argv: Sequence[str], topology: Topology = TOPOLOGY) -> int:
    if list(argv) == [HEALTHCHECK]:
        return healthcheck(topology)
    if len(argv) != 1 or argv[0] not in dict(topology.services):
        sys.stderr.write(f"未知的服务 / unknown service: {' '.join(argv)!r}\n{usage(topology)}\n")
        return EXIT_USAGE
    service = argv[0]
    from service_runtime.serve import serve  # noqa: PLC0415

    serve(app_builder(service, topology), service, dict(topology.services)[service])
    return 0
