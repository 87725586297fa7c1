"""Tax (税务): registration, taxpayer type and invoice application, by named rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

from contracts.events import Artefact
from contracts.form import RegistrationForm
from service_runtime.settings import TaxSettings
from services.department.kit import DepartmentSpec, Issued, Rule, credit_code_from, rule
from services.department.numbers import derived_digits

GENERAL_TAXPAYER_THRESHOLD = Decimal(5_000_000)  # expected annual taxable sales, CNY
# Monthly invoices approved without an officer; `TAX_INVOICE_AUTO_LIMITS` overrides them.
DEFAULT_INVOICE_AUTO_LIMITS = {"vat_special": 25, "vat_ordinary": 100, "none": 0}


def invoice_limit_rule(limits: Mapping[str, int]) -> Rule:
    @rule(
        "invoice_quantity_within_limit",
        "tax.invoice_monthly_quantity",
        "每月发票领用数量应在自动核定上限内",
        "the monthly invoice quantity must be within the automatically approved limit",
    )
    def _invoice_limit(form: RegistrationForm) -> bool:
        limit = limits.get(
            form.tax.invoice_kind, DEFAULT_INVOICE_AUTO_LIMITS[form.tax.invoice_kind]
        )
        return form.tax.invoice_monthly_quantity <= limit

    return _invoice_limit


def taxpayer_type(form: RegistrationForm) -> str:
    # Above the threshold registration as a general taxpayer is required; below it, voluntary.
    if form.tax.taxpayer_type_requested == "general":
        return "general"
    return (
        "general" if form.tax.expected_annual_sales > GENERAL_TAXPAYER_THRESHOLD else "small_scale"
    )


@rule(
    "taxpayer_type_consistent",
    "tax.taxpayer_type_requested",
    "年应税销售额超过500万元的，应登记为一般纳税人",
    "expected annual taxable sales above CNY 5,000,000 require general-taxpayer registration",
)
def _taxpayer_type(form: RegistrationForm) -> bool:
    return not (
        form.tax.taxpayer_type_requested == "small_scale"
        and form.tax.expected_annual_sales > GENERAL_TAXPAYER_THRESHOLD
    )


def _issue(
    registration_id: str, form: RegistrationForm, prerequisites: Issued
) -> tuple[Artefact, ...]:
    # 一号申办: the taxpayer identification number is the unified social credit code.
    return (
        Artefact(
            kind="taxpayer_identification_number",
            number=credit_code_from(prerequisites),
            label_zh="纳税人识别号",
        ),
        Artefact(
            kind="tax_registration_receipt",
            number=f"SW{derived_digits('tax/' + registration_id, 14)}",
            label_zh="税务登记受理编号",
        ),
        Artefact(kind="taxpayer_type", number=taxpayer_type(form), label_zh="纳税人类型"),
        Artefact(
            kind="invoice_approval",
            number=f"{form.tax.invoice_kind}:{form.tax.invoice_monthly_quantity}/month",
            label_zh="发票票种核定",
        ),
    )


def tax_department(
    invoice_limits: Mapping[str, int] = DEFAULT_INVOICE_AUTO_LIMITS,
) -> DepartmentSpec:
    return replace(TAX, rules=(invoice_limit_rule(invoice_limits), _taxpayer_type))


TAX = DepartmentSpec(
    name="tax",
    rules=(invoice_limit_rule(DEFAULT_INVOICE_AUTO_LIMITS), _taxpayer_type),
    issue=_issue,
)


def department(settings: TaxSettings) -> DepartmentSpec:
    """What `python -m services tax` runs (services/launch.py)."""
    return tax_department(settings.tax_invoice_auto_limits)
