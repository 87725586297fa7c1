"""Credit (信用): joint punishment at registration, and the service's lists, portraits and query.

The gate has no rule of its own over the form: everything it decides comes from its screen,
which looks every person and related enterprise up in the source lists it keeps
(screening.py). A dishonest judgment debtor among the persons refuses at once (`refusing`);
a listed related enterprise sends the case to an officer.
"""

from __future__ import annotations

from contracts.events import Artefact
from contracts.form import RegistrationForm
from service_runtime.settings import CreditSettings
from services.credit.extension import CREDIT_EXTENSION
from services.credit.screening import DISHONEST_PERSONS_RULE
from services.department.kit import DepartmentSpec, Issued
from services.department.numbers import derived_digits


def _issue(
    registration_id: str, _form: RegistrationForm, _prerequisites: Issued
) -> tuple[Artefact, ...]:
    return (
        Artefact(
            kind="credit_file_number",
            number=f"XY{derived_digits('credit/' + registration_id, 12)}",
            label_zh="信用档案编号",
        ),
    )


CREDIT = DepartmentSpec(
    name="credit",
    rules=(),
    issue=_issue,
    refusing=frozenset({DISHONEST_PERSONS_RULE}),
    extension=CREDIT_EXTENSION,
)


def department(_settings: CreditSettings) -> DepartmentSpec:
    """What `python -m services credit` runs (services/launch.py)."""
    return CREDIT
