"""Market regulation (商事登记): name, capital and scope rules; issues the licence and credit code."""

from __future__ import annotations

from contracts.events import USCC_ARTEFACT, Artefact
from contracts.form import RegistrationForm
from contracts.identifiers import issue_uscc
from reference_data.areas import AREA_DIVISION_CODES
from reference_data.names import ORGANISATIONAL_FORMS
from reference_data.scope import find
from services.department.kit import DepartmentSpec, Issued, rule
from services.department.numbers import derived_digits

PROHIBITED_SCOPE_WORDS = ("赌博", "博彩", "毒品", "枪支", "传销")


@rule(
    "name_matches_organisational_form",
    "enterprise.name",
    "企业名称的组织形式应与企业类型一致",
    "the name's organisational form must match the enterprise type",
)
def _name_form(form: RegistrationForm) -> bool:
    # The longest matching suffix decides: "股份有限公司" also ends with "有限公司".
    endings = [s for forms in ORGANISATIONAL_FORMS.values() for s in forms]
    matched = [s for s in endings if form.enterprise.name.endswith(s)]
    return bool(matched) and max(matched, key=len) in ORGANISATIONAL_FORMS[form.enterprise.type]


@rule(
    "name_has_trade_name",
    "enterprise.name",
    "企业名称应包含行政区划、字号、行业和组织形式",
    "the name needs a division, a trade name, an industry and an organisational form",
)
def _name_length(form: RegistrationForm) -> bool:
    return len(form.enterprise.name) >= 6  # noqa: PLR2004 - shortest name with all four parts


@rule(
    "scope_not_prohibited",
    "enterprise.business_scope",
    "经营范围不得包含禁止经营的项目",
    "the business scope must not contain prohibited activities",
)
def _scope_allowed(form: RegistrationForm) -> bool:
    return not any(
        w in item for item in form.enterprise.business_scope for w in PROHIBITED_SCOPE_WORDS
    )


def _issue(
    registration_id: str, form: RegistrationForm, _prerequisites: Issued
) -> tuple[Artefact, ...]:
    division = AREA_DIVISION_CODES[form.enterprise.area]
    uscc = issue_uscc(registration_id, division)
    licence = f"{division}{derived_digits('licence/' + registration_id, 9)}"
    return (
        Artefact(kind=USCC_ARTEFACT, number=uscc, label_zh="统一社会信用代码"),
        Artefact(kind="business_licence_number", number=licence, label_zh="电子营业执照编号"),
    )


@rule(
    "scope_needs_no_prior_permit",
    "enterprise.business_scope",
    "经营范围含须取得前置许可的项目，转人工审核",
    "the scope includes activities needing a permit before the licence; an officer reviews it",
)
def _scope_without_prior_permit(form: RegistrationForm) -> bool:
    # Items outside the catalogue never pass intake; here only the permit flag matters.
    return not any(
        (item := find(text)) is not None and item.permit == "prior"
        for text in form.enterprise.business_scope
    )


MARKET = DepartmentSpec(
    name="market",
    rules=(_name_form, _name_length, _scope_allowed, _scope_without_prior_permit),
    issue=_issue,
)
