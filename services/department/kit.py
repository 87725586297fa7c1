"""A department is a name, explicit named rules, and what it issues when every rule passes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from contracts.events import Artefact, Reason
from contracts.form import RegistrationForm

Rule = Callable[[RegistrationForm], Reason]
Issuer = Callable[[str, RegistrationForm], tuple[Artefact, ...]]


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


@dataclass(frozen=True)
class DepartmentSpec:
    name: str
    rules: tuple[Rule, ...]
    issue: Issuer
