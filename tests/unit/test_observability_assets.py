"""The alert rules and the Grafana dashboard parse, and name only metrics the services export."""

import json
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

import service_runtime.metrics  # noqa: F401 - registers the families
from service_runtime.metrics import HttpMetrics, install_metrics_endpoint

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
RULES = DEPLOY / "prometheus" / "alerts.yml"
DASHBOARD = DEPLOY / "grafana" / "enterprise-page.json"
DURATION = r"^\d+[smhd]$"


def exported_series() -> set[str]:
    """Every sample name the registry can produce (counters' _total, histograms' _bucket...)."""
    names: set[str] = set()
    for family in REGISTRY.collect():
        if not family.name.startswith("enterprise_"):
            continue
        suffixes = {
            "counter": ("_total", "_created"),
            "histogram": ("_bucket", "_sum", "_count", "_created"),
            "gauge": ("",),
        }[family.type]
        names |= {family.name + suffix for suffix in suffixes}
    return names


def selectors(expr: promql_parser.Expr) -> set[str | None]:
    """Metric names an expression selects, found by walking its syntax tree."""
    found: set[str | None] = set()

    def walk(node: object) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            found.add(node.name)
            return
        for attribute in ("expr", "lhs", "rhs", "vector_selector", "param"):
            child = getattr(node, attribute, None)
            if child is not None:
                walk(child)
        for child in getattr(node, "args", None) or ():
            walk(child)

    walk(expr)
    return found


def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard_expressions() -> list[str]:
    panels = json.loads(DASHBOARD.read_text(encoding="utf-8"))["panels"]
    return [target["expr"] for panel in panels for target in panel["targets"]]


@pytest.mark.parametrize("rule", rules(), ids=lambda r: r["alert"])
def test_each_alert_rule_is_well_formed_and_watches_exported_metrics(rule: dict[str, Any]) -> None:
    assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}
    assert rule["labels"]["severity"] in {"warning", "critical"}
    assert {"summary_zh", "summary_en"} <= set(rule["annotations"])
    if "for" in rule:
        assert promql_parser.parse_duration(rule["for"])
    names = selectors(promql_parser.parse(rule["expr"]))
    assert names, rule["alert"]
    assert names <= exported_series(), names - exported_series()


def test_the_alerts_cover_lag_outbox_dead_letters_and_deadlines() -> None:
    watched = set().union(*(selectors(promql_parser.parse(r["expr"])) for r in rules()))
    assert {
        "enterprise_consumer_lag",
        "enterprise_outbox_oldest_seconds",
        "enterprise_messages_dead_lettered_total",
        "enterprise_deadline_breaches_total",
    } <= watched


@pytest.mark.parametrize("expr", dashboard_expressions())
def test_each_dashboard_query_parses_and_names_exported_metrics(expr: str) -> None:
    names = selectors(promql_parser.parse(expr))
    assert names
    assert names <= exported_series(), names - exported_series()


def test_the_metrics_endpoint_wants_the_token_and_labels_routes_by_template() -> None:
    app = FastAPI()
    install_metrics_endpoint(app, "t" * 32, list)
    app.add_middleware(HttpMetrics)

    @app.get("/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    with TestClient(app) as client:
        client.get("/things/4401-secret-id")
        client.get("/no/such/path/99")
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": "Bearer " + "x" * 32})
        assert wrong.status_code == 401
        response = client.get("/metrics", headers={"Authorization": "Bearer " + "t" * 32})
    assert response.status_code == 200
    assert "4401-secret-id" not in response.text
    samples = [
        s
        for f in text_string_to_metric_families(response.text)
        if f.name == "enterprise_http_request_seconds"
        for s in f.samples
    ]
    routes = {s.labels["route"] for s in samples}
    assert {"/things/{thing_id}", "unmatched"} <= routes
    assert "/metrics" not in routes
