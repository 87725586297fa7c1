"""Public security (公安): seal engraving filing with a licensed seal maker."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from contracts.events import Artefact
from contracts.form import RegistrationForm
from service_runtime.settings import DepartmentSettings
from services.department.kit import DepartmentSpec, Issued, credit_code_from, rule
from services.department.numbers import derived_digits


@cache
def licensed_seal_makers() -> frozenset[str]:
    data = json.loads((Path(__file__).parent / "seal_makers.json").read_text(encoding="utf-8"))
    return frozenset(m["id"] for m in data["makers"])


@rule(
    "seal_maker_licensed",
    "seals.maker_id",
    "所选刻章企业应为公安机关备案的刻章企业",
    "the chosen seal maker must be on the licensed registry",
)
def _maker_licensed(form: RegistrationForm) -> bool:
    return form.seals.maker_id in licensed_seal_makers()


@rule(
    "seal_kinds_distinct",
    "seals.kinds",
    "同一种类印章只能申请一枚",
    "each seal kind may be requested once",
)
def _kinds_distinct(form: RegistrationForm) -> bool:
    return len(set(form.seals.kinds)) == len(form.seals.kinds)


SEAL_LABELS = {
    "company": "公章",
    "finance": "财务专用章",
    "invoice": "发票专用章",
    "contract": "合同专用章",
    "legal_representative": "法定代表人名章",
}


def _issue(
    registration_id: str, form: RegistrationForm, prerequisites: Issued
) -> tuple[Artefact, ...]:
    division = credit_code_from(prerequisites)[2:8]
    return tuple(
        Artefact(
            kind=f"seal_filing_{kind.value}",
            number=f"{division}{derived_digits(f'seal/{registration_id}/{kind.value}', 10)}",
            label_zh=f"{SEAL_LABELS[kind.value]}备案编号",
        )
        for kind in form.seals.kinds
    )


POLICE = DepartmentSpec(
    name="police",
    rules=(_maker_licensed, _kinds_distinct),
    issue=_issue,
)


def department(_settings: DepartmentSettings) -> DepartmentSpec:
    """What `python -m services police` runs (services/launch.py)."""
    return POLICE
