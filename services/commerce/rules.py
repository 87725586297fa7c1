"""Commerce (商务): the foreign-investment information report; other enterprises: not applicable."""

from __future__ import annotations

from contracts.events import Artefact
from contracts.form import EnterpriseType, RegistrationForm
from services.department.kit import DepartmentSpec, Issued, rule
from services.department.numbers import derived_digits


def is_foreign_invested(form: RegistrationForm) -> bool:
    return form.enterprise.type == EnterpriseType.FOREIGN_INVESTED_LLC


@rule(
    "foreign_investor_named",
    "shareholders",
    "外商投资企业应至少有一名境外投资者",
    "a foreign-invested enterprise needs at least one foreign investor",
)
def _foreign_investor(form: RegistrationForm) -> bool:
    return any(s.country != "CN" for s in form.shareholders)


def _issue(
    registration_id: str, _form: RegistrationForm, _prerequisites: Issued
) -> tuple[Artefact, ...]:
    return (
        Artefact(
            kind="foreign_investment_report_receipt",
            number=f"WZ{derived_digits('commerce/' + registration_id, 12)}",
            label_zh="外商投资信息报告回执编号",
        ),
    )


COMMERCE = DepartmentSpec(
    name="commerce",
    rules=(_foreign_investor,),
    issue=_issue,
    applies=is_foreign_invested,
    projection=("enterprise", "shareholders"),
)
