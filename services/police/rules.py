"""Public security (公安): seal engraving filing with a licensed seal maker."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from contracts.events import Artefact
from contracts.form import RegistrationForm
from services.department.kit import DepartmentSpec, rule
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


def _issue(registration_id: str, form: RegistrationForm) -> tuple[Artefact, ...]:
    return tuple(
        Artefact(
            kind=f"seal_filing_{kind.value}",
            number=f"YZ{derived_digits(f'seal/{registration_id}/{kind.value}', 12)}",
            label_zh="印章备案编号",
        )
        for kind in form.seals.kinds
    )


POLICE = DepartmentSpec(name="police", rules=(_maker_licensed, _kinds_distinct), issue=_issue)
