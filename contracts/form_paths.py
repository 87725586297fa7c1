"""Dotted paths into the one form (`enterprise.name`, `shareholders.0.id_number`), checked."""

from __future__ import annotations

from typing import get_args

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from contracts.form import RegistrationForm


def nested_model(field: FieldInfo) -> type[BaseModel] | None:
    """The model a field holds, directly, optionally, or as the items of a list."""
    candidates = [field.annotation, *get_args(field.annotation)]
    candidates += [b for a in get_args(field.annotation) for b in get_args(a)]
    return next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)


def holds_list(field: FieldInfo) -> bool:
    annotations = [field.annotation, *get_args(field.annotation)]
    return any(getattr(a, "__origin__", None) is list for a in annotations)


def form_path_exists(path: str, model: type[BaseModel] = RegistrationForm) -> bool:
    """Whether `path` names a field of the form (a list item by its index), nothing else.

    Officers' reasons carry such paths and the page builds a correction patch from them, so a
    path like `__proto__.polluted` must never get that far.
    """
    current: type[BaseModel] | None = model
    expect_index = False
    for part in path.split("."):
        if expect_index:
            if not part.isdigit() or len(part) > 4:  # noqa: PLR2004 - no list is that long
                return False
            expect_index = False
            continue
        field = current.model_fields.get(part) if current else None
        if field is None:
            return False
        current, expect_index = nested_model(field), holds_list(field)
    return True


def projection_path_exists(path: str, model: type[BaseModel] = RegistrationForm) -> bool:
    """Whether a projection's `path` names a field of the form; a path into a list names that
    field of every item (`principal_officers.name`), so it takes no index."""
    current: type[BaseModel] | None = model
    for part in path.split("."):
        field = current.model_fields.get(part) if current else None
        if field is None:
            return False
        current = nested_model(field)
    return True
