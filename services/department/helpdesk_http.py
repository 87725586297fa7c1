"""Officers' helpdesk endpoints (在线咨询), with their own department's officer token.

- `GET /api/v1/departments/{department}/helpdesk/queue`: the enterprises' unanswered questions
  to this department, the nearest reply deadline first.
- `POST /api/v1/departments/{department}/helpdesk/{question_id}/answer`: reply once; the
  enterprise reads it on its page and rates it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from service_runtime.auth_first import AuthFirstRoute, authenticated_first
from service_runtime.problems import Problem
from services.department.helpdesk import HelpdeskQueue
from services.department.http import (
    AuthorizationHeader,
    DepartmentPath,
    desk_and_officer,
    officer_first,
)

router = APIRouter(
    prefix="/api/v1/departments/{department}/helpdesk",
    tags=["officers", "helpdesk"],
    route_class=AuthFirstRoute,
)
QuestionPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


class Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2000)


def _queue(request: Request, department: str, authorization: str | None) -> HelpdeskQueue:
    desk, _ = desk_and_officer(request, department, authorization)
    if desk.helpdesk is None:
        raise Problem(404, "no_helpdesk_here")
    return desk.helpdesk


@router.get("/queue")
async def helpdesk_queue(
    request: Request, department: DepartmentPath, authorization: AuthorizationHeader = None
) -> JSONResponse:
    """Questions waiting for this department's reply, each with whether it is overdue."""
    now = datetime.now(UTC)
    docs = await _queue(request, department, authorization).queue()
    return JSONResponse(
        {
            "questions": [
                {
                    "question_id": d["_id"],
                    "registration_id": d["registration_id"],
                    "text": d["text"],
                    "asked_at": d["asked_at"].replace(tzinfo=UTC).isoformat(),
                    "due_at": d["due_at"].replace(tzinfo=UTC).isoformat(),
                    "overdue": d["due_at"].replace(tzinfo=UTC) < now,
                }
                for d in docs
            ]
        }
    )


@router.post("/{question_id}/answer")
@authenticated_first(officer_first)
async def answer_question(
    request: Request,
    department: DepartmentPath,
    question_id: QuestionPath,
    body: Reply,
    authorization: AuthorizationHeader = None,
) -> JSONResponse:
    """Reply to a question in this department's queue, once."""
    queue = _queue(request, department, authorization)
    _, officer = desk_and_officer(request, department, authorization)
    outcome = await queue.answer(
        question_id, officer.officer_id, body.text.strip(), datetime.now(UTC)
    )
    if outcome == "unknown":
        raise Problem(404, "question_not_found")
    if outcome == "closed":
        raise Problem(409, "question_already_answered")
    return JSONResponse({"question_id": question_id, "state": "answered"})
