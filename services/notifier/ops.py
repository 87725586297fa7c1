"""The operators' endpoints at /ops: the dashboard, re-driving a dead letter, publishing a
policy, drawing a period's random inspections.

Every /ops/api call needs an operator token (OPERATOR_TOKEN_SECRET; tools.operator_token).
The numbers are computed in dashboard.py, and the dead letters are kept by dead_letters.py;
draws go on to the credit service (inspections_proxy.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path as FilePath
from typing import Annotated
from uuid import uuid4

import structlog
from aiokafka.errors import KafkaError
from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field

from contracts.dead_letter import DeadLetter, redrive_message
from contracts.notices import PolicyPublished, PolicyTargeting
from contracts.topics import POLICY_PUBLISHED
from service_runtime.auth_first import AuthFirstRoute
from service_runtime.operators import OperatorId, operator_first
from service_runtime.problems import Problem
from services.notifier.dead_letters import redrive_record
from services.notifier.inspections_proxy import (
    InspectionDraw,
    draw_on_credit,
    drawn_record,
    relay,
    results_url,
)
from services.notifier.parts import Parts

log = structlog.get_logger("notifier.ops")
router = APIRouter(tags=["operators"], route_class=AuthFirstRoute)
STATIC = FilePath(__file__).parent / "static"


class PolicyDraft(BaseModel):
    title_zh: str = Field(min_length=1, max_length=200)
    title_en: str = Field(min_length=1, max_length=200)
    body_zh: str = Field(min_length=1, max_length=2000)
    body_en: str = Field(min_length=1, max_length=2000)
    targeting: PolicyTargeting = Field(default_factory=PolicyTargeting)


@router.get("/ops", include_in_schema=False)
async def dashboard() -> FileResponse:
    return FileResponse(STATIC / "ops.html", headers={"Cache-Control": "no-store"})


@router.get("/ops/api/summary")
async def summary(parts: Parts, operator: OperatorId) -> JSONResponse:  # noqa: ARG001
    """Everything the dashboard shows, computed at most four times a second for all viewers."""
    return JSONResponse(await parts.dashboard.summary())


@router.post("/ops/api/dead-letters/{letter_id}/redrive", status_code=202)
async def redrive(
    parts: Parts,
    letter_id: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
    operator: OperatorId,
) -> JSONResponse:
    """Put the letter's payload back on its topic, once; it comes back if it fails again."""
    letters = parts.dead_letters
    claimed = await letters.find_one_and_update(
        {"_id": letter_id, "state": "dead"},
        {"$set": {"state": "redriving", "redriven_by": operator}},
    )
    if claimed is None:
        exists = await letters.find_one({"_id": letter_id}, {"_id": 1})
        raise Problem(404 if exists is None else 409, "dead_letter_not_redrivable")
    message = redrive_message(DeadLetter.model_validate(claimed["letter"]))
    try:
        await parts.runtime.broker.publish(
            message.payload, message.topic, key=message.key, headers=message.headers
        )
    except KafkaError as error:
        await letters.update_one({"_id": letter_id}, {"$set": {"state": "dead"}})
        raise Problem(503, "broker_unavailable", detail=type(error).__name__) from error
    now = datetime.now(UTC)
    await letters.update_one(
        {"_id": letter_id}, {"$set": {"state": "redriven", "redriven_at": now}}
    )
    await parts.audit.append([redrive_record(letter_id, message.topic, message.key, operator, now)])
    log.info("dead_letter_redriven", letter_id=letter_id, topic=message.topic, by=operator)
    return JSONResponse({"id": letter_id, "state": "redriven", "topic": message.topic}, 202)


@router.post("/ops/api/policies", status_code=202)
@operator_first
async def publish_policy(parts: Parts, operator: OperatorId, draft: PolicyDraft) -> JSONResponse:
    """Publish a policy notice (政府找企业); it reaches only the enterprises its tags match."""
    event = PolicyPublished(
        event_id=uuid4(),
        source="notifier.ops",
        occurred_at=datetime.now(UTC),
        policy_id=uuid4().hex,
        published_by=operator,
        **draft.model_dump(),
    )
    await parts.runtime.publish(
        POLICY_PUBLISHED,
        event.policy_id,
        event.model_dump_json().encode(),
        {"content-type": "application/json"},
    )
    return JSONResponse({"policy_id": event.policy_id, "state": "published"}, 202)


@router.post("/ops/api/inspections", status_code=201)
@operator_first
async def draw_inspections(
    parts: Parts, operator: OperatorId, request: Request, draw: InspectionDraw
) -> Response:
    """Draw a period's random inspections (双随机) on the credit service, as this operator.

    Its refusals (401, 409 `period_already_drawn`, 422) come back as it gave them; a draw is
    recorded in the audit log and answered with the link to its public results page.
    """
    settings = parts.runtime.settings
    answer = await draw_on_credit(settings, request.headers["authorization"], draw)
    if answer.status_code != 201:  # noqa: PLR2004 - the credit service's "drawn"
        return relay(answer)
    drawn = answer.json()
    url = results_url(settings, drawn["period"])
    await parts.audit.append([drawn_record(drawn, operator, url, datetime.now(UTC))])
    log.info("inspections_drawn", period=drawn["period"], by=operator)
    return JSONResponse({**drawn, "results_url": url}, 201)
