"""Random inspections drawn from /ops: the request goes on to the credit service, server-side.

The credit service draws and publishes (services/credit/draws.py); the notifier passes the
operator's own bearer token along, relays the credit service's answer, and keeps an audit
record of a draw that succeeded (kind `operator.inspections_drawn`, services/notifier/audit.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

import httpx
from fastapi import Response
from pydantic import BaseModel, Field

from service_runtime.problems import Problem
from service_runtime.settings import NotifierSettings
from services.notifier.audit_records import timestamp

# A draw reads every candidate enterprise before it answers: more than a page's forward.
DRAW_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
RELAYED_HEADERS = {"content-type", "retry-after"}


class InspectionDraw(BaseModel):
    """The same fields and rules as the credit service's own `DrawRequest`."""

    period: str = Field(pattern=r"^[0-9A-Za-z-]{4,20}$", examples=["2026-Q4"])
    # Given to redo a draw elsewhere and check it; otherwise the credit service picks one.
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1)


def results_url(settings: NotifierSettings, period: str) -> str:
    """The public results page (一公开) of a period's draw."""
    return f"{settings.credit_public_url.rstrip('/')}/credit/inspections/{period}"


async def draw_on_credit(
    settings: NotifierSettings, authorization: str, draw: InspectionDraw
) -> httpx.Response:
    """The credit service's answer to the draw, whatever it is; 503 when it cannot be reached."""
    url = f"{settings.credit_service_url.rstrip('/')}/api/v1/credit/inspections"
    try:
        async with httpx.AsyncClient(timeout=DRAW_TIMEOUT) as client:
            return await client.post(
                url,
                json=draw.model_dump(exclude_none=True),
                headers={"Authorization": authorization},
            )
    except httpx.HTTPError as error:
        raise Problem(503, "credit_service_unavailable", detail=type(error).__name__) from error


def relay(answer: httpx.Response) -> Response:
    """A refusal (401, 409, 422, …) as the credit service gave it."""
    headers = {k: v for k, v in answer.headers.items() if k.lower() in RELAYED_HEADERS}
    return Response(answer.content, status_code=answer.status_code, headers=headers)


def drawn_record(drawn: dict[str, Any], operator: str, url: str, at: datetime) -> dict[str, Any]:
    """The audit log's record of a draw: who, which period and seed, how many per class."""
    return {
        "event_id": str(uuid4()),
        "occurred_at": timestamp(at),
        "kind": "operator.inspections_drawn",
        "registration_id": None,
        "operator": operator,
        "period": drawn["period"],
        "seed": drawn["seed"],
        "drawn": drawn["drawn"],
        "overall_proportion": drawn["overall_proportion"],
        "results_url": url,
    }
