"""Credit indicators: the registry is complete, and each indicator moves the way it says.

For every indicator, a pair of enterprises that differ in what it measures: the better one must
read higher on a higher-is-better indicator and lower on a higher-is-worse one — and must score
higher in the portrait. Hypothesis checks every value stays in [0, 1] whatever the facts.
"""

import dataclasses
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.form import EnterpriseType
from services.credit.facts import CreditList, DecisionFact, EnterpriseFacts, ListEntry, SubjectKind
from services.credit.indicators import DIMENSIONS, INDICATORS, INDICATORS_BY_NAME
from services.credit.portrait import compute_portrait

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 6, 30)
USCC = "91440115MA5XXXXX0X"
RELATED_IDS = ("91440300AAAAAAAA1A", "91440300BBBBBBBB2B", "91440300CCCCCCCC3C")
PERSON_ID = "440106199001011234"


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def entry(
    credit_list: CreditList,
    listed_days_ago: int = 30,
    removed_days_ago: int | None = None,
    amount: int | None = None,
    kind: SubjectKind = "enterprise",
    subject_id: str = USCC,
) -> ListEntry:
    return ListEntry(
        list=credit_list,
        entry_id=f"{credit_list}-{listed_days_ago}-{removed_days_ago}-{amount}-{subject_id}",
        subject_kind=kind,
        subject_id=subject_id,
        subject_name="示例",
        listed_on=days_ago(listed_days_ago),
        removed_on=None if removed_days_ago is None else days_ago(removed_days_ago),
        authority="示例单位",
        reason="示例",
        amount_yuan=None if amount is None else Decimal(amount),
    )


def person(credit_list: CreditList, removed_days_ago: int | None = None) -> ListEntry:
    return entry(credit_list, 200, removed_days_ago, kind="person", subject_id=PERSON_ID)


def related(credit_list: CreditList, subject_id: str = RELATED_IDS[0]) -> ListEntry:
    return entry(credit_list, 200, subject_id=subject_id)


def decision(
    status: Literal["approved", "rejected", "not_applicable"] = "approved",
    decided_by: Literal["rules", "officer", "system"] = "rules",
    corrections: int = 0,
) -> DecisionFact:
    return DecisionFact(
        department="market",
        status=status,
        decided_by=decided_by,
        decided_at=datetime(2023, 6, 30, tzinfo=UTC),
        corrections=corrections,
    )


BASE = EnterpriseFacts(
    uscc=USCC,
    name="广州南沙示例科技有限公司",
    enterprise_type=EnterpriseType.LIMITED_LIABILITY_COMPANY,
    area="nansha",
    founded_on=days_ago(3 * 365),
    registered_capital_yuan=Decimal(1_000_000),
    business_term_years=20,
    scope_items=5,
    employee_count=20,
    decisions=(decision(), decision(), decision(decided_by="officer")),
)


def with_(**changes: Any) -> EnterpriseFacts:
    return dataclasses.replace(BASE, **changes)


L = CreditList
# name → (better enterprise, worse enterprise), differing in what the indicator measures.
CASES: dict[str, tuple[EnterpriseFacts, EnterpriseFacts]] = {
    "years_since_founding": (with_(founded_on=days_ago(8 * 365)), with_(founded_on=None)),
    "registered_capital_band": (
        with_(registered_capital_yuan=Decimal(50_000_000)),
        with_(registered_capital_yuan=Decimal(50_000)),
    ),
    "business_term": (with_(business_term_years=None), with_(business_term_years=10)),
    "scope_breadth": (with_(scope_items=10), with_(scope_items=2)),
    "legal_form_governance": (
        with_(enterprise_type=EnterpriseType.JOINT_STOCK_COMPANY),
        with_(enterprise_type=EnterpriseType.SOLE_PROPRIETORSHIP),
    ),
    "status_cancelled": (BASE, with_(status="cancelled")),
    "employee_band": (with_(employee_count=300), with_(employee_count=0)),
    "abnormal_operations_active": (
        with_(entries=(entry(L.ABNORMAL_OPERATIONS, 300, 100),)),
        with_(entries=(entry(L.ABNORMAL_OPERATIONS, 300),)),
    ),
    "abnormal_operations_3y": (
        with_(entries=(entry(L.ABNORMAL_OPERATIONS, 4 * 365, 3 * 365),)),
        with_(entries=tuple(entry(L.ABNORMAL_OPERATIONS, d, d - 20) for d in (100, 400, 700))),
    ),
    "abnormal_operations_repaired": (
        with_(entries=(entry(L.ABNORMAL_OPERATIONS, 300, 100),)),
        with_(entries=(entry(L.ABNORMAL_OPERATIONS, 300),)),
    ),
    "approvals_held": (with_(decisions=(decision(),) * 5), with_(decisions=(decision(),))),
    "instant_approval_ratio": (
        with_(decisions=(decision(),) * 3),
        with_(decisions=(decision(decided_by="officer"),) * 3),
    ),
    "serious_violation_active": (
        with_(entries=(entry(L.SERIOUS_VIOLATIONS, 6 * 365, 5 * 365),)),
        with_(entries=(entry(L.SERIOUS_VIOLATIONS, 6 * 365),)),
    ),
    "serious_violations_5y": (
        with_(entries=(entry(L.SERIOUS_VIOLATIONS, 6 * 365, 5 * 365 + 100),)),
        with_(entries=(entry(L.SERIOUS_VIOLATIONS, 2 * 365, 365),)),
    ),
    "penalties_1y": (
        with_(entries=(entry(L.ADMINISTRATIVE_PENALTIES, 2 * 365, amount=1000),)),
        with_(entries=(entry(L.ADMINISTRATIVE_PENALTIES, 90, amount=1000),)),
    ),
    "penalties_3y": (
        with_(entries=(entry(L.ADMINISTRATIVE_PENALTIES, 4 * 365, amount=1000),)),
        with_(entries=(entry(L.ADMINISTRATIVE_PENALTIES, 2 * 365, amount=1000),)),
    ),
    "penalty_amount_3y": (
        with_(entries=(entry(L.ADMINISTRATIVE_PENALTIES, 2 * 365, amount=1000),)),
        with_(entries=(entry(L.ADMINISTRATIVE_PENALTIES, 2 * 365 + 1, amount=500_000),)),
    ),
    "department_rejections": (BASE, with_(decisions=(*BASE.decisions, decision("rejected")))),
    "corrections_requested": (BASE, with_(decisions=(*BASE.decisions, decision(corrections=3)))),
    "person_serious_violation_active": (
        with_(person_entries=(person(L.SERIOUS_VIOLATIONS, 100),)),
        with_(person_entries=(person(L.SERIOUS_VIOLATIONS),)),
    ),
    "dishonest_debtor_active": (BASE, with_(entries=(entry(L.DISHONEST_DEBTORS, amount=10**6),))),
    "dishonest_debtor_5y": (BASE, with_(entries=(entry(L.DISHONEST_DEBTORS, 2 * 365, 365),))),
    "person_dishonest_debtor_active": (
        with_(person_entries=(person(L.DISHONEST_DEBTORS, 100),)),
        with_(person_entries=(person(L.DISHONEST_DEBTORS),)),
    ),
    "court_judgments_3y": (
        BASE,
        with_(entries=tuple(entry(L.COURT_JUDGMENTS, d) for d in (100, 200, 300))),
    ),
    "court_judgment_amount_3y": (
        with_(entries=(entry(L.COURT_JUDGMENTS, 100, amount=10_000),)),
        with_(entries=(entry(L.COURT_JUDGMENTS, 101, amount=5_000_000),)),
    ),
    "related_enterprise_dishonest": (
        with_(related_entries=(related(L.ABNORMAL_OPERATIONS),)),
        with_(related_entries=(related(L.DISHONEST_DEBTORS),)),
    ),
    "related_enterprises_listed": (
        with_(related_entries=(related(L.ABNORMAL_OPERATIONS),)),
        with_(related_entries=tuple(related(L.ABNORMAL_OPERATIONS, i) for i in RELATED_IDS)),
    ),
    "tax_arrears_active": (
        with_(entries=(entry(L.TAX_ARREARS, 200, 100, 5000),)),
        with_(entries=(entry(L.TAX_ARREARS, 200, None, 5000),)),
    ),
    "tax_arrears_amount": (
        with_(entries=(entry(L.TAX_ARREARS, 200, amount=1000),)),
        with_(entries=(entry(L.TAX_ARREARS, 200, amount=500_000),)),
    ),
    "tax_arrears_3y": (
        with_(entries=(entry(L.TAX_ARREARS, 500, 400, 5000),)),
        with_(entries=tuple(entry(L.TAX_ARREARS, d, d - 50, 5000) for d in (200, 500, 800))),
    ),
    "tax_arrears_duration": (
        with_(entries=(entry(L.TAX_ARREARS, 30, amount=5000),)),
        with_(entries=(entry(L.TAX_ARREARS, 2 * 365, amount=5000),)),
    ),
    "related_tax_arrears": (
        with_(related_entries=(related(L.ABNORMAL_OPERATIONS),)),
        with_(related_entries=(related(L.TAX_ARREARS),)),
    ),
    "social_insurance_arrears_active": (
        with_(entries=(entry(L.SOCIAL_INSURANCE_ARREARS, 200, 100, 5000),)),
        with_(entries=(entry(L.SOCIAL_INSURANCE_ARREARS, 200, None, 5000),)),
    ),
    "social_insurance_arrears_amount": (
        with_(entries=(entry(L.SOCIAL_INSURANCE_ARREARS, 200, amount=1000),)),
        with_(entries=(entry(L.SOCIAL_INSURANCE_ARREARS, 200, amount=300_000),)),
    ),
    "social_insurance_arrears_3y": (
        with_(entries=(entry(L.SOCIAL_INSURANCE_ARREARS, 500, 400, 5000),)),
        with_(
            entries=tuple(
                entry(L.SOCIAL_INSURANCE_ARREARS, d, d - 50, 5000) for d in (200, 500, 800)
            )
        ),
    ),
    "social_insurance_arrears_duration": (
        with_(entries=(entry(L.SOCIAL_INSURANCE_ARREARS, 30, amount=5000),)),
        with_(entries=(entry(L.SOCIAL_INSURANCE_ARREARS, 2 * 365, amount=5000),)),
    ),
    "complaints_received": (with_(complaints=1), with_(complaints=12)),
    "complaints_per_employee": (
        with_(complaints=2, employee_count=200),
        with_(complaints=2, employee_count=3),
    ),
}


def test_the_registry_has_at_least_30_indicators_with_unique_snake_case_names() -> None:
    names = [i.name for i in INDICATORS]
    assert len(names) >= 30
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", n) for n in names)


def test_every_dimension_is_covered_and_every_registration_is_complete() -> None:
    assert {i.dimension for i in INDICATORS} == set(DIMENSIONS)
    for i in INDICATORS:
        assert i.weight > 0, i.name
        assert i.direction in {"higher_is_better", "higher_is_worse"}, i.name
        assert i.label_zh, i.name
        assert i.label_en, i.name
        assert i.source, i.name


def test_every_indicator_has_a_case_below() -> None:
    assert set(CASES) == set(INDICATORS_BY_NAME)


def test_every_indicator_is_in_the_docs_table() -> None:
    page = (ROOT / "docs" / "credit.md").read_text("utf-8")
    assert [i.name for i in INDICATORS if f"| `{i.name}` |" not in page] == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_indicator_moves_in_its_documented_direction(name: str) -> None:
    indicator = INDICATORS_BY_NAME[name]
    better, worse = CASES[name]
    on_better, on_worse = indicator(better, TODAY), indicator(worse, TODAY)
    if indicator.direction == "higher_is_better":
        assert on_better > on_worse
    else:
        assert on_worse > on_better


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_better_enterprise_of_each_pair_scores_higher(name: str) -> None:
    better, worse = CASES[name]
    assert compute_portrait(better, TODAY).raw_score > compute_portrait(worse, TODAY).raw_score


def test_a_clean_enterprise_reads_zero_on_every_higher_is_worse_indicator() -> None:
    worse_side = [i for i in INDICATORS if i.direction == "higher_is_worse"]
    assert {i.name: i(BASE, TODAY) for i in worse_side if i(BASE, TODAY)} == {}


def test_entries_listed_after_today_do_not_count_yet() -> None:
    future = with_(entries=(entry(CreditList.TAX_ARREARS, -10, amount=5000),))
    assert INDICATORS_BY_NAME["tax_arrears_active"](future, TODAY) == 0.0
    assert INDICATORS_BY_NAME["tax_arrears_3y"](future, TODAY) == 0.0


# --- every value in [0, 1], whatever the facts ------------------------------------------------

days = st.dates(date(1990, 1, 1), date(2040, 1, 1))


@st.composite
def list_entries(draw: st.DrawFn, kind: SubjectKind = "enterprise") -> ListEntry:
    return ListEntry(
        list=draw(st.sampled_from(CreditList)),
        entry_id=str(draw(st.integers(0, 10**9))),
        subject_kind=kind,
        subject_id=draw(st.sampled_from((USCC, *RELATED_IDS, PERSON_ID))),
        subject_name="示例",
        listed_on=draw(days),
        removed_on=draw(st.none() | days),
        authority="示例单位",
        reason="示例",
        amount_yuan=draw(st.none() | st.decimals(0, 10**12, places=2)),
    )


@st.composite
def enterprise_facts(draw: st.DrawFn) -> EnterpriseFacts:
    decisions = st.builds(
        DecisionFact,
        department=st.sampled_from(("market", "tax", "bank")),
        status=st.sampled_from(("approved", "rejected", "not_applicable")),
        decided_by=st.sampled_from(("rules", "officer", "system")),
        decided_at=st.just(datetime(2024, 1, 1, tzinfo=UTC)),
        corrections=st.integers(0, 20),
    )
    return EnterpriseFacts(
        uscc=USCC,
        name="示例",
        enterprise_type=draw(st.sampled_from([*EnterpriseType, "unknown"])),
        area="nansha",
        founded_on=draw(st.none() | days),
        registered_capital_yuan=draw(st.decimals(0, 10**12, places=2)),
        business_term_years=draw(st.none() | st.integers(1, 100)),
        scope_items=draw(st.integers(0, 60)),
        employee_count=draw(st.integers(0, 100_000)),
        status=draw(st.sampled_from(("registered", "cancelled"))),
        entries=tuple(draw(st.lists(list_entries(), max_size=8))),
        person_entries=tuple(draw(st.lists(list_entries("person"), max_size=3))),
        related_entries=tuple(draw(st.lists(list_entries(), max_size=4))),
        decisions=tuple(draw(st.lists(decisions, max_size=8))),
        complaints=draw(st.integers(0, 1000)),
    )


@settings(max_examples=300, deadline=None)
@given(facts=enterprise_facts(), today=days)
def test_every_indicator_value_is_between_0_and_1(facts: EnterpriseFacts, today: date) -> None:
    values = {i.name: i(facts, today) for i in INDICATORS}
    assert {name: v for name, v in values.items() if not 0.0 <= v <= 1.0} == {}
