"""Corrections (补正): a JSON Merge Patch (RFC 7396) of exactly the fields departments asked for."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import uuid4

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import JSONResponse

from contracts.events import RegistrationCorrected
from contracts.form import RegistrationForm
from service_runtime.problems import Problem
from services.registration.access_renewal import require_current_token
from services.registration.http import content_errors
from services.registration.intake import parse_json_body, validate_form
from services.registration.names import name_errors
from services.registration.parts import Parts
from services.registration.store import NameTakenError

router = APIRouter(tags=["registrations"])
PATCH_TYPES = frozenset({"application/merge-patch+json", "application/json"})


def merge_patch(target: Any, patch: Any) -> Any:  # noqa: ANN401 - JSON values
    """RFC 7396: objects merge recursively, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def changed_paths(before: Any, after: Any, prefix: str = "") -> list[str]:  # noqa: ANN401 - JSON values
    if isinstance(before, dict) and isinstance(after, dict):
        keys = sorted(set(before) | set(after))
        return [
            p for k in keys for p in changed_paths(before.get(k), after.get(k), f"{prefix}{k}.")
        ]
    return [] if before == after else [prefix.rstrip(".")]


def within(path: str, requested: list[str]) -> bool:
    return any(path == r or path.startswith(r + ".") for r in requested)


def invalid(code: str, zh: str, en: str, paths: list[str] | None = None) -> Problem:
    """A 422 whose errors name each path (or none), in both languages."""
    errors = [
        {"path": p, "rule": code, "message_zh": zh, "message_en": en} for p in (paths or [""])
    ]
    return Problem(422, code, errors)


Refusal = tuple[str, str, str]  # code, Chinese, English


def amended_form(
    current: dict[str, Any],
    patch: dict[str, Any],
    allowed: list[str],
    not_allowed: Refusal,
    no_change: Refusal,
) -> tuple[RegistrationForm, list[str]]:
    """The form after the patch, and the paths it changes: only within `allowed`, something
    changed, and the result a valid form (a correction's, or a registered enterprise's change)."""
    amended = merge_patch(current, patch)
    changed = changed_paths(current, amended)
    outside = [p for p in changed if not within(p, allowed)]
    if outside:
        raise invalid(*not_allowed, outside)
    if not changed:
        raise invalid(*no_change)
    form = validate_form(amended)
    errors = content_errors(form)
    if errors:
        raise Problem(422, "form_invalid", errors)
    return form, changed


def corrected_form(
    state: dict[str, Any], patch: dict[str, Any]
) -> tuple[RegistrationForm, list[str]]:
    """Apply the patch; refuse fields nobody asked for, no-op patches and invalid results."""
    requested = sorted(
        {p for paths in (state.get("correction_requests") or {}).values() for p in paths}
    )
    if not requested:
        raise invalid(
            "no_correction_requested",
            "目前没有部门要求补正",
            "no department has asked for a correction",
        )
    return amended_form(
        state["form"],
        patch,
        requested,
        ("correction_not_requested", "补正了未被要求补正的字段", "these fields were not asked for"),
        ("correction_changes_nothing", "补正内容未改变任何字段", "the patch changes nothing"),
    )


@router.post("/api/v1/registrations/{registration_id}/corrections", status_code=202)
async def submit_correction(
    request: Request,
    parts: Parts,
    registration_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Send a JSON Merge Patch of the fields departments asked to have corrected."""
    await require_current_token(parts, registration_id, authorization)
    patch = parse_json_body(request.headers.get("content-type"), await request.body(), PATCH_TYPES)
    if not isinstance(patch, dict):
        raise invalid(
            "patch_not_an_object", "补正内容应为 JSON 对象", "a merge patch must be a JSON object"
        )
    store = parts.registrations
    state = await store.correction_state(registration_id)
    if state is None:
        raise Problem(404, "registration_not_found")
    if state["status"] != "submitted":
        raise invalid(
            "registration_closed",
            "该申请已办结或已撤回，不能补正",
            f"the registration is {state['status']}",
        )
    form, changed = corrected_form(state, patch)
    current_round = state.get("correction_round") or 1
    event = RegistrationCorrected(
        event_id=uuid4(),
        source="registration",
        occurred_at=datetime.now(UTC),
        registration_id=registration_id,
        round=current_round + 1,
        changed_paths=tuple(changed),
        form=form,
    )
    try:
        stored = await store.apply_correction(
            event, current_round, hashlib.sha256(form.model_dump_json().encode()).hexdigest()
        )
    except NameTakenError:
        raise Problem(422, "form_invalid", name_errors(["name_taken_in_area"])) from None
    if not stored:
        raise Problem(409, "registration_changed_retry")
    return JSONResponse(
        {"registration_id": registration_id, "round": event.round, "changed_paths": list(changed)},
        status_code=202,
    )
