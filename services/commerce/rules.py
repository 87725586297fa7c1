"""Commerce (商务): the foreign-investment information report; other enterprises: not applicable."""

from __future__ import annotations

from contracts.events import Artefact, Reason
from contracts.form import RegistrationForm, is_foreign_invested
from reference_data.scope import find, negative_entry_for
from service_runtime.settings import DepartmentSettings
from services.department.kit import DepartmentSpec, Issued, rule
from services.department.numbers import derived_digits


@rule(
    "foreign_investor_named",
    "shareholders",
    "外商投资企业应至少有一名境外投资者",
    "a foreign-invested enterprise needs at least one foreign investor",
)
def _foreign_investor(form: RegistrationForm) -> bool:
    return any(s.country != "CN" for s in form.shareholders)


def _restricted_entries_reviewed(form: RegistrationForm) -> Reason:
    """A scope item under a restricted negative-list entry goes to an officer, citing the entry."""
    entries = {
        e.id: e
        for t in form.enterprise.business_scope
        if (i := find(t)) and (e := negative_entry_for(i))
    }
    restricted = [e for _, e in sorted(entries.items()) if e.kind == "restricted"]
    cited = "；".join(f"{e.id} {e.text}" for e in restricted)
    ids = ", ".join(e.id for e in restricted)
    return Reason(
        rule="negative_list_restrictions_reviewed",
        passed=not restricted,
        message_zh=f"涉及外商投资限制类措施，转人工审核：{cited}"
        if restricted
        else "不涉及外商投资限制类措施",
        message_en=f"restricted by the negative list ({ids}): an officer reviews it"
        if restricted
        else "no restricted negative-list entry applies",
        field_path="enterprise.business_scope",
    )


_restricted_entries_reviewed.__name__ = "negative_list_restrictions_reviewed"


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
    rules=(_foreign_investor, _restricted_entries_reviewed),
    issue=_issue,
    applies=is_foreign_invested,
)


def department(_settings: DepartmentSettings) -> DepartmentSpec:
    """What `python -m services commerce` runs (services/launch.py)."""
    return COMMERCE
