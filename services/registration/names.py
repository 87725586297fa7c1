"""Enterprise names (名称自主申报): division + trade name + industry + organisational form.

The structure is checked at intake; a name identical to a registered or pending one in the
same Free Trade Zone area is refused (a unique index holds the reservation).
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.form import EnterpriseType, FreeTradeZoneArea
from reference_data.names import DIVISIONS, INDUSTRIES, ORGANISATIONAL_FORMS

MESSAGES = {
    "name_division_missing": (
        "名称应以行政区划开头（如“广州”“南沙”）",
        "the name must begin with an administrative division",
    ),
    "name_trade_name_too_short": (
        "字号应至少两个字",
        "the trade name must have at least two characters",
    ),
    "name_industry_missing": (
        "名称应包含行业表述（如“科技”“贸易”）",
        "the name must state an industry",
    ),
    "name_organisational_form_mismatch": (
        "名称的组织形式应与企业类型一致",
        "the organisational form in the name must match the enterprise type",
    ),
    "name_taken_in_area": (
        "同一片区已有相同名称的企业登记或申请中",
        "the same name is registered or pending in this area",
    ),
}


@dataclass(frozen=True)
class NameParts:
    division: str
    trade_name: str
    industry: str
    organisational_form: str


def _longest(candidates: tuple[str, ...] | list[str], test: str, *, prefix: bool) -> str:
    matches = [c for c in candidates if (test.startswith(c) if prefix else test.endswith(c))]
    return max(matches, key=len, default="")


def parse_name(name: str) -> NameParts:
    forms = [f for fs in ORGANISATIONAL_FORMS.values() for f in fs]
    organisational_form = _longest(forms, name, prefix=False)
    rest = name[: len(name) - len(organisational_form)]
    division = ""
    while step := _longest(DIVISIONS, rest, prefix=True):  # "广州" + "南沙": nested divisions
        division, rest = division + step, rest[len(step) :]
    industry = _longest(INDUSTRIES, rest, prefix=False)
    return NameParts(division, rest[: len(rest) - len(industry)], industry, organisational_form)


def name_problems(name: str, enterprise_type: EnterpriseType) -> list[str]:
    parts = parse_name(name)
    problems = []
    if not parts.division:
        problems.append("name_division_missing")
    if len(parts.trade_name) < 2:  # noqa: PLR2004 - two characters at least
        problems.append("name_trade_name_too_short")
    if not parts.industry:
        problems.append("name_industry_missing")
    if parts.organisational_form not in ORGANISATIONAL_FORMS[enterprise_type]:
        problems.append("name_organisational_form_mismatch")
    return problems


def name_errors(problems: list[str]) -> list[dict[str, str]]:
    return [
        {
            "path": "enterprise.name",
            "rule": p,
            "message_zh": MESSAGES[p][0],
            "message_en": MESSAGES[p][1],
        }
        for p in problems
    ]


def name_key(area: FreeTradeZoneArea, name: str) -> str:
    return f"{area.value}:{name}"
