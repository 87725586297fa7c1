"""Indicators of the dimensions "compliance" (合规) and "judicial" (司法): what regulators and
courts have recorded against the enterprise, its persons and its legal-person shareholders.
Value convention: indicators_kit.py."""

from __future__ import annotations

from datetime import date

from services.credit.facts import CreditList, EnterpriseFacts
from services.credit.indicators_kit import (
    Indicator,
    active,
    amount_band,
    any_active,
    indicator,
    listed_within,
    saturating,
    total_amount,
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
    label_zh="列入严重违法失信名单",
    label_en="on the serious-violations list now",
    source=SERIOUS_LIST,
    weight=400,
    direction="higher_is_worse",
)
def serious_violation_active(facts: EnterpriseFacts, today: date) -> float:
    return any_active(facts.entries, CreditList.SERIOUS_VIOLATIONS, today)


@indicator(
    dimension="compliance",
    label_zh="近五年严重违法失信记录",
    label_en="serious-violation listings in the last 5 years",
    source=SERIOUS_LIST,
    weight=100,
    direction="higher_is_worse",
)
def serious_violations_5y(facts: EnterpriseFacts, today: date) -> float:
    return saturating(len(listed_within(facts.entries, CreditList.SERIOUS_VIOLATIONS, today, 5)), 2)


@indicator(
    dimension="compliance",
    label_zh="近一年行政处罚次数",
    label_en="administrative penalties in the last year",
    source=PENALTIES_LIST,
    weight=80,
    direction="higher_is_worse",
)
def penalties_1y(facts: EnterpriseFacts, today: date) -> float:
    listed = listed_within(facts.entries, CreditList.ADMINISTRATIVE_PENALTIES, today, 1)
    return saturating(len(listed), 3)


@indicator(
    dimension="compliance",
    label_zh="近三年行政处罚次数",
    label_en="administrative penalties in the last 3 years",
    source=PENALTIES_LIST,
    weight=60,
    direction="higher_is_worse",
)
def penalties_3y(facts: EnterpriseFacts, today: date) -> float:
    listed = listed_within(facts.entries, CreditList.ADMINISTRATIVE_PENALTIES, today, 3)
    return saturating(len(listed), 5)


@indicator(
    dimension="compliance",
    label_zh="近三年行政处罚金额",
    label_en="administrative penalty amounts in the last 3 years",
    source=PENALTIES_LIST,
    weight=60,
    direction="higher_is_worse",
)
def penalty_amount_3y(facts: EnterpriseFacts, today: date) -> float:
    listed = listed_within(facts.entries, CreditList.ADMINISTRATIVE_PENALTIES, today, 3)
    return amount_band(total_amount(listed), 1_000_000)


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
    dimension="compliance",
    label_zh="相关人员严重违法失信",
    label_en="a person of the enterprise on the serious-violations list",
    source=f"{SERIOUS_LIST}, {PERSONS}",
    weight=80,
    direction="higher_is_worse",
)
def person_serious_violation_active(facts: EnterpriseFacts, today: date) -> float:
    return any_active(facts.person_entries, CreditList.SERIOUS_VIOLATIONS, today)


@indicator(
    dimension="judicial",
    label_zh="企业为失信被执行人",
    label_en="the enterprise is a dishonest judgment debtor now",
    source=DEBTORS_LIST,
    weight=400,
    direction="higher_is_worse",
)
def dishonest_debtor_active(facts: EnterpriseFacts, today: date) -> float:
    return any_active(facts.entries, CreditList.DISHONEST_DEBTORS, today)


@indicator(
    dimension="judicial",
    label_zh="近五年失信被执行记录",
    label_en="dishonest-debtor listings in the last 5 years",
    source=DEBTORS_LIST,
    weight=100,
    direction="higher_is_worse",
)
def dishonest_debtor_5y(facts: EnterpriseFacts, today: date) -> float:
    return saturating(len(listed_within(facts.entries, CreditList.DISHONEST_DEBTORS, today, 5)), 2)


@indicator(
    dimension="judicial",
    label_zh="相关人员为失信被执行人",
    label_en="a person of the enterprise is a dishonest judgment debtor",
    source=f"{DEBTORS_LIST}, {PERSONS}",
    weight=120,
    direction="higher_is_worse",
)
def person_dishonest_debtor_active(facts: EnterpriseFacts, today: date) -> float:
    return any_active(facts.person_entries, CreditList.DISHONEST_DEBTORS, today)


@indicator(
    dimension="judicial",
    label_zh="近三年涉诉裁判文书",
    label_en="court judgments naming the enterprise in the last 3 years",
    source=JUDGMENTS_LIST,
    weight=60,
    direction="higher_is_worse",
)
def court_judgments_3y(facts: EnterpriseFacts, today: date) -> float:
    return saturating(len(listed_within(facts.entries, CreditList.COURT_JUDGMENTS, today, 3)), 5)


@indicator(
    dimension="judicial",
    label_zh="近三年涉诉金额",
    label_en="amounts of court judgments in the last 3 years",
    source=JUDGMENTS_LIST,
    weight=40,
    direction="higher_is_worse",
)
def court_judgment_amount_3y(facts: EnterpriseFacts, today: date) -> float:
    listed = listed_within(facts.entries, CreditList.COURT_JUDGMENTS, today, 3)
    return amount_band(total_amount(listed), 10_000_000)


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
    serious_violation_active,
    serious_violations_5y,
    penalties_1y,
    penalties_3y,
    penalty_amount_3y,
    department_rejections,
    corrections_requested,
    person_serious_violation_active,
    dishonest_debtor_active,
    dishonest_debtor_5y,
    person_dishonest_debtor_active,
    court_judgments_3y,
    court_judgment_amount_3y,
    related_enterprise_dishonest,
    related_enterprises_listed,
)
