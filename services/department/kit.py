"""A department is one small module: what it needs, when it applies, its named rules, what it issues.

What it waits for, its time limit and the form fields it receives (its projection) live in the
topology (`contracts/topology.py`). Its rules read that projection in the form's own shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from contracts.events import USCC_ARTEFACT, Artefact, Reason
from contracts.form import RegistrationForm

if TYPE_CHECKING:
    from services.department.extension import Extension

Rule = Callable[[RegistrationForm], Reason]
# (registration id, form, artefacts issued by each prerequisite department) -> what it issues
Issued = Mapping[str, tuple[Artefact, ...]]
Issuer = Callable[[str, RegistrationForm, Issued], tuple[Artefact, ...]]


def rule(
    name: str, field_path: str | None, message_zh: str, message_en: str
) -> Callable[[Callable[[RegistrationForm], bool]], Rule]:
    """Turn a predicate into a named rule whose result says which rule passed or failed."""

    def wrap(predicate: Callable[[RegistrationForm], bool]) -> Rule:
        def evaluate(form: RegistrationForm) -> Reason:
            return Reason(
                rule=name,
                passed=predicate(form),
                message_zh=message_zh,
                message_en=message_en,
                field_path=field_path,
            )

        evaluate.__name__ = name
        return evaluate

    return wrap


def always(_form: RegistrationForm) -> bool:
    return True


@dataclass(frozen=True)
class DepartmentSpec:
    name: str
    rules: tuple[Rule, ...]
    issue: Issuer
    applies: Callable[[RegistrationForm], bool] = always
    # Rules whose failure refuses at once instead of sending the case to an officer (credit's
    # joint punishment: a listed dishonest person may not found an enterprise).
    refusing: frozenset[str] = frozenset()
    # What the department's service runs besides its desk (credit: lists, portraits, queries).
    extension: Extension | None = None


def credit_code_from(prerequisites: Issued) -> str:
    """The unified social credit code the market department issued: one number for everything."""
    for artefact in prerequisites.get("market", ()):
        if artefact.kind == USCC_ARTEFACT:
            return artefact.number
    raise LookupError("the market department issued no unified social credit code")
