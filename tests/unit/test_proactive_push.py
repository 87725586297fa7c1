"""Reminders due on a given day, policy targeting, dashboard figures and signed sessions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.notices import EnterpriseSize, PolicyTargeting, ReminderKind
from service_runtime.access import read_claims, sign_claims, token_grants
from services.notifier.audience import reachable_at
from services.notifier.metrics import percentile, processing, status_counts
from services.notifier.profile import matches, size_of
from services.notifier.progress import progress_notice
from services.notifier.reminders import due_reminders
from services.notifier.timeline_reads import TimelineRow
from tests.support.events import status_event

REGISTERED = date(2026, 11, 22)


def kinds(
    today: date, registered: date = REGISTERED, term: int | None = None
) -> set[tuple[ReminderKind, str]]:
    return {(r.kind, r.period) for r in due_reminders(registered, term, today)}


def test_nothing_is_due_in_the_month_of_registration() -> None:
    assert kinds(date(2026, 11, 30)) == set()


def test_the_annual_report_window_runs_from_1_january_to_30_june_for_the_year_before() -> None:
    assert (ReminderKind.ANNUAL_REPORT, "2026") in kinds(date(2027, 1, 1))
    assert (ReminderKind.ANNUAL_REPORT, "2026") in kinds(date(2027, 6, 30))
    assert not any(k == ReminderKind.ANNUAL_REPORT for k, _ in kinds(date(2027, 7, 1)))
    # Registered in 2027: the first report is for 2027, due in 2028.
    assert not any(
        k == ReminderKind.ANNUAL_REPORT for k, _ in kinds(date(2027, 3, 1), date(2027, 2, 1))
    )


def test_monthly_tax_filing_is_due_until_the_15th() -> None:
    assert (ReminderKind.TAX_FILING, "2026-12") in kinds(date(2026, 12, 15))
    assert not any(k == ReminderKind.TAX_FILING for k, _ in kinds(date(2026, 12, 16)))
    [filing] = [
        r
        for r in due_reminders(REGISTERED, None, date(2026, 12, 3))
        if r.kind == ReminderKind.TAX_FILING
    ]
    assert filing.due_date == date(2026, 12, 15)


def test_a_fixed_business_term_is_reminded_in_its_last_30_days() -> None:
    assert not any(k == ReminderKind.LICENCE_EXPIRY for k, _ in kinds(date(2036, 10, 22), term=10))
    assert (ReminderKind.LICENCE_EXPIRY, "2036-11-22") in kinds(date(2036, 10, 23), term=10)
    assert (ReminderKind.LICENCE_EXPIRY, "2036-11-22") in kinds(date(2036, 11, 22), term=10)
    assert not any(k == ReminderKind.LICENCE_EXPIRY for k, _ in kinds(date(2036, 11, 23), term=10))


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31)))
def test_every_reminder_falls_due_on_or_after_the_day_it_is_shown(today: date) -> None:
    for reminder in due_reminders(date(2019, 5, 5), 20, today):
        assert reminder.due_date >= today
        assert reminder.title_zh
        assert reminder.title_en


PROFILE = {
    "area": "nansha",
    "type": "limited_liability_company",
    "size": "small",
    "industry_code": "I6511",
    "foreign_invested": False,
}


@pytest.mark.parametrize(
    ("targeting", "expected"),
    [
        (PolicyTargeting(), True),
        (PolicyTargeting(areas=["nansha"], industry_code_prefixes=["I65"]), True),
        (PolicyTargeting(areas=["hengqin"]), False),
        (PolicyTargeting(industry_code_prefixes=["C", "I6"]), True),
        (PolicyTargeting(industry_code_prefixes=["I66"]), False),
        (PolicyTargeting(sizes=["micro"]), False),
        (PolicyTargeting(enterprise_types=["foreign_invested_llc"]), False),
        (PolicyTargeting(foreign_invested=True), False),
        (PolicyTargeting(foreign_invested=False), True),
    ],
)
def test_a_policy_reaches_an_enterprise_only_when_every_given_tag_matches(
    targeting: PolicyTargeting,
    expected: bool,  # noqa: FBT001 - pytest passes parameters by name
) -> None:
    assert matches(PROFILE, targeting) is expected


def test_an_enterprise_without_an_industry_code_matches_no_industry_prefix() -> None:
    assert not matches(
        {**PROFILE, "industry_code": None}, PolicyTargeting(industry_code_prefixes=["I"])
    )


@pytest.mark.parametrize(
    ("employees", "size"),
    [(0, "micro"), (9, "micro"), (10, "small"), (99, "small"), (100, "medium"), (1000, "large")],
)
def test_size_by_employees(employees: int, size: str) -> None:
    assert size_of(employees) == EnterpriseSize(size)


def test_percentiles_use_the_nearest_rank() -> None:
    values = sorted(float(v) for v in range(1, 101))
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.95) == 95.0
    assert percentile([], 0.5) is None
    assert percentile([3.0], 0.95) == 3.0


def row(**stored: Any) -> TimelineRow:
    """A timeline as a named query reads it: the stored document's fields, parsed."""
    return TimelineRow.of({"_id": "r", **stored})


def test_status_counts_and_queues() -> None:
    docs = [
        {"_id": "a", "overall_status": "in_progress", "departments": {"tax": "in_review"}},
        {
            "_id": "b",
            "overall_status": "in_progress",
            "departments": {"tax": "deadline_breached"},
            "profile": {"name": "甲"},
        },
        {"_id": "c", "overall_status": "completed", "departments": {"tax": "approved"}},
    ]
    counts = status_counts(TimelineRow.of(doc) for doc in docs)
    assert counts["overall"] == {"in_progress": 2, "completed": 1}
    assert counts["queue_depth"] == {"tax": 2}
    assert counts["past_deadline"] == [{"registration_id": "b", "department": "tax", "name": "甲"}]


def test_processing_time_runs_from_submission_or_the_correction_that_opened_the_round() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    submitted = now - timedelta(minutes=10)
    doc = {
        "submitted_at": submitted,
        "entries": [
            {
                "department": "tax",
                "status": "approved",
                "round": 1,
                "occurred_at": submitted + timedelta(seconds=2),
            },
            {
                "department": "police",
                "status": "correction_requested",
                "round": 1,
                "occurred_at": submitted + timedelta(seconds=4),
            },
            {
                "department": "registration",
                "status": "corrected",
                "round": 2,
                "occurred_at": now - timedelta(minutes=1),
            },
            {
                "department": "police",
                "status": "approved",
                "round": 2,
                "occurred_at": now - timedelta(seconds=50),
            },
            {"department": "tax", "status": "in_review", "round": 1, "occurred_at": now},
        ],
    }
    old = {
        "submitted_at": now - timedelta(hours=3),
        "entries": [
            {
                "department": "tax",
                "status": "approved",
                "round": 1,
                "occurred_at": now - timedelta(hours=2),
            }
        ],
    }
    figures = processing([row(**doc), row(**old)], now)
    assert figures["tax"]["decisions"] == 1
    assert figures["tax"]["p50_seconds"] == 2.0
    assert figures["police"]["decisions"] == 2
    assert figures["police"]["p95_seconds"] == 10.0  # round two: 10 s after the correction
    assert sum(figures["police"]["buckets"]) == 2


def test_a_session_claim_set_is_refused_when_forged_expired_or_of_another_purpose() -> None:
    token = sign_claims("s", "session", {"rids": ["a"]}, hours=1)
    claims = read_claims("s", "session", token, max_hours=1)
    assert claims is not None
    assert claims["rids"] == ["a"]
    assert read_claims("s", "officer", token, max_hours=1) is None
    assert read_claims("other", "session", token, max_hours=1) is None
    assert read_claims("s", "session", token[:-2] + "xx", max_hours=1) is None
    assert (
        read_claims("s", "session", sign_claims("s", "session", {}, hours=-1), max_hours=1) is None
    )
    assert read_claims("s", "session", "not a token", max_hours=1) is None
    assert read_claims("s", "session", "\udca0.\u00e9", max_hours=1) is None


def test_a_non_ascii_access_token_is_simply_wrong() -> None:
    assert not token_grants("s", "a" * 32, "\udca0令牌")


def test_only_corrections_refusals_and_completion_go_out_as_progress_notices() -> None:
    asked = progress_notice(status_event("police", "correction_requested", round_=2))
    assert asked is not None
    assert asked.about == "correction:police:2"
    assert asked.title_zh == "公安（印章备案）请您补正材料"
    refused = progress_notice(status_event("tax", "rejected"))
    assert refused is not None
    assert refused.about == "rejected:tax:1"
    for status in ("received", "waiting", "in_review", "approved", "not_applicable"):
        assert progress_notice(status_event("tax", status)) is None


def test_a_policy_reaches_a_registration_as_its_page_stood_when_the_policy_was_published() -> None:
    published = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    before, after = published - timedelta(hours=1), published + timedelta(hours=1)
    refused = {"department": "police", "status": "rejected"}
    assert reachable_at(row(entries=[]), published)  # in progress
    assert not reachable_at(row(withdrawn_at=before), published)
    assert reachable_at(row(withdrawn_at=after), published)  # withdrawn only later
    assert not reachable_at(row(entries=[{**refused, "occurred_at": before}]), published)
    assert reachable_at(row(entries=[{**refused, "occurred_at": after}]), published)
    registration = {"department": "registration", "status": "rejected", "occurred_at": before}
    assert reachable_at(row(entries=[registration]), published)  # not a department's refusal
    # completion is final: a withdrawal recorded after it changes nothing
    assert reachable_at(row(completed_at=before, withdrawn_at=before), published)
