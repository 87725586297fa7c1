"""Kubernetes manifests for production, generated from the topology and the settings contract.

    python -m tools.k8s_manifests            writes deploy/k8s/ (then: kubectl apply -k deploy/k8s)
    python -m tools.k8s_manifests --check    exits 1 if deploy/k8s/ differs from what it would write

Generated, not hand-written: each service's Deployment, Service, PodDisruptionBudget and KEDA
ScaledObject follow from `tools.localstack.SERVICES` (ports), `contracts.topology` (which
department each service hosts, its consumer group) and `service_runtime.hardening` (the only
secrets a service gets). A new department therefore gets its manifests by running this, and
`tests/unit/test_k8s_manifests.py` fails until the committed files match.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from contracts.topology import NOTIFIER, TOPOLOGY
from service_runtime.hardening import secrets_used_by
from tools.localstack import SERVICES

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "deploy" / "k8s"
NAMESPACE = "enterprise-page"
# Built from deploy/Dockerfile and pushed by the operator; the tag names the release.
IMAGE = "registry.example/enterprise-page:0.1.0"
# Production topics have this many partitions (docker-compose.yml): more consumers than
# partitions in one group would stand idle, so no department scales past it.
PARTITIONS = 6
# Scale out when a group is this many messages behind per instance (KEDA's Kafka scaler).
LAG_PER_INSTANCE = 50
# Settings every service shares; secrets never go here (see `secret_environment`).
SHARED_CONFIG = {
    "ENVIRONMENT": "production",
    "HTTP_HOST": "0.0.0.0",  # noqa: S104 - inside the pod; the Service is the only way in
    "KAFKA_BOOTSTRAP_SERVERS": "kafka.kafka.svc:9092",
    "KAFKA_ENABLE_IDEMPOTENCE": "true",
    "KAFKA_TOPIC_PARTITIONS": str(PARTITIONS),
    "KAFKA_REPLICATION_FACTOR": "3",
    "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
    "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
    "KAFKA_SSL_CA_FILE": "/etc/enterprise-page/ca/ca.crt",
    "MONGODB_URI": "mongodb://mongodb-0.mongodb.mongodb.svc,mongodb-1.mongodb.mongodb.svc,"
    "mongodb-2.mongodb.mongodb.svc/?replicaSet=rs0",
    "MONGODB_DATABASE_PREFIX": "enterprise_",
    "MONGODB_TLS": "true",
    "MONGODB_TLS_CA_FILE": "/etc/enterprise-page/ca/ca.crt",
    "REGISTRATION_SERVICE_URL": "http://registration:8001",
    "CREDIT_SERVICE_URL": "http://credit:8013",
    "CREDIT_PUBLIC_URL": "https://credit.example",
    "REGISTRATION_PUBLIC_URL": "https://registration.example",
    "NOTIFIER_PUBLIC_URL": "https://page.example",
    "LOG_LEVEL": "INFO",
    # Spans go to the cluster's OpenTelemetry Collector, which exports them to the operators'
    # tracing backend and to the notifier's trace sink (http://notifier:8002/v1/traces, with
    # TRACES_TOKEN in its Authorization header) for the waterfalls on /ops.
    "OTEL_TRACES_EXPORTER": "otlp",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://otel-collector.observability.svc:4318/v1/traces",
}
# Per-service credentials for the broker and the database (each service its own principal).
CONNECTION_SECRETS = (
    "KAFKA_SASL_USERNAME",
    "KAFKA_SASL_PASSWORD",
    "MONGODB_USERNAME",
    "MONGODB_PASSWORD",
)
# Requests sized from `make bench` (CPU per registration per process at 10/s; docs/benchmark.md)
# with room for bursts; memory from the processes' resident size under load.
RESOURCES = {
    "registration": ("250m", "256Mi", "1", "512Mi"),
    "notifier": ("250m", "384Mi", "1", "768Mi"),
}
DEPARTMENT_RESOURCES = ("100m", "192Mi", "500m", "384Mi")


def labels(service: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": service, "app.kubernetes.io/part-of": NAMESPACE}


def secret_name(service: str) -> str:
    return f"{service.replace('_', '-')}-secrets"


def resource_name(service: str) -> str:
    return service.replace("_", "-")  # Kubernetes names allow no underscore


def secret_environment(service: str) -> list[dict[str, Any]]:
    """Each secret the service reads, from its own Secret object: never a literal value."""
    return [
        {
            "name": key,
            "valueFrom": {"secretKeyRef": {"name": secret_name(service), "key": key}},
        }
        for key in (*secrets_used_by(service), *CONNECTION_SECRETS)
    ]


def deployment(service: str, port: int) -> dict[str, Any]:
    cpu, memory, cpu_limit, memory_limit = RESOURCES.get(service, DEPARTMENT_RESOURCES)
    probe = {"httpGet": {"path": "/healthz", "port": "http"}, "timeoutSeconds": 4}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": resource_name(service), "labels": labels(service)},
        "spec": {
            "replicas": 1,  # KEDA owns the count from here (ScaledObject)
            "selector": {"matchLabels": labels(service)},
            "template": {
                "metadata": {"labels": labels(service)},
                "spec": {
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001},
                    # A rebalance hands partitions over on SIGTERM; give it time to commit.
                    "terminationGracePeriodSeconds": 30,
                    "containers": [
                        {
                            "name": resource_name(service),
                            "image": IMAGE,
                            "args": [service],
                            "ports": [{"name": "http", "containerPort": port}],
                            "envFrom": [{"configMapRef": {"name": "enterprise-page-config"}}],
                            "env": [
                                {"name": "SERVICE_NAME", "value": service},
                                {"name": "HTTP_PORT", "value": str(port)},
                                *secret_environment(service),
                            ],
                            # /healthz answers 503 until the broker and the database answer.
                            "readinessProbe": {**probe, "periodSeconds": 5},
                            "livenessProbe": {
                                **probe,
                                "periodSeconds": 10,
                                "failureThreshold": 6,
                                "initialDelaySeconds": 30,
                            },
                            "resources": {
                                "requests": {"cpu": cpu, "memory": memory},
                                "limits": {"cpu": cpu_limit, "memory": memory_limit},
                            },
                            "securityContext": {
                                "allowPrivilegeEscalation": False,
                                "capabilities": {"drop": ["ALL"]},
                            },
                            "volumeMounts": [
                                {"name": "ca", "mountPath": "/etc/enterprise-page/ca"}
                            ],
                        }
                    ],
                    "volumes": [{"name": "ca", "configMap": {"name": "enterprise-page-ca"}}],
                },
            },
        },
    }


def service_object(service: str, port: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": resource_name(service), "labels": labels(service)},
        "spec": {
            "selector": labels(service),
            "ports": [{"name": "http", "port": port, "targetPort": "http"}],
        },
    }


def disruption_budget(service: str) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": resource_name(service), "labels": labels(service)},
        # One instance down at a time: a drain still proceeds with a single replica, and the
        # group's other members (or the restarted pod) take its partitions over.
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": labels(service)}},
    }


def consumer_groups(service: str) -> list[str]:
    """The groups on the critical path this service hosts: what its scaling follows."""
    if service == NOTIFIER:
        return [TOPOLOGY.subscription_for(NOTIFIER).group_id]
    return [
        TOPOLOGY.subscription_for(d.name).group_id
        for d in TOPOLOGY.departments
        if d.service == service
    ]


def scaled_object(service: str) -> dict[str, Any]:
    triggers = [
        {
            "type": "kafka",
            "metadata": {
                "bootstrapServers": SHARED_CONFIG["KAFKA_BOOTSTRAP_SERVERS"],
                "consumerGroup": group,
                "lagThreshold": str(LAG_PER_INSTANCE),
                "sasl": "scram_sha512",
                "tls": "enable",
            },
            "authenticationRef": {"name": "kafka-lag-reader"},
        }
        for group in consumer_groups(service)
    ]
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": resource_name(service), "labels": labels(service)},
        "spec": {
            "scaleTargetRef": {"name": resource_name(service)},
            "minReplicaCount": 1,
            "maxReplicaCount": PARTITIONS,
            "triggers": triggers,
        },
    }


def lag_reader_authentication() -> dict[str, Any]:
    """How KEDA reads the groups' lag: its own broker principal, from its own Secret."""
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "TriggerAuthentication",
        "metadata": {"name": "kafka-lag-reader"},
        "spec": {
            "secretTargetRef": [
                {"parameter": parameter, "name": "kafka-lag-reader", "key": parameter}
                for parameter in ("username", "password", "ca")
            ]
        },
    }


def manifests() -> dict[str, list[dict[str, Any]]]:
    """File name -> the documents in it."""
    files: dict[str, list[dict[str, Any]]] = {
        "namespace.yaml": [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
        ],
        "config.yaml": [
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "enterprise-page-config"},
                "data": SHARED_CONFIG,
            }
        ],
        "keda-authentication.yaml": [lag_reader_authentication()],
    }
    for service, port in SERVICES:
        files[f"{resource_name(service)}.yaml"] = [
            deployment(service, port),
            service_object(service, port),
            disruption_budget(service),
            scaled_object(service),
        ]
    files["kustomization.yaml"] = [
        {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "namespace": NAMESPACE,
            "resources": list(files),
        }
    ]
    return files


class _PlainDumper(yaml.SafeDumper):
    """No anchors and aliases: each manifest reads on its own."""

    def ignore_aliases(self, data: Any) -> bool:  # noqa: ANN401, ARG002 - PyYAML's signature
        return True


def render(documents: list[dict[str, Any]]) -> str:
    header = "# Generated by `python -m tools.k8s_manifests`; edit that, not this.\n"
    return header + "---\n".join(
        yaml.dump(d, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True) for d in documents
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    wanted = {name: render(docs) for name, docs in manifests().items()}
    if args.check:
        stale = sorted(
            name
            for name, text in wanted.items()
            if not (OUT / name).exists() or (OUT / name).read_text("utf-8") != text
        )
        extra = sorted(p.name for p in OUT.glob("*.yaml") if p.name not in wanted)
        for name in [*stale, *extra]:
            print(f"deploy/k8s/{name}: 与生成结果不一致 / differs from the generated manifests")
        return 1 if stale or extra else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in wanted.items():
        (OUT / name).write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
