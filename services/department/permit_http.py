"""Officer endpoints for post-licence permit applications (证照分离), beside the cases' ones.

- `GET /api/v1/departments/{department}/permits/queue`: applications waiting, nearest deadline
  first (filings and commitments are decided at once and never wait).
- `POST /api/v1/departments/{department}/permits/{case_id}/decision`: approve, or reject with
  the reasons the enterprise reads on its page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from contracts.events import Reason
from service_runtime.auth_first import AuthFirstRoute, authenticated_first
from service_runtime.problems import Problem
from services.department.http import (
    AuthorizationHeader,
    DecisionReason,
    DepartmentPath,
    desk_and_officer,
    officer_first,
)
from services.department.permits import PermitDesk

router = APIRouter(
    prefix="/api/v1/departments/{department}/permits",
    tags=["officers", "permits"],
    route_class=AuthFirstRoute,
)
CaseIdPath = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]


class PermitDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject"]
    reasons: list[DecisionReason] = Field(default_factory=list, max_length=50)


class PermitCaseView(BaseModel):
    case_id: str
    registration_id: str
    enterprise_name: str
    unified_social_credit_code: str
    permit_id: str
    kind: str
    state: str
    submission: dict[str, Any]
    received_at: datetime
    deadline_at: datetime | None = None


def _permits(request: Request, department: str, authorization: str | None) -> PermitDesk:
    desk, _ = desk_and_officer(request, department, authorization)
    if desk.permits is None:
        raise Problem(404, "no_permits_here")
    return desk.permits


@router.get("/queue")
async def permit_queue(
    request: Request, department: DepartmentPath, authorization: AuthorizationHeader = None
) -> list[PermitCaseView]:
    """Applications waiting for an officer, nearest deadline first."""
    permits = _permits(request, department, authorization)
    return [PermitCaseView(case_id=d["_id"], **d) for d in await permits.queue()]


@router.post("/{case_id}/decision")
@authenticated_first(officer_first)
async def decide_permit(
    request: Request,
    department: DepartmentPath,
    case_id: CaseIdPath,
    body: PermitDecision,
    authorization: AuthorizationHeader = None,
) -> dict[str, str]:
    """Approve the application (a permit number), or reject it with reasons."""
    permits = _permits(request, department, authorization)
    _, officer = desk_and_officer(request, department, authorization)
    if body.decision == "reject" and not body.reasons:
        raise Problem(
            422,
            "reasons_required",
            [
                {
                    "path": "reasons",
                    "rule": "reasons_required",
                    "message_zh": "不予许可须说明理由",
                    "message_en": "a refusal needs its reasons",
                }
            ],
        )
    reasons = [Reason(rule="officer_reject", passed=False, **r.model_dump()) for r in body.reasons]
    refused = None if body.decision == "approve" else reasons
    outcome = await permits.decide(case_id, officer.officer_id, refused, datetime.now(UTC))
    if outcome == "unknown":
        raise Problem(404, "permit_case_not_found")
    if outcome == "closed":
        raise Problem(409, "permit_case_closed")
    return {"case_id": case_id, "state": "approved" if body.decision == "approve" else "rejected"}
