"""Every service serves Prometheus metrics, to the scraper's token only, with no personal data."""

from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from contracts.topology import TOPOLOGY, department_group
from tests.conftest import LiveStack, submit, wait_for_overall

pytestmark = pytest.mark.e2e

DEVELOPMENT_TOKEN = "local-development-only-metrics"  # the default METRICS_TOKEN under make run
EVERY_SERVICE = {
    "enterprise_messages_handled",
    "enterprise_batch_size",
    "enterprise_handler_seconds",
    "enterprise_http_request_seconds",
    "enterprise_outbox_backlog",
    "enterprise_outbox_oldest_seconds",
}
NOTIFIER_ONLY = {
    "enterprise_consumer_lag",
    "enterprise_live_streams_open",
    "enterprise_registrations_completed",
}


async def scrape(client: httpx.AsyncClient, port: int) -> tuple[dict[str, list[Sample]], str]:
    response = await client.get(
        f"http://127.0.0.1:{port}/metrics",
        headers={"Authorization": f"Bearer {DEVELOPMENT_TOKEN}"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    families = {f.name: f.samples for f in text_string_to_metric_families(response.text)}
    return families, response.text


def personal_values(value: object) -> set[str]:
    if isinstance(value, dict):
        return {
            found
            for key, item in value.items()
            for found in (
                {str(item)} if key in {"id_number", "mobile", "email"} else personal_values(item)
            )
        }
    if isinstance(value, list):
        return {found for item in value for found in personal_values(item)}
    return set()


async def test_each_service_reports_its_work_after_a_registration(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        rid, token = await submit(client, live_stack, sample_form)
        await wait_for_overall(client, live_stack, rid, token, {"completed"}, timeout=90)
        pages = {name: await scrape(client, port) for name, port in live_stack.ports.items()}
    scraped = {name: families for name, (families, _) in pages.items()}
    for service, families in scraped.items():
        assert set(families) >= EVERY_SERVICE, (service, EVERY_SERVICE - set(families))
    assert set(scraped["notifier"]) >= NOTIFIER_ONLY
    for department in TOPOLOGY.departments:
        host = "registration" if department.name == "market" else department.name
        handled = {
            s.labels["group"]: s.value
            for s in scraped[host]["enterprise_messages_handled"]
            if s.name.endswith("_total")
        }
        assert handled.get(department_group(department.name), 0) >= 1, (department.name, handled)
    lag_groups = {s.labels["group"] for s in scraped["notifier"]["enterprise_consumer_lag"]}
    assert {department_group(d.name) for d in TOPOLOGY.departments} <= lag_groups
    routes = {s.labels["route"] for s in scraped["registration"]["enterprise_http_request_seconds"]}
    assert "/api/v1/registrations" in routes
    personal = personal_values(sample_form)
    assert personal
    for service, (_, text) in pages.items():  # labels name routes and groups, never a person
        assert rid not in text, service
        assert not {v for v in personal if v in text}, service


async def test_metrics_need_the_scrapers_token(live_stack: LiveStack) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        url = f"{live_stack.registration_url}/metrics"
        anonymous = await client.get(url)
        wrong = await client.get(url, headers={"Authorization": "Bearer not-the-token"})
    for response in (anonymous, wrong):
        assert response.status_code == 401
        assert response.json()["code"] == "metrics_token_required"
        assert response.headers["www-authenticate"] == "Bearer"
