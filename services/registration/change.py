"""Changes (变更登记) over HTTP, with the registration's access token.

- `GET /api/v1/registrations/{id}/change`: the form's changeable fields as they stand (its
  people's identity numbers masked), the licence version, and the change under way, if any.
- `POST /api/v1/registrations/{id}/changes`: a JSON Merge Patch (RFC 7396) of those fields; the
  departments whose view of the form it touches decide, then the licence is re-issued.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import JSONResponse

from contracts.changes import CHANGEABLE, ChangeState
from contracts.deregistration import DeregistrationState
from contracts.form import RegistrationForm
from contracts.projections import project
from service_runtime.auth_first import AuthFirstRoute, authenticated_first
from service_runtime.masking import mask_value
from service_runtime.problems import Problem
from services.registration.access_renewal import (
    require_completed_by_owner,
    token_for_path_registration,
)
from services.registration.corrections import PATCH_TYPES, amended_form, invalid
from services.registration.enterprises import conflict, enterprise_of
from services.registration.intake import parse_json_body
from services.registration.names import name_errors, name_key
from services.registration.parts import Parts

router = APIRouter(tags=["changes"], route_class=AuthFirstRoute)
RegistrationId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
SHOWN = ("id", "state", "licence_version", "changed_paths", "departments", "decisions")


def _masked(fields: dict[str, Any]) -> dict[str, Any]:
    """The changeable fields as shown: every identity number masked (the enterprise re-enters a
    person's in full only to change that person)."""

    def walk(value: Any) -> Any:  # noqa: ANN401 - JSON values
        if isinstance(value, dict):
            return {k: mask_value(v) if k == "id_number" else walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(fields)  # type: ignore[no-any-return]


def _change_view(change: dict[str, Any] | None) -> dict[str, Any] | None:
    if change is None:
        return None
    return {
        **{k: change.get(k) for k in SHOWN},
        "submitted_at": change["submitted_at"].replace(tzinfo=UTC).isoformat(),
    }


@router.get("/api/v1/registrations/{registration_id}/change")
@authenticated_first(token_for_path_registration)
async def change_form(
    parts: Parts,
    registration_id: RegistrationId,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """The change form (变更登记表), pre-filled from the enterprise's record."""
    await require_completed_by_owner(parts, registration_id, authorization)
    await enterprise_of(parts, registration_id)  # 409 once the licence is cancelled
    record = await parts.changes.record_of(registration_id)
    assert record is not None  # noqa: S101 - completed, so on record
    return JSONResponse(
        {
            "form": _masked(project(RegistrationForm.model_validate(record["form"]), CHANGEABLE)),
            "changeable": list(CHANGEABLE),
            "licence_version": record.get("licence_version", 1),
            "change": _change_view(record.get("change")),
        }
    )


@router.post("/api/v1/registrations/{registration_id}/changes", status_code=202)
@authenticated_first(token_for_path_registration)
async def submit_change(
    request: Request,
    parts: Parts,
    registration_id: RegistrationId,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Change the enterprise's registered particulars: a merge patch of the changeable fields."""
    await require_completed_by_owner(parts, registration_id, authorization)
    enterprise = await enterprise_of(parts, registration_id)
    patch = parse_json_body(request.headers.get("content-type"), await request.body(), PATCH_TYPES)
    if not isinstance(patch, dict):
        raise invalid(
            "patch_not_an_object", "变更内容应为 JSON 对象", "a merge patch must be a JSON object"
        )
    deregistration = await parts.deregistrations.of_registration(registration_id)
    if deregistration is not None and deregistration["state"] == DeregistrationState.NOTICED:
        raise conflict(
            "deregistration_in_progress",
            "简易注销公告期间不能办理变更登记",
            "no change while the simplified deregistration's notice runs",
        )
    record = await parts.changes.record_of(registration_id)
    assert record is not None  # noqa: S101 - completed, so on record
    if (record.get("change") or {}).get("state") == ChangeState.SUBMITTED.value:
        raise _in_progress()
    form, changed = amended_form(
        record["form"],
        patch,
        list(CHANGEABLE),
        (
            "change_not_allowed",
            "这些事项不能通过变更登记办理",
            "these fields cannot be changed here",
        ),
        ("change_changes_nothing", "变更内容未改变任何事项", "the patch changes nothing"),
    )
    key = name_key(form.enterprise.area, form.enterprise.name)
    if "enterprise.name" in changed and await parts.registrations.name_is_held(key):
        raise Problem(422, "form_invalid", name_errors(["name_taken_in_area"]))
    version = record.get("licence_version", 1)
    outcome, change = await parts.changes.submit(
        enterprise, form, changed, version, datetime.now(UTC)
    )
    if outcome == "pending":
        raise _in_progress()
    return JSONResponse(
        {
            "change_id": change["id"],
            "licence_version": change["licence_version"],
            "changed_paths": changed,
            "departments": change["departments"],
        },
        status_code=202,
    )


def _in_progress() -> Problem:
    return conflict("change_in_progress", "已有一项变更正在办理", "a change is already under way")
