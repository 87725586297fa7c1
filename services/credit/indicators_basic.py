"""Indicators of the dimensions "basic" (基础信息) and "operation" (经营): who the enterprise is
and how it runs. Value convention: indicators_kit.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from contracts.form import EnterpriseType
from services.credit.facts import CreditList, EnterpriseFacts
from services.credit.indicators_kit import (
    Indicator,
    active_listing,
    indicator,
    listed_within,
    recent_listings,
    saturating,
    years_between,
)

MARKET_REGISTER = "market regulation: the enterprise register (登记信息)"
ABNORMAL_LIST = "market regulation: abnormal_operations list (经营异常名录)"
DECISIONS = "department decisions on the enterprise's registrations (DepartmentDecided)"

# Lower edges, in yuan, of the registered-capital bands (注册资本): 0 / 0.25 / … / 1.
CAPITAL_BAND_EDGES = (100_000, 1_000_000, 10_000_000, 100_000_000)
# Lower edges of the headcount bands (micro / small / medium / large, as in the SME rules).
EMPLOYEE_BAND_EDGES = (1, 10, 50, 250)
# How much the legal form obliges the enterprise to keep accounts and governance in the open.
GOVERNANCE_BY_TYPE: dict[str, float] = {
    EnterpriseType.JOINT_STOCK_COMPANY: 1.0,
    EnterpriseType.LIMITED_LIABILITY_COMPANY: 0.75,
    EnterpriseType.FOREIGN_INVESTED_LLC: 0.75,
    EnterpriseType.BRANCH: 0.5,
    EnterpriseType.PARTNERSHIP: 0.5,
    EnterpriseType.SOLE_PROPRIETORSHIP: 0.25,
}


def _band(value: float | Decimal, edges: tuple[int, ...]) -> float:
    return sum(1 for edge in edges if value >= edge) / len(edges)


@indicator(
    dimension="basic",
    label_zh="成立年限",
    label_en="years since founding",
    source=MARKET_REGISTER,
    weight=150,
    direction="higher_is_better",
)
def years_since_founding(facts: EnterpriseFacts, today: date) -> float:
    # A track record builds trust; ten years count in full.
    if facts.founded_on is None:
        return 0.0
    return saturating(years_between(facts.founded_on, today), 10)


@indicator(
    dimension="basic",
    label_zh="注册资本规模",
    label_en="registered capital band",
    source=MARKET_REGISTER,
    weight=60,
    direction="higher_is_better",
)
def registered_capital_band(facts: EnterpriseFacts, _today: date) -> float:
    return _band(facts.registered_capital_yuan, CAPITAL_BAND_EDGES)


@indicator(
    dimension="basic",
    label_zh="营业期限",
    label_en="business term",
    source=MARKET_REGISTER,
    weight=15,
    direction="higher_is_better",
)
def business_term(facts: EnterpriseFacts, _today: date) -> float:
    # A long-term (长期) enterprise counts as a thirty-year term.
    years = facts.business_term_years
    return 1.0 if years is None else saturating(years, 30)


@indicator(
    dimension="basic",
    label_zh="经营范围完整度",
    label_en="business scope breadth",
    source=MARKET_REGISTER,
    weight=10,
    direction="higher_is_better",
)
def scope_breadth(facts: EnterpriseFacts, _today: date) -> float:
    return saturating(facts.scope_items, 10)


@indicator(
    dimension="basic",
    label_zh="组织形式治理要求",
    label_en="governance obligations of the legal form",
    source=MARKET_REGISTER,
    weight=15,
    direction="higher_is_better",
)
def legal_form_governance(facts: EnterpriseFacts, _today: date) -> float:
    return GOVERNANCE_BY_TYPE.get(facts.enterprise_type, 0.0)


@indicator(
    dimension="basic",
    label_zh="已注销",
    label_en="registration cancelled",
    source=MARKET_REGISTER,
    weight=300,
    direction="higher_is_worse",
)
def status_cancelled(facts: EnterpriseFacts, _today: date) -> float:
    return 1.0 if facts.status == "cancelled" else 0.0


@indicator(
    dimension="operation",
    label_zh="从业人数规模",
    label_en="employee headcount band",
    source="social security: insured headcount (参保人数)",
    weight=70,
    direction="higher_is_better",
)
def employee_band(facts: EnterpriseFacts, _today: date) -> float:
    return _band(facts.employee_count, EMPLOYEE_BAND_EDGES)


@indicator(
    dimension="operation",
    # Worded for both cases: an enterprise never listed reads this in its explanation too.
    label_zh="近三年无未修复的经营异常记录",
    label_en="no unrepaired abnormal-operations listing in 3 years",
    source=ABNORMAL_LIST,
    weight=30,
    direction="higher_is_better",
)
def abnormal_operations_repaired(facts: EnterpriseFacts, today: date) -> float:
    # The share of the last 3 years' listings removed again (信用修复). Never listed counts
    # as fully repaired, so repairing is never worth more than staying off the list.
    listed = listed_within(facts.entries, CreditList.ABNORMAL_OPERATIONS, today, 3)
    if not listed:
        return 1.0
    return sum(1 for e in listed if not e.active_on(today)) / len(listed)


@indicator(
    dimension="operation",
    label_zh="已办结审批事项",
    label_en="registrations and filings approved",
    source=DECISIONS,
    weight=20,
    direction="higher_is_better",
)
def approvals_held(facts: EnterpriseFacts, _today: date) -> float:
    return saturating(sum(1 for d in facts.decisions if d.status == "approved"), 5)


@indicator(
    dimension="operation",
    label_zh="秒批比例",
    label_en="share of approvals granted by rules (instant)",
    source=DECISIONS,
    weight=40,
    direction="higher_is_better",
)
def instant_approval_ratio(facts: EnterpriseFacts, _today: date) -> float:
    # Approved by the rules or the system without an officer: nothing needed a second look.
    approved = [d for d in facts.decisions if d.status == "approved"]
    if not approved:
        return 0.0
    return sum(1 for d in approved if d.decided_by != "officer") / len(approved)


BASIC_AND_OPERATION: tuple[Indicator, ...] = (
    years_since_founding,
    registered_capital_band,
    business_term,
    scope_breadth,
    legal_form_governance,
    status_cancelled,
    employee_band,
    active_listing(
        name="abnormal_operations_active",
        dimension="operation",
        label_zh="列入经营异常名录",
        label_en="on the abnormal-operations list now",
        source=ABNORMAL_LIST,
        weight=150,
        entries="entries",
        credit_list=CreditList.ABNORMAL_OPERATIONS,
    ),
    recent_listings(
        name="abnormal_operations_3y",
        dimension="operation",
        label_zh="近三年经营异常次数",
        label_en="abnormal-operations listings in the last 3 years",
        source=ABNORMAL_LIST,
        weight=60,
        credit_list=CreditList.ABNORMAL_OPERATIONS,
        years=3,
        full_count=3,
    ),
    abnormal_operations_repaired,
    approvals_held,
    instant_approval_ratio,
)
