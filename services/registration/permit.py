"""Post-licence permits (证照分离) over HTTP, with the registration's access token.

- `GET /api/v1/registrations/{id}/permits`: each permit the licence's business scope needs
  after the licence: its kind, competent department, time limit, and where it stands.
- `POST /api/v1/registrations/{id}/permits/{permit_id}`: file (备案), commit (告知承诺) or apply,
  by the permit's kind; the competent department decides and the timeline shows it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path
from fastapi.responses import JSONResponse

from contracts.permits import PermitKind, PermitSubmission
from reference_data.permits import department_labels, permits
from service_runtime.auth_first import AuthFirstRoute, authenticated_first
from service_runtime.problems import Problem
from services.registration.access_renewal import (
    require_completed_by_owner,
    token_for_path_registration,
)
from services.registration.enterprises import conflict, enterprise_of
from services.registration.parts import Parts

router = APIRouter(tags=["permits"], route_class=AuthFirstRoute)
RegistrationId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
PermitIdPath = Annotated[str, Path(pattern=r"^PL[0-9]{3}$")]
SHOWN = (
    "permit_id",
    "kind",
    "department",
    "time_limit_working_days",
    "scope_items",
    "state",
    "permit_number",
    "submitted_at",
)


def _view(doc: dict[str, Any]) -> dict[str, Any]:
    permit = permits()[doc["permit_id"]]
    zh, en = department_labels(doc["department"])
    shown = {k: doc.get(k) for k in SHOWN}
    if shown["submitted_at"] is not None:
        shown["submitted_at"] = doc["submitted_at"].replace(tzinfo=UTC).isoformat()
    return {
        **shown,
        "name_zh": permit.name_zh,
        "name_en": permit.name_en,
        "department_zh": zh,
        "department_en": en,
    }


@router.get("/api/v1/registrations/{registration_id}/permits")
@authenticated_first(token_for_path_registration)
async def permits_of_registration(
    parts: Parts,
    registration_id: RegistrationId,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Every post-licence permit the business scope needs, and what to do for each."""
    await require_completed_by_owner(parts, registration_id, authorization)
    docs = await parts.permits.of_registration(registration_id)
    return JSONResponse({"permits": [_view(d) for d in docs]})


@router.post("/api/v1/registrations/{registration_id}/permits/{permit_id}", status_code=202)
@authenticated_first(token_for_path_registration)
async def submit_permit(
    parts: Parts,
    registration_id: RegistrationId,
    permit_id: PermitIdPath,
    body: PermitSubmission,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """A filing, a commitment or an application, to the permit's competent department."""
    await require_completed_by_owner(parts, registration_id, authorization)
    enterprise = await enterprise_of(parts, registration_id)
    kind = permits()[permit_id].kind if permit_id in permits() else None
    if kind == PermitKind.COMMITMENT.value and not body.commitment_signed:
        raise Problem(
            422,
            "commitment_not_signed",
            [
                {
                    "path": "commitment_signed",
                    "rule": "permit_commitment_signed",
                    "message_zh": "告知承诺制事项须签署告知承诺书",
                    "message_en": "a permit by commitment needs the signed commitment",
                }
            ],
        )
    outcome, doc = await parts.permits.submit(enterprise, permit_id, body, datetime.now(UTC))
    if outcome == "unknown":
        raise Problem(404, "permit_not_needed")
    assert doc is not None  # noqa: S101 - every other outcome found the permit
    if outcome == "not_required":
        raise conflict(
            "permit_approval_cancelled",
            "该事项已取消审批，领取营业执照即可开展经营",
            "this approval was abolished: the business licence is enough",
        )
    if outcome == "pending":
        raise conflict(
            "permit_already_submitted",
            "该事项已提交或已办结，请查看办理进度",
            "already submitted or decided: see its progress",
        )
    return JSONResponse(_view(doc), 202)
