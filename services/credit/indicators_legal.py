"""Indicators of the dimensions "compliance" (合规) and "judicial" (司法): what regulators and
courts have recorded against the enterprise, its persons and its legal-person shareholders.
Value convention: indicators_kit.py."""

from __future__ import annotations

from datetime import date

from services.credit.facts import CreditList, EnterpriseFacts
from services.credit.indicators_kit import (
    Indicator,
    active,
    active_listing,
    indicator,
    recent_listing_amount,
    recent_listings,
    saturating,
)

SERIOUS_LIST = "market regulation: serious_violations list (严重违法失信名单)"
PENALTIES_LIST = "any department: administrative_penalties list (行政处罚)"
DEBTORS_LIST = "courts: dishonest_debtors list (失信被执行人)"
JUDGMENTS_LIST = "courts: court_judgments list (裁判文书)"
DECISIONS = "department decisions on the enterprise's registrations (DepartmentDecided)"
PERSONS = "of the legal representative, natural-person shareholders and officers"
RELATED = "entries naming a legal-person shareholder (关联企业), every list"
# Lists that mark a related enterprise as untrustworthy in itself, not merely in trouble.
DISHONESTY_LISTS = (CreditList.DISHONEST_DEBTORS, CreditList.SERIOUS_VIOLATIONS)


@indicator(
    dimension="compliance",
    label_zh="部门不予许可",
    label_en="registrations or filings refused by a department",
    source=DECISIONS,
    weight=40,
    direction="higher_is_worse",
)
def department_rejections(facts: EnterpriseFacts, _today: date) -> float:
    return saturating(sum(1 for d in facts.decisions if d.status == "rejected"), 3)


@indicator(
    dimension="compliance",
    label_zh="补正次数",
    label_en="corrections requested by departments",
    source=DECISIONS,
    weight=20,
    direction="higher_is_worse",
)
def corrections_requested(facts: EnterpriseFacts, _today: date) -> float:
    return saturating(sum(d.corrections for d in facts.decisions), 5)


@indicator(
    dimension="judicial",
    label_zh="关联企业失信",
    label_en="a legal-person shareholder is a dishonest debtor or serious violator",
    source=RELATED,
    weight=60,
    direction="higher_is_worse",
)
def related_enterprise_dishonest(facts: EnterpriseFacts, today: date) -> float:
    dishonest = (active(facts.related_entries, lst, today) for lst in DISHONESTY_LISTS)
    return 1.0 if any(dishonest) else 0.0


@indicator(
    dimension="judicial",
    label_zh="关联企业在列数",
    label_en="legal-person shareholders on any list now",
    source=RELATED,
    weight=40,
    direction="higher_is_worse",
)
def related_enterprises_listed(facts: EnterpriseFacts, today: date) -> float:
    listed = {e.subject_id for e in facts.related_entries if e.active_on(today)}
    return saturating(len(listed), 3)


COMPLIANCE_AND_JUDICIAL: tuple[Indicator, ...] = (
    active_listing(
        name="serious_violation_active",
        dimension="compliance",
        label_zh="列入严重违法失信名单",
        label_en="on the serious-violations list now",
        source=SERIOUS_LIST,
        weight=400,
        entries="entries",
        credit_list=CreditList.SERIOUS_VIOLATIONS,
    ),
    recent_listings(
        name="serious_violations_5y",
        dimension="compliance",
        label_zh="近五年严重违法失信记录",
        label_en="serious-violation listings in the last 5 years",
        source=SERIOUS_LIST,
        weight=100,
        credit_list=CreditList.SERIOUS_VIOLATIONS,
        years=5,
        full_count=2,
    ),
    recent_listings(
        name="penalties_1y",
        dimension="compliance",
        label_zh="近一年行政处罚次数",
        label_en="administrative penalties in the last year",
        source=PENALTIES_LIST,
        weight=80,
        credit_list=CreditList.ADMINISTRATIVE_PENALTIES,
        years=1,
        full_count=3,
    ),
    recent_listings(
        name="penalties_3y",
        dimension="compliance",
        label_zh="近三年行政处罚次数",
        label_en="administrative penalties in the last 3 years",
        source=PENALTIES_LIST,
        weight=60,
        credit_list=CreditList.ADMINISTRATIVE_PENALTIES,
        years=3,
        full_count=5,
    ),
    recent_listing_amount(
        name="penalty_amount_3y",
        dimension="compliance",
        label_zh="近三年行政处罚金额",
        label_en="administrative penalty amounts in the last 3 years",
        source=PENALTIES_LIST,
        weight=60,
        credit_list=CreditList.ADMINISTRATIVE_PENALTIES,
        years=3,
        full_yuan=1_000_000,
    ),
    department_rejections,
    corrections_requested,
    active_listing(
        name="person_serious_violation_active",
        dimension="compliance",
        label_zh="相关人员严重违法失信",
        label_en="a person of the enterprise on the serious-violations list",
        source=f"{SERIOUS_LIST}, {PERSONS}",
        weight=80,
        entries="person_entries",
        credit_list=CreditList.SERIOUS_VIOLATIONS,
    ),
    active_listing(
        name="dishonest_debtor_active",
        dimension="judicial",
        label_zh="企业为失信被执行人",
        label_en="the enterprise is a dishonest judgment debtor now",
        source=DEBTORS_LIST,
        weight=400,
        entries="entries",
        credit_list=CreditList.DISHONEST_DEBTORS,
    ),
    recent_listings(
        name="dishonest_debtor_5y",
        dimension="judicial",
        label_zh="近五年失信被执行记录",
        label_en="dishonest-debtor listings in the last 5 years",
        source=DEBTORS_LIST,
        weight=100,
        credit_list=CreditList.DISHONEST_DEBTORS,
        years=5,
        full_count=2,
    ),
    active_listing(
        name="person_dishonest_debtor_active",
        dimension="judicial",
        label_zh="相关人员为失信被执行人",
        label_en="a person of the enterprise is a dishonest judgment debtor",
        source=f"{DEBTORS_LIST}, {PERSONS}",
        weight=120,
        entries="person_entries",
        credit_list=CreditList.DISHONEST_DEBTORS,
    ),
    recent_listings(
        name="court_judgments_3y",
        dimension="judicial",
        label_zh="近三年涉诉裁判文书",
        label_en="court judgments naming the enterprise in the last 3 years",
        source=JUDGMENTS_LIST,
        weight=60,
        credit_list=CreditList.COURT_JUDGMENTS,
        years=3,
        full_count=5,
    ),
    recent_listing_amount(
        name="court_judgment_amount_3y",
        dimension="judicial",
        label_zh="近三年涉诉金额",
        label_en="amounts of court judgments in the last 3 years",
        source=JUDGMENTS_LIST,
        weight=40,
        credit_list=CreditList.COURT_JUDGMENTS,
        years=3,
        full_yuan=10_000_000,
    ),
    related_enterprise_dishonest,
    related_enterprises_listed,
)
