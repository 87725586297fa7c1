"""Adding a department is one spec module plus one topology row: this one exists only here."""

import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any, cast
from uuid import uuid4

import pytest
from faststream.kafka import TestKafkaBroker

from contracts.events import Artefact, DepartmentStatusChanged, RegistrationSubmitted
from contracts.export import asyncapi_document
from contracts.form import RegistrationForm
from contracts.projections import views_of_submitted
from contracts.registry import EventRegistry
from contracts.topics import DEPARTMENT_STATUS
from contracts.topology import TOPOLOGY, Department, Topology
from service_runtime.host import build_runtime
from service_runtime.settings import DepartmentSettings, Settings
from services import launch
from services.department.handlers import build_desk, subscribe_department
from services.department.kit import DepartmentSpec, Issued, credit_code_from, rule
from services.department.store import MongoCaseStore
from services.notifier.timeline import Timeline, apply
from services.registration.market import MARKET
from tests.support.in_memory_cases import InMemoryCaseStore
from tools import k8s_manifests, localstack, topology_sections

ROOT = Path(__file__).resolve().parents[2]


@rule(
    "address_in_port_area",
    "enterprise.address",
    "住所应在港区",
    "the address must be in the port area",
)
def _in_port_area(form: RegistrationForm) -> bool:
    return "南沙" in form.enterprise.address


def _issue_port_permit(
    registration_id: str, _form: RegistrationForm, prerequisites: Issued
) -> tuple[Artefact, ...]:
    return (
        Artefact(
            kind="port_permit",
            number=f"GW-{credit_code_from(prerequisites)}",
            label_zh="港区备案号",
        ),
    )


HARBOUR = DepartmentSpec(name="harbour", rules=(_in_port_area,), issue=_issue_port_permit)
WITH_HARBOUR = Topology(
    (
        *TOPOLOGY.departments,
        Department(
            "harbour",
            "港务",
            "Harbour",
            service="harbour",
            port=8017,
            waits_for=("market",),
            projection=("enterprise.name", "enterprise.address"),
        ),
    )
)


async def test_a_department_defined_only_in_this_test_joins_the_flow(
    sample_form: dict[str, Any],
) -> None:
    runtime = build_runtime(Settings(KAFKA_BOOTSTRAP_SERVERS="test:9092", DELIVERY_BACKOFF_MS=0))
    for spec in (MARKET, HARBOUR):
        store = InMemoryCaseStore(spec.name, runtime.publish)
        desk = build_desk(  # it takes a MongoCaseStore; the flow needs only what this one has
            runtime.settings,
            spec,
            cast("MongoCaseStore", store),
            lambda: datetime.now(UTC),
            WITH_HARBOUR,
        )
        subscribe_department(runtime, desk, store)
    statuses: list[DepartmentStatusChanged] = []

    @runtime.broker.subscriber(DEPARTMENT_STATUS, group_id="observer")
    async def observe(event: DepartmentStatusChanged) -> None:
        statuses.append(event)

    submitted = RegistrationSubmitted(
        event_id=uuid4(),
        source="registration",
        occurred_at=datetime.now(UTC),
        registration_id=uuid4().hex,
        form=RegistrationForm.model_validate(sample_form),
    )
    async with TestKafkaBroker(runtime.broker) as broker:
        for topic, view in views_of_submitted(submitted, WITH_HARBOUR):
            await broker.publish(view.model_dump_json().encode(), topic)

    harbour = [s for s in statuses if s.department == "harbour"]
    assert harbour[-1].status == "approved"
    assert harbour[-1].artefacts[0].number.startswith("GW-91440115")
    assert WITH_HARBOUR.subscription_for("harbour").group_id == "department.harbour"

    # The notifier's completion rule now needs the new department too.
    timeline = Timeline(submitted.registration_id)
    events: list[RegistrationSubmitted | DepartmentStatusChanged] = [submitted, *statuses]
    for event in events:
        apply(timeline, event, WITH_HARBOUR)
    assert timeline.departments["harbour"] == "approved"
    assert "harbour" in WITH_HARBOUR.required
    assert timeline.overall_status == "in_progress"  # the other six departments have not reported


def harbour_rules_module() -> ModuleType:
    """`services/harbour/rules.py` as a new department would write it: its spec, nothing else."""
    module = ModuleType("services.harbour.rules")

    def department(_settings: DepartmentSettings) -> DepartmentSpec:
        return HARBOUR

    module.department = department  # type: ignore[attr-defined]
    return module


def test_the_new_row_and_rules_module_are_all_that_starts_the_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "services.harbour.rules", harbour_rules_module())
    # The local stack starts every service the topology lists, each with its port.
    assert TOPOLOGY.services == localstack.SERVICES
    assert ("harbour", 8017) in WITH_HARBOUR.services
    # The image's entry point (`python -m services harbour`) builds its app from the rules.
    app = launch.app_builder("harbour", WITH_HARBOUR)(Settings(SERVICE_NAME="harbour"))
    assert app.title == "department harbour"
    assert launch.main(["ferry"], WITH_HARBOUR) == launch.EXIT_USAGE
    # The Dockerfile names no service: it runs whatever the topology lists.
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text("utf-8")
    instructions = [line for line in dockerfile.splitlines() if not line.startswith("#")]
    named = {name for name, _ in TOPOLOGY.services if any(name in i for i in instructions)}
    assert named <= {"registration"}  # the default command only


def test_the_new_department_gets_its_kubernetes_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(k8s_manifests, "TOPOLOGY", WITH_HARBOUR)
    monkeypatch.setattr(k8s_manifests, "SERVICES", WITH_HARBOUR.services)
    documents = k8s_manifests.manifests()["harbour.yaml"]
    assert [d["kind"] for d in documents] == [
        "Deployment",
        "Service",
        "PodDisruptionBudget",
        "ScaledObject",
    ]
    triggers = documents[3]["spec"]["triggers"]
    assert any(t["metadata"].get("consumerGroup") == "department.harbour" for t in triggers)


def test_the_new_department_is_in_compose_the_readme_and_the_event_contract() -> None:
    compose_section, readme_section = topology_sections.SECTIONS
    compose = compose_section.apply(compose_section.path.read_text("utf-8"), WITH_HARBOUR)
    assert '  harbour:\n    build: *app-build\n    command: ["harbour"]' in compose
    assert "HARBOUR_OFFICER_TOKEN_SECRET:?" in compose
    readme = readme_section.apply(readme_section.path.read_text("utf-8"), WITH_HARBOUR)
    assert "| harbour | http://127.0.0.1:8017 | department: Harbour · 港务 |" in readme
    asyncapi = asyncapi_document(EventRegistry(WITH_HARBOUR))
    assert "registration.submitted.harbour.v1" in asyncapi
    assert "harbour:registration.submitted.harbour.v1" in asyncapi  # its subscription
