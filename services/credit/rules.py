"""Credit (信用): the gate that keeps listed dishonest persons from founding an enterprise."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from contracts.events import Artefact
from contracts.form import RegistrationForm
from service_runtime.settings import DepartmentSettings
from services.department.kit import DepartmentSpec, Issued, rule
from services.department.numbers import derived_digits


@cache
def dishonest_person_ids() -> frozenset[str]:
    data = json.loads(
        (Path(__file__).parent / "restricted_persons.json").read_text(encoding="utf-8")
    )
    return frozenset(p["id_number"] for p in data["persons"])


@rule(
    "legal_representative_not_restricted",
    "legal_representative.id_number",
    "法定代表人不得为失信被执行人等受限人员",
    "the legal representative must not be on the restricted (dishonest) list",
)
def _representative_clear(form: RegistrationForm) -> bool:
    return form.legal_representative.id_number not in dishonest_person_ids()


@rule(
    "shareholders_not_restricted",
    "shareholders",
    "自然人股东不得为失信被执行人等受限人员",
    "no natural-person shareholder may be on the restricted (dishonest) list",
)
def _shareholders_clear(form: RegistrationForm) -> bool:
    return all(s.id_number not in dishonest_person_ids() for s in form.shareholders if s.id_number)


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
    rules=(_representative_clear, _shareholders_clear),
    issue=_issue,
)


def department(_settings: DepartmentSettings) -> DepartmentSpec:
    """What `python -m services credit` runs (services/launch.py)."""
    return CREDIT
