"""Annual reports (企业年报) on the real stack: the report's window, a missed deadline listed as
abnormal and seen by the credit portrait, then the late report and the removal.

An enterprise founded today owes nothing until 1 January. To have one that missed a deadline,
the test moves its licence's founding date back to 2025 (as if it had been founded then); the
registration service's own clock (every second in the test stack) then finds the 2025 report
missing, 30 June 2026 having passed, and lists it.
"""

from typing import Any

import httpx
import pytest

from tests.conftest import LiveStack
from tests.e2e.test_credit import fresh_persons
from tests.e2e.test_delivery import bearer, choose, timeline_until
from tests.e2e.test_deregistration import completed_enterprise
from tests.support.stored import set_stored

pytestmark = pytest.mark.e2e

REPORT = {
    "operating_state": "operating",
    "employees": 12,
    "insured_employees": 10,
    "total_assets_yuan": "1250000.00",
    "revenue_yuan": "3400000.50",
    "net_profit_yuan": "-20000.00",
    "tax_paid_yuan": "85000.00",
    "publish_financials": False,
}


async def founded_in_2025(stack: LiveStack, rid: str) -> None:
    fields = {"licence.founding_date": "2025-03-01", "report_checked_through": 2024}
    await set_stored(stack, "registration", "licences", {"registration_id": rid}, fields)


def year_state(year: str, state: str) -> Any:
    return lambda t: ((t.get("annual_reports") or {}).get(year) or {}).get("state") == state


async def test_a_missed_report_is_listed_as_abnormal_then_filed_late_and_removed(
    live_stack: LiveStack, sample_form: dict[str, Any]
) -> None:
    registration = live_stack.registration_url
    async with httpx.AsyncClient(timeout=10) as client:
        # Persons of its own: the listing lowers the credit class of everyone related to the
        # listed enterprise, which would route the next tests' registrations to officers.
        rid, token = await completed_enterprise(client, live_stack, fresh_persons(sample_form))
        reports = f"{registration}/api/v1/registrations/{rid}/annual-reports"
        assert (await client.get(reports)).status_code == 401
        current = await choose(client, f"{reports}/2026", token, REPORT)
        assert current.status_code == 409  # 2026 is reported on from 1 January 2027
        assert current.json()["code"] == "annual_report_not_open"
        before = await client.get(reports, headers=bearer(token))
        assert [y["state"] for y in before.json()["years"]] == ["not_open"]
        draft = before.json()["draft"]
        assert draft["employees"] == sample_form["employment"]["employee_count"]
        bad = {**REPORT, "employees": -1}
        assert (
            await client.post(f"{reports}/2025", json=bad, headers=bearer(token))
        ).status_code == 422

        first = await timeline_until(
            client, live_stack, rid, token, lambda t: bool(t.get("credit"))
        )
        rated = first["credit"]["credit_class"]
        assert rated in {"A", "B"}

        await founded_in_2025(live_stack, rid)
        listed = await timeline_until(
            client, live_stack, rid, token, year_state("2025", "listed_abnormal")
        )
        assert listed["annual_reports"]["2025"]["listed_on"]
        # Credit keeps the listing as an abnormal-operations entry: class C at best.
        await timeline_until(
            client, live_stack, rid, token, lambda t: t["credit"]["credit_class"] in {"C", "D"}
        )
        years = (await client.get(reports, headers=bearer(token))).json()["years"]
        assert [(y["year"], y["state"]) for y in years] == [
            (2025, "listed_abnormal"),
            (2026, "not_open"),
        ]

        early = await client.post(f"{reports}/2025/removal", headers=bearer(token))
        assert early.status_code == 409
        assert early.json()["code"] == "annual_report_not_filed"
        filed = await client.post(f"{reports}/2025", json=REPORT, headers=bearer(token))
        assert filed.status_code == 202, filed.text
        assert filed.json() == {"year": 2025, "state": "filed_late", "late": True}
        again = await client.post(f"{reports}/2025", json=REPORT, headers=bearer(token))
        assert again.status_code == 200
        other = {**REPORT, "employees": 13}
        conflict = await client.post(f"{reports}/2025", json=other, headers=bearer(token))
        assert conflict.json()["code"] == "annual_report_already_filed"

        removed = await client.post(f"{reports}/2025/removal", headers=bearer(token))
        assert removed.status_code == 202
        timeline = await timeline_until(
            client,
            live_stack,
            rid,
            token,
            lambda t: year_state("2025", "removed")(t) and t["credit"]["credit_class"] == rated,
        )
        steps = [e["status"] for e in timeline["entries"] if e["department"] == "annual_report"]
        assert steps == ["listed_abnormal", "filed_late", "removed"]
        # The figures stay with market regulation: not on the enterprise's timeline.
        assert "3400000.50" not in str(timeline)
