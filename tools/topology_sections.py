"""`python -m tools.topology_sections [--check]`: the parts of hand-written files that list the
topology's services, written from it.

docker-compose.yml's department services and the README's table of services sit between marker
lines; the rest of each file is written by hand. A test fails while a committed file differs
from what this writes, so adding a department's topology row is enough to list it everywhere.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from contracts.topology import CORE_SERVICES, NOTIFIER, REGISTRATION, TOPOLOGY, Topology
from service_runtime.hardening import secrets_used_by

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
README = ROOT / "README.md"
# What the two core services host, for the README's table; a department's row says its name.
CORE_HOSTS = {
    REGISTRATION: "HTTP intake, its outbox relay, the **market** department (商事登记)",
    NOTIFIER: "timelines, the live stream, `registration.completed.v1`, the enterprise page "
    "(`/page`), reminders and policy push, the operators' dashboard (`/ops`)",
}


@dataclass(frozen=True)
class Section:
    path: Path
    begin: str
    end: str
    render: Callable[[Topology], str]

    def apply(self, text: str, topology: Topology = TOPOLOGY) -> str:
        """`text` with what lies between the markers written from `topology`."""
        before, found, rest = text.partition(self.begin)
        _, ended, after = rest.partition(self.end)
        if not found or not ended:
            msg = f"{self.path.name}: 缺少生成段落的标记 / the generated section's markers are missing"
            raise ValueError(msg)
        return before + self.begin + self.render(topology) + self.end + after


# Given to every application container by the compose file's shared environment, or (the
# officers' key) per department above.
_SECRETS_SET_ELSEWHERE = frozenset({"METRICS_TOKEN", "OFFICER_TOKEN_SECRET"})


def shared_secrets(service: str) -> str:
    """The other secrets a department's settings use (credit: the operators' key), one line
    each, required at `docker compose up` like every secret."""
    return "".join(
        f'      {alias}: "${{{alias}:?set {alias}, e.g. openssl rand -hex 32}}"\n'
        for alias in secrets_used_by(service)
        if alias not in _SECRETS_SET_ELSEWHERE
    )


def compose_block(service: str, port: int) -> str:
    key = f"{service.upper()}_OFFICER_TOKEN_SECRET"  # each department's officers: their own key
    healthz = f"urllib.request.urlopen('http://127.0.0.1:{port}/healthz', timeout=4)"
    return f"""  {service}:
    build: *app-build
    command: ["{service}"]
    environment:
      <<: *app-environment
      SERVICE_NAME: {service}
      HTTP_PORT: "{port}"
      OFFICER_TOKEN_SECRET: "${{{key}:?set {key}, e.g. openssl rand -hex 32}}"
{shared_secrets(service)}    healthcheck:
      test: ["CMD", "python", "-c", "import urllib.request; {healthz}"]
      <<: *app-healthcheck-timing
    depends_on: *app-depends-on
    restart: unless-stopped
"""


def compose_departments(topology: Topology) -> str:
    core = dict(CORE_SERVICES)
    return "\n".join(compose_block(s, p) for s, p in topology.services if s not in core)


def readme_services(topology: Topology) -> str:
    rows = ["| service | URL | hosts |", "| --- | --- | --- |"]
    hosted = {d.service: d for d in topology.departments}
    for service, port in topology.services:
        if service in CORE_HOSTS:
            hosts = CORE_HOSTS[service]
        else:
            department = hosted[service]
            hosts = f"department: {department.label_en} · {department.label_zh}"
        rows.append(f"| {service} | http://127.0.0.1:{port} | {hosts} |")
    return "\n".join(rows) + "\n"


SECTIONS = (
    Section(
        COMPOSE,
        "  # --- departments: written by `python -m tools.topology_sections` from the topology ---\n",
        "  # --- end of departments ---\n",
        compose_departments,
    ),
    Section(
        README,
        "<!-- services: written by `python -m tools.topology_sections` from the topology -->\n",
        "<!-- end of services -->\n",
        readme_services,
    ),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    stale = 0
    for section in SECTIONS:
        current = section.path.read_text("utf-8")
        wanted = section.apply(current)
        if wanted == current:
            continue
        if args.check:
            stale += 1
            name = section.path.relative_to(ROOT)
            print(f"{name}: 与拓扑生成结果不一致 / differs from what the topology writes")
        else:
            section.path.write_text(wanted, "utf-8")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
