"""Withdrawal before completion: the registration ends and departments stop."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import uuid4

from fastapi import APIRouter, Header, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from contracts.events import RegistrationWithdrawn
from service_runtime.auth_first import AuthFirstRoute, authenticated_first
from service_runtime.problems import Problem
from services.registration.access_renewal import (
    require_current_token,
    token_for_path_registration,
)
from services.registration.parts import Parts

router = APIRouter(tags=["registrations"], route_class=AuthFirstRoute)


class WithdrawalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500, description="撤回原因（可选）")


@router.post("/api/v1/registrations/{registration_id}/withdraw", status_code=202)
@authenticated_first(token_for_path_registration)
async def withdraw(
    parts: Parts,
    registration_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    body: WithdrawalRequest | None = None,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Withdraw before completion: the overall status becomes `withdrawn` and departments stop."""
    await require_current_token(parts, registration_id, authorization)
    event = RegistrationWithdrawn(
        event_id=uuid4(),
        source="registration",
        occurred_at=datetime.now(UTC),
        registration_id=registration_id,
        reason=body.reason if body else None,
    )
    outcome = await parts.registrations.withdraw(event)
    if outcome == "not_found":
        raise Problem(404, "registration_not_found")
    if outcome != "withdrawn_now":
        raise Problem(409, f"registration_{outcome}", registration_status=outcome)
    return JSONResponse(
        {"registration_id": registration_id, "status": "withdrawn"}, status_code=202
    )
