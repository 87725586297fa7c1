"""Simplified deregistration (简易注销) over HTTP.

- `POST /api/v1/registrations/{id}/deregistration` (the registration's access token): the
  enterprise's commitment; starts the 20-day public notice. Only for a completed registration
  whose licence is valid; once (the same commitment again is answered as it was).
- `GET /api/v1/deregistration-notices` and `GET /api/v1/deregistration-notices/{notice_id}`:
  the public notices (公示), no login: the enterprise's name and credit code, the period, state.
- `POST /api/v1/deregistration-notices/{notice_id}/objections`: anyone (a creditor) objects
  within the period. Public like the form itself, so limited per client before the body is read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from contracts.deregistration import NOTICE_DAYS, DeregistrationState
from service_runtime.auth_first import AuthFirstRoute, authenticated_first
from service_runtime.host import service_parts
from service_runtime.problems import Problem
from services.registration.access_renewal import (
    require_completed_by_owner,
    token_for_path_registration,
)
from services.registration.enterprises import conflict, enterprise_of
from services.registration.parts import Parts, RegistrationParts

router = APIRouter(tags=["deregistration"], route_class=AuthFirstRoute)
NoticeId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


class Commitment(BaseModel):
    """承诺书: what simplified deregistration requires the enterprise to declare."""

    model_config = ConfigDict(extra="forbid")

    no_debts: Literal[True] = Field(description="无债权债务，或债权债务已清算完结")
    taxes_settled: Literal[True] = Field(description="无未结清的应缴税款、罚款和滞纳金")
    no_open_cases: Literal[True] = Field(
        description="无正在处理的违法案件，未被列入经营异常名录或严重违法失信名单"
    )
    reason: str | None = Field(default=None, max_length=200, description="注销原因（可选）")


class Objection(BaseModel):
    """An objection to a notice (异议). The objector's name and contact go to the registration
    authority only: never on the bus, the public notice or the enterprise's page."""

    model_config = ConfigDict(extra="forbid")

    objector: str = Field(min_length=1, max_length=60, description="异议人（个人或单位名称）")
    contact: str = Field(min_length=5, max_length=80, description="联系方式（电话或邮箱）")
    grounds: str = Field(min_length=5, max_length=1000, description="异议理由")


def public_notice(doc: dict[str, Any]) -> dict[str, Any]:
    def moment(value: object) -> str | None:
        return value.replace(tzinfo=UTC).isoformat() if isinstance(value, datetime) else None

    return {
        "notice_id": doc["notice_id"],
        "enterprise_name": doc["enterprise_name"],
        "unified_social_credit_code": doc["unified_social_credit_code"],
        "state": doc["state"],
        "notice_starts_at": moment(doc["notice_starts_at"]),
        "notice_ends_at": moment(doc["notice_ends_at"]),
        "decided_at": moment(doc.get("decided_at")),
        "objections_url": f"/api/v1/deregistration-notices/{doc['notice_id']}/objections",
    }


@router.post("/api/v1/registrations/{registration_id}/deregistration", status_code=202)
@authenticated_first(token_for_path_registration)
async def request_deregistration(
    parts: Parts,
    registration_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    body: Commitment,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Sign the commitment and start the 20-day public notice of simplified deregistration."""
    await require_completed_by_owner(parts, registration_id, authorization)
    enterprise = await enterprise_of(parts, registration_id)
    outcome = await parts.deregistrations.request(enterprise, body.model_dump(), datetime.now(UTC))
    if outcome == "conflict":
        raise conflict(
            "deregistration_already_requested",
            "已提交过不同内容的简易注销承诺",
            "a different deregistration commitment was already made",
        )
    doc = await parts.deregistrations.of_registration(registration_id)
    assert doc is not None  # noqa: S101 - just stored or found
    return JSONResponse(
        {**public_notice(doc), "notice_days": NOTICE_DAYS},
        status_code=202 if outcome == "noticed" else 200,
    )


@router.get("/api/v1/deregistration-notices")
async def list_notices(
    request: Request,
    parts: Parts,
    state: Annotated[
        Literal["noticed", "objected", "approved"], Query(description="默认：公示中")
    ] = "noticed",
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> JSONResponse:
    """Public notices of simplified deregistration (简易注销公告), the soonest ending first."""
    parts.public_limit(request)
    found = await parts.deregistrations.notices(DeregistrationState(state), limit)
    return JSONResponse({"notices": [public_notice(d) for d in found]})


@router.get("/api/v1/deregistration-notices/{notice_id}")
async def get_notice(request: Request, parts: Parts, notice_id: NoticeId) -> JSONResponse:
    """One public notice."""
    parts.public_limit(request)
    doc = await parts.deregistrations.notice(notice_id)
    if doc is None:
        raise Problem(404, "notice_not_found")
    return JSONResponse(public_notice(doc))


def objection_limit(request: Request) -> None:
    """Objections are public, so the per-client limit comes before the body is read."""
    service_parts(RegistrationParts)(request).public_limit(request)


@router.post("/api/v1/deregistration-notices/{notice_id}/objections", status_code=202)
@authenticated_first(objection_limit)
async def object_to_notice(parts: Parts, notice_id: NoticeId, body: Objection) -> JSONResponse:
    """Object within the notice period: the simplified deregistration then ends."""
    outcome = await parts.deregistrations.object(notice_id, body.model_dump(), datetime.now(UTC))
    if outcome == "unknown":
        raise Problem(404, "notice_not_found")
    if outcome == "closed":
        raise conflict(
            "notice_period_over",
            "公示期已结束，不再受理异议",
            "the notice period is over; objections are no longer accepted",
        )
    return JSONResponse({"notice_id": notice_id, "result": outcome}, status_code=202)
