"""Withdrawal before completion, and learning completion so a finished one cannot be withdrawn."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import uuid4

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from contracts.events import RegistrationCompleted, RegistrationWithdrawn, decode_event
from contracts.topology import TOPOLOGY
from service_runtime.access import token_grants
from service_runtime.delivery import Decoded
from service_runtime.host import Runtime
from service_runtime.problems import Problem
from services.registration.store import MongoRegistrationStore

router = APIRouter(tags=["registrations"])


class WithdrawalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500, description="撤回原因（可选）")


def when_registration_completed_remember_it(
    store: MongoRegistrationStore,
) -> Callable[[Sequence[Decoded[Any]]], Awaitable[None]]:
    async def handle(batch: Sequence[Decoded[Any]]) -> None:
        done = [
            i.event.registration_id for i in batch if isinstance(i.event, RegistrationCompleted)
        ]
        if done:
            await store.mark_completed(done)

    return handle


async def completion_component(runtime: Runtime) -> None:
    subscription = TOPOLOGY.subscription_for("registration")
    runtime.subscribe_batches(
        topics=subscription.topics,
        group=subscription.group_id,
        decode=decode_event,
        handle=when_registration_completed_remember_it(runtime.state["registrations"]),
        name="when_registration_completed_remember_it",
    )


@router.post("/api/v1/registrations/{registration_id}/withdraw", status_code=202)
async def withdraw(
    request: Request,
    registration_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    body: WithdrawalRequest | None = None,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Withdraw before completion: the overall status becomes `withdrawn` and departments stop."""
    runtime: Runtime = request.app.state.runtime
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Problem(401, "missing_token")
    if not token_grants(
        runtime.settings.access_token_secret.get_secret_value(), registration_id, token.strip()
    ):
        raise Problem(403, "token_not_for_registration")
    event = RegistrationWithdrawn(
        event_id=uuid4(),
        source="registration",
        occurred_at=datetime.now(UTC),
        registration_id=registration_id,
        reason=body.reason if body else None,
    )
    store: MongoRegistrationStore = runtime.state["registrations"]
    outcome = await store.withdraw(event)
    if outcome == "not_found":
        raise Problem(404, "registration_not_found")
    if outcome != "withdrawn_now":
        raise Problem(409, f"registration_{outcome}", registration_status=outcome)
    return JSONResponse(
        {"registration_id": registration_id, "status": "withdrawn"}, status_code=202
    )
