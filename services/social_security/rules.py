"""Human resources and social security (人社): employment and social-insurance registration."""

from __future__ import annotations

from contracts.events import Artefact
from contracts.form import RegistrationForm
from service_runtime.settings import DepartmentSettings
from services.department.kit import DepartmentSpec, Issued, credit_code_from, rule
from services.department.numbers import derived_digits

AUTO_APPROVED_MAX_EMPLOYEES = 1_000  # larger employers are registered by an officer


@rule(
    "employee_count_within_auto_limit",
    "employment.employee_count",
    "从业人数超过自动登记上限，转人工审核",
    "the employee count exceeds the automatic registration limit; an officer reviews it",
)
def _employees(form: RegistrationForm) -> bool:
    return form.employment.employee_count <= AUTO_APPROVED_MAX_EMPLOYEES


def _issue(
    registration_id: str, form: RegistrationForm, prerequisites: Issued
) -> tuple[Artefact, ...]:
    uscc = credit_code_from(prerequisites)
    return (
        Artefact(
            kind="social_insurance_account",
            number=f"SB{uscc[2:8]}{derived_digits('social/' + registration_id, 10)}",
            label_zh="社会保险登记编号",
        ),
        Artefact(
            kind="insurance_start_month",
            number=form.employment.start_month,
            label_zh="参保起始年月",
        ),
    )


SOCIAL_SECURITY = DepartmentSpec(
    name="social_security",
    rules=(_employees,),
    issue=_issue,
)


def department(_settings: DepartmentSettings) -> DepartmentSpec:
    """What `python -m services social_security` runs (services/launch.py)."""
    return SOCIAL_SECURITY
