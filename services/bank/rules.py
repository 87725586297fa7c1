"""Bank account booking (预约开户): a basic-account appointment at the chosen branch."""

from __future__ import annotations

from contracts.events import Artefact
from contracts.form import RegistrationForm
from service_runtime.settings import DepartmentSettings
from services.department.kit import DepartmentSpec, Issued, credit_code_from, rule
from services.department.numbers import derived_digits

SLOTS = (
    "09:00-09:30",
    "09:30-10:00",
    "10:00-10:30",
    "10:30-11:00",
    "14:00-14:30",
    "14:30-15:00",
    "15:00-15:30",
)


def wants_an_account(form: RegistrationForm) -> bool:
    return form.bank_account is not None


@rule(
    "preferred_date_not_weekend",
    "bank_account.preferred_date",
    "预约日期应为工作日",
    "the preferred date must be a weekday",
)
def _weekday(form: RegistrationForm) -> bool:
    return form.bank_account is not None and form.bank_account.preferred_date.weekday() < 5  # noqa: PLR2004


def _issue(
    registration_id: str, form: RegistrationForm, prerequisites: Issued
) -> tuple[Artefact, ...]:
    assert form.bank_account is not None  # noqa: S101 - applies() guarantees it
    slot = SLOTS[int(derived_digits("slot/" + registration_id, 4)) % len(SLOTS)]
    booking = form.bank_account
    return (
        Artefact(
            kind="account_appointment",
            number=f"YY{derived_digits('bank/' + registration_id, 10)}",
            label_zh=f"预约开户：{booking.bank}{booking.branch} {booking.preferred_date.isoformat()} {slot}",
        ),
        Artefact(
            kind="account_holder_credit_code",
            number=credit_code_from(prerequisites),
            label_zh="开户单位统一社会信用代码",
        ),
    )


BANK = DepartmentSpec(
    name="bank",
    rules=(_weekday,),
    issue=_issue,
    applies=wants_an_account,
)


def department(_settings: DepartmentSettings) -> DepartmentSpec:
    """What `python -m services bank` runs (services/launch.py)."""
    return BANK
