"""Tax (税务): registration, taxpayer type and invoice application, by named rules."""

from __future__ import annotations

from decimal import Decimal

from contracts.events import Artefact
from contracts.form import RegistrationForm
from services.department.kit import DepartmentSpec, Issued, credit_code_from, rule
from services.department.numbers import derived_digits

GENERAL_TAXPAYER_THRESHOLD = Decimal(5_000_000)  # expected annual taxable sales, CNY
AUTO_APPROVED_MONTHLY_INVOICES = {"vat_special": 25, "vat_ordinary": 100, "none": 0}


@rule(
    "invoice_quantity_within_limit",
    "tax.invoice_monthly_quantity",
    "每月发票领用数量应在自动核定上限内",
    "the monthly invoice quantity must be within the automatically approved limit",
)
def _invoice_limit(form: RegistrationForm) -> bool:
    return (
        form.tax.invoice_monthly_quantity <= AUTO_APPROVED_MONTHLY_INVOICES[form.tax.invoice_kind]
    )


@rule(
    "accounting_contact_named",
    "tax.accounting_contact",
    "应指定财务负责人",
    "an accounting contact must be named",
)
def _contact(form: RegistrationForm) -> bool:
    return bool(form.tax.accounting_contact.name)


def taxpayer_type(form: RegistrationForm) -> str:
    return (
        "general" if form.tax.expected_annual_sales > GENERAL_TAXPAYER_THRESHOLD else "small_scale"
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


TAX = DepartmentSpec(
    name="tax",
    rules=(_invoice_limit, _contact),
    issue=_issue,
    projection=(
        "enterprise.name",
        "enterprise.type",
        "enterprise.address",
        "tax",
        "legal_representative",
    ),
)
