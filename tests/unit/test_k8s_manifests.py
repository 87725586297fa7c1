"""Static checks of the Kubernetes manifests (deploy/k8s/) against the topology and settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts.topology import TOPOLOGY
from service_runtime.hardening import development_secret_aliases, secrets_used_by
from service_runtime.settings import environment_names
from tools import k8s_manifests
from tools.localstack import SERVICES

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"


def documents() -> list[dict[str, Any]]:
    """Every Kubernetes object (the kustomization is kustomize's, not one)."""
    return [
        doc
        for path in sorted(K8S.glob("*.yaml"))
        if path.name != "kustomization.yaml"
        for doc in yaml.safe_load_all(path.read_text("utf-8"))
        if doc
    ]


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in documents() if d["kind"] == kind}


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    only: dict[str, Any]
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return only


def settings_aliases() -> set[str]:
    return environment_names()


def test_the_committed_manifests_are_what_the_generator_writes() -> None:
    assert k8s_manifests.main(["--check"]) == 0, "run: python -m tools.k8s_manifests"


def test_kustomization_lists_every_manifest_file() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text("utf-8"))
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files


@pytest.mark.parametrize(("service", "port"), SERVICES)
def test_each_service_has_a_probed_limited_deployment_with_its_own_secrets(
    service: str, port: int
) -> None:
    name = k8s_manifests.resource_name(service)
    deployment = of_kind("Deployment")[name]
    main = container(deployment)
    assert main["args"] == [service]
    assert ":" in main["image"]
    assert not main["image"].endswith(":latest")
    assert {"name": "http", "containerPort": port} in main["ports"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert main[probe]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert set(main["resources"]["requests"]) == {"cpu", "memory"}
    assert set(main["resources"]["limits"]) == {"cpu", "memory"}
    assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True

    env = {e["name"]: e for e in main["env"]}
    from_secrets = {n for n, e in env.items() if "secretKeyRef" in e.get("valueFrom", {})}
    # Exactly the secrets this service reads (and its own broker and database principal).
    assert from_secrets == {*secrets_used_by(service), *k8s_manifests.CONNECTION_SECRETS}
    assert {env[n]["valueFrom"]["secretKeyRef"]["name"] for n in from_secrets} == {
        k8s_manifests.secret_name(service)
    }
    # No secret as a literal, here or in the shared ConfigMap.
    (config,) = of_kind("ConfigMap").values()
    literal = {n for n, e in env.items() if "value" in e} | set(config["data"])
    assert not literal & set(development_secret_aliases())
    assert not literal & set(k8s_manifests.CONNECTION_SECRETS)
    # Every name is one the settings read: a typo would be silently ignored.
    assert set(env) | set(config["data"]) <= settings_aliases()
    assert env["SERVICE_NAME"]["value"] == service
    assert env["HTTP_PORT"]["value"] == str(port)


@pytest.mark.parametrize("service", [name for name, _ in SERVICES])
def test_each_service_has_a_service_and_a_disruption_budget_selecting_its_pods(
    service: str,
) -> None:
    name = k8s_manifests.resource_name(service)
    pods = of_kind("Deployment")[name]["spec"]["template"]["metadata"]["labels"]
    selector = of_kind("Deployment")[name]["spec"]["selector"]["matchLabels"]
    assert selector.items() <= pods.items()
    assert of_kind("Service")[name]["spec"]["selector"].items() <= pods.items()
    budget = of_kind("PodDisruptionBudget")[name]["spec"]
    assert budget["selector"]["matchLabels"].items() <= pods.items()
    assert budget.get("maxUnavailable") == 1 or budget.get("minAvailable") is not None


@pytest.mark.parametrize("department", TOPOLOGY.departments, ids=lambda d: d.name)
def test_every_department_scales_on_its_own_consumer_groups_lag(department: Any) -> None:
    scaled = of_kind("ScaledObject")[k8s_manifests.resource_name(department.service)]
    group = TOPOLOGY.subscription_for(department.name).group_id
    kafka = [t for t in scaled["spec"]["triggers"] if t["type"] == "kafka"]
    assert group in {t["metadata"]["consumerGroup"] for t in kafka}
    assert all(int(t["metadata"]["lagThreshold"]) > 0 for t in kafka)
    assert all(t["authenticationRef"]["name"] in of_kind("TriggerAuthentication") for t in kafka)
    assert scaled["spec"]["scaleTargetRef"]["name"] in of_kind("Deployment")
    # More consumers than partitions in one group would stand idle.
    (config,) = of_kind("ConfigMap").values()
    partitions = int(config["data"]["KAFKA_TOPIC_PARTITIONS"])
    assert 1 <= scaled["spec"]["minReplicaCount"] <= scaled["spec"]["maxReplicaCount"]
    assert scaled["spec"]["maxReplicaCount"] <= partitions
