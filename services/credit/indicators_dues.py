"""Indicators of the dimensions "tax" (纳税), "social_security" (社保) and "complaints"
(投诉与舆情): what the enterprise owes the state and its employees, and what the public reports.
Value convention: indicators_kit.py."""

from __future__ import annotations

from datetime import date

from services.credit.facts import CreditList, EnterpriseFacts
from services.credit.indicators_kit import (
    Indicator,
    active_listing,
    indicator,
    outstanding_amount,
    outstanding_duration,
    recent_listings,
    saturating,
)

TAX_LIST = "tax: tax_arrears list (欠税公告)"
SOCIAL_LIST = "human resources: social_insurance_arrears list (社保欠费)"
RELATED = "entries naming a legal-person shareholder (关联企业), tax_arrears list"
HELPDESK = "complaints and reports received (投诉举报, 12345 helpdesk)"


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
    active_listing(
        name="tax_arrears_active",
        dimension="tax",
        label_zh="存在欠税",
        label_en="tax arrears outstanding now",
        source=TAX_LIST,
        weight=120,
        entries="entries",
        credit_list=CreditList.TAX_ARREARS,
    ),
    outstanding_amount(
        name="tax_arrears_amount",
        dimension="tax",
        label_zh="欠税金额",
        label_en="amount of tax arrears outstanding",
        source=TAX_LIST,
        weight=80,
        credit_list=CreditList.TAX_ARREARS,
        full_yuan=1_000_000,
    ),
    recent_listings(
        name="tax_arrears_3y",
        dimension="tax",
        label_zh="近三年欠税次数",
        label_en="tax-arrears listings in the last 3 years",
        source=TAX_LIST,
        weight=40,
        credit_list=CreditList.TAX_ARREARS,
        years=3,
        full_count=3,
    ),
    # Arrears left unpaid for a year or more weigh in full: a slip is not a habit.
    outstanding_duration(
        name="tax_arrears_duration",
        dimension="tax",
        label_zh="欠税持续时间",
        label_en="how long the oldest tax arrears have been outstanding",
        source=TAX_LIST,
        weight=40,
        credit_list=CreditList.TAX_ARREARS,
        full_years=1,
    ),
    active_listing(
        name="related_tax_arrears",
        dimension="tax",
        label_zh="关联企业欠税",
        label_en="a legal-person shareholder has tax arrears outstanding",
        source=RELATED,
        weight=20,
        entries="related_entries",
        credit_list=CreditList.TAX_ARREARS,
    ),
    active_listing(
        name="social_insurance_arrears_active",
        dimension="social_security",
        label_zh="存在社保欠费",
        label_en="social-insurance arrears outstanding now",
        source=SOCIAL_LIST,
        weight=100,
        entries="entries",
        credit_list=CreditList.SOCIAL_INSURANCE_ARREARS,
    ),
    outstanding_amount(
        name="social_insurance_arrears_amount",
        dimension="social_security",
        label_zh="社保欠费金额",
        label_en="amount of social-insurance arrears outstanding",
        source=SOCIAL_LIST,
        weight=60,
        credit_list=CreditList.SOCIAL_INSURANCE_ARREARS,
        full_yuan=500_000,
    ),
    recent_listings(
        name="social_insurance_arrears_3y",
        dimension="social_security",
        label_zh="近三年社保欠费次数",
        label_en="social-insurance arrears listings in the last 3 years",
        source=SOCIAL_LIST,
        weight=40,
        credit_list=CreditList.SOCIAL_INSURANCE_ARREARS,
        years=3,
        full_count=3,
    ),
    outstanding_duration(
        name="social_insurance_arrears_duration",
        dimension="social_security",
        label_zh="社保欠费持续时间",
        label_en="how long the oldest social-insurance arrears have been outstanding",
        source=SOCIAL_LIST,
        weight=40,
        credit_list=CreditList.SOCIAL_INSURANCE_ARREARS,
        full_years=1,
    ),
    complaints_received,
    complaints_per_employee,
)
