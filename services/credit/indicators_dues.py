"""Indicators of the dimensions "tax" (纳税), "social_security" (社保) and "complaints"
(投诉与舆情): what the enterprise owes the state and its employees, and what the public reports.
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
    longest_outstanding_years,
    saturating,
    total_amount,
)

TAX_LIST = "tax: tax_arrears list (欠税公告)"
SOCIAL_LIST = "human resources: social_insurance_arrears list (社保欠费)"
RELATED = "entries naming a legal-person shareholder (关联企业), tax_arrears list"
HELPDESK = "complaints and reports received (投诉举报, 12345 helpdesk)"


@indicator(
    dimension="tax",
    label_zh="存在欠税",
    label_en="tax arrears outstanding now",
    source=TAX_LIST,
    weight=120,
    direction="higher_is_worse",
)
def tax_arrears_active(facts: EnterpriseFacts, today: date) -> float:
    return any_active(facts.entries, CreditList.TAX_ARREARS, today)


@indicator(
    dimension="tax",
    label_zh="欠税金额",
    label_en="amount of tax arrears outstanding",
    source=TAX_LIST,
    weight=80,
    direction="higher_is_worse",
)
def tax_arrears_amount(facts: EnterpriseFacts, today: date) -> float:
    outstanding = active(facts.entries, CreditList.TAX_ARREARS, today)
    return amount_band(total_amount(outstanding), 1_000_000)


@indicator(
    dimension="tax",
    label_zh="近三年欠税次数",
    label_en="tax-arrears listings in the last 3 years",
    source=TAX_LIST,
    weight=40,
    direction="higher_is_worse",
)
def tax_arrears_3y(facts: EnterpriseFacts, today: date) -> float:
    return saturating(len(listed_within(facts.entries, CreditList.TAX_ARREARS, today, 3)), 3)


@indicator(
    dimension="tax",
    label_zh="欠税持续时间",
    label_en="how long the oldest tax arrears have been outstanding",
    source=TAX_LIST,
    weight=40,
    direction="higher_is_worse",
)
def tax_arrears_duration(facts: EnterpriseFacts, today: date) -> float:
    # Arrears left unpaid for a year or more weigh in full: a slip is not a habit.
    return saturating(longest_outstanding_years(facts.entries, CreditList.TAX_ARREARS, today), 1)


@indicator(
    dimension="tax",
    label_zh="关联企业欠税",
    label_en="a legal-person shareholder has tax arrears outstanding",
    source=RELATED,
    weight=20,
    direction="higher_is_worse",
)
def related_tax_arrears(facts: EnterpriseFacts, today: date) -> float:
    return any_active(facts.related_entries, CreditList.TAX_ARREARS, today)


@indicator(
    dimension="social_security",
    label_zh="存在社保欠费",
    label_en="social-insurance arrears outstanding now",
    source=SOCIAL_LIST,
    weight=100,
    direction="higher_is_worse",
)
def social_insurance_arrears_active(facts: EnterpriseFacts, today: date) -> float:
    return any_active(facts.entries, CreditList.SOCIAL_INSURANCE_ARREARS, today)


@indicator(
    dimension="social_security",
    label_zh="社保欠费金额",
    label_en="amount of social-insurance arrears outstanding",
    source=SOCIAL_LIST,
    weight=60,
    direction="higher_is_worse",
)
def social_insurance_arrears_amount(facts: EnterpriseFacts, today: date) -> float:
    outstanding = active(facts.entries, CreditList.SOCIAL_INSURANCE_ARREARS, today)
    return amount_band(total_amount(outstanding), 500_000)


@indicator(
    dimension="social_security",
    label_zh="近三年社保欠费次数",
    label_en="social-insurance arrears listings in the last 3 years",
    source=SOCIAL_LIST,
    weight=40,
    direction="higher_is_worse",
)
def social_insurance_arrears_3y(facts: EnterpriseFacts, today: date) -> float:
    listed = listed_within(facts.entries, CreditList.SOCIAL_INSURANCE_ARREARS, today, 3)
    return saturating(len(listed), 3)


@indicator(
    dimension="social_security",
    label_zh="社保欠费持续时间",
    label_en="how long the oldest social-insurance arrears have been outstanding",
    source=SOCIAL_LIST,
    weight=40,
    direction="higher_is_worse",
)
def social_insurance_arrears_duration(facts: EnterpriseFacts, today: date) -> float:
    years = longest_outstanding_years(facts.entries, CreditList.SOCIAL_INSURANCE_ARREARS, today)
    return saturating(years, 1)


@indicator(
    dimension="complaints",
    label_zh="投诉举报数量",
    label_en="complaints received",
    source=HELPDESK,
    weight=50,
    direction="higher_is_worse",
)
def complaints_received(facts: EnterpriseFacts, _today: date) -> float:
    return saturating(facts.complaints, 10)


@indicator(
    dimension="complaints",
    label_zh="人均投诉量",
    label_en="complaints per employee",
    source=f"{HELPDESK}; insured headcount (参保人数)",
    weight=30,
    direction="higher_is_worse",
)
def complaints_per_employee(facts: EnterpriseFacts, _today: date) -> float:
    # Ten complaints mean more at a five-person shop than at a factory of thousands;
    # one complaint per ten employees counts in full.
    return saturating(facts.complaints / max(facts.employee_count, 1), 0.1)


TAX_SOCIAL_AND_COMPLAINTS: tuple[Indicator, ...] = (
    tax_arrears_active,
    tax_arrears_amount,
    tax_arrears_3y,
    tax_arrears_duration,
    related_tax_arrears,
    social_insurance_arrears_active,
    social_insurance_arrears_amount,
    social_insurance_arrears_3y,
    social_insurance_arrears_duration,
    complaints_received,
    complaints_per_employee,
)
