"""The helpdesk over HTTP: the knowledge base, the enterprise's questions and ratings on its
page, and the dashboard's view. Officers reply in their own department's service
(services/department/helpdesk_http.py), with their department's own key.

- `GET /page/api/help/articles?q=`: the articles that may answer a question (public).
- `GET|POST /page/api/registrations/{id}/questions`: the enterprise's questions; ask one.
- `POST /page/api/registrations/{id}/questions/{question_id}/rating`: rate a reply, 1 to 5.
- `GET /ops/api/helpdesk`: questions past their reply deadline; satisfaction per department.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from contracts.topology import TOPOLOGY
from reference_data.helpdesk import articles, suggest
from service_runtime.auth_first import AuthFirstRoute
from service_runtime.operators import OperatorId
from service_runtime.problems import Problem
from services.notifier.page_proxy import owned
from services.notifier.parts import Parts

router = APIRouter(tags=["helpdesk"], route_class=AuthFirstRoute)
RegistrationPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
QuestionPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
M = TypeVar("M", bound=BaseModel)


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    department: str = Field(description="the department asked: one of the topology's")
    text: str = Field(min_length=5, max_length=1000, description="the question, in any language")


class Rating(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: int = Field(ge=1, le=5, description="1 (poor) to 5 (excellent)")
    comment: str = Field(default="", max_length=500)


async def _body(request: Request, model: type[M]) -> M:
    """The body, read only after the caller was let in."""
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as error:
        raise Problem(
            422,
            "invalid_body",
            [
                {
                    "path": ".".join(str(p) for p in e["loc"]),
                    "rule": e["type"],
                    "message_zh": "内容不符合要求",
                    "message_en": e["msg"],
                }
                for e in error.errors()
            ],
        ) from None


def _article(article: Any) -> dict[str, Any]:  # noqa: ANN401 - an Article
    return {
        "id": article.id,
        "department": article.department,
        "title_zh": article.title_zh,
        "title_en": article.title_en,
        "body_zh": article.body_zh,
        "body_en": article.body_en,
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.replace(tzinfo=UTC).isoformat()


def _question(doc: dict[str, Any]) -> dict[str, Any]:
    answer, rating = doc.get("answer"), doc.get("rating")
    return {
        "question_id": doc["_id"],
        "department": doc["department"],
        "department_zh": TOPOLOGY.label_zh(doc["department"]),
        "department_en": TOPOLOGY.label_en(doc["department"]),
        "text": doc["text"],
        "state": doc["state"],
        "asked_at": _iso(doc["asked_at"]),
        "due_at": _iso(doc["due_at"]),
        # The reply, without the officer's id: the enterprise sees the department's answer.
        "answer": None if answer is None else {"text": answer["text"], "at": _iso(answer["at"])},
        "rating": None if rating is None else {**rating, "at": _iso(rating["at"])},
    }


@router.get("/page/api/help/articles")
async def help_articles(q: Annotated[str, Query(max_length=500)] = "") -> JSONResponse:
    """The articles that may answer `q`, best first; every article without `q`."""
    found = suggest(q) if q.strip() else list(articles().values())
    return JSONResponse({"articles": [_article(a) for a in found]})


@router.get("/page/api/registrations/{registration_id}/questions")
async def my_questions(
    request: Request, parts: Parts, registration_id: RegistrationPath
) -> JSONResponse:
    await owned(request, parts, registration_id)
    docs = await parts.helpdesk.of_registration(registration_id)
    return JSONResponse({"questions": [_question(d) for d in docs]})


@router.post("/page/api/registrations/{registration_id}/questions", status_code=201)
async def ask(request: Request, parts: Parts, registration_id: RegistrationPath) -> JSONResponse:
    """Ask a department; the reply is due within two working days."""
    parts.page_limits.write(request)
    await owned(request, parts, registration_id)
    question = await _body(request, Question)
    if question.department not in TOPOLOGY.by_name:
        raise Problem(
            422,
            "unknown_department",
            [
                {
                    "path": "department",
                    "rule": "known_department",
                    "message_zh": "请选择要咨询的部门",
                    "message_en": "choose one of the departments",
                }
            ],
        )
    doc = await parts.helpdesk.ask(
        registration_id, question.department, question.text.strip(), datetime.now(UTC)
    )
    return JSONResponse(_question(doc), 201)


@router.post("/page/api/registrations/{registration_id}/questions/{question_id}/rating")
async def rate(
    request: Request, parts: Parts, registration_id: RegistrationPath, question_id: QuestionPath
) -> JSONResponse:
    """Rate a department's reply once (企业满意度评分)."""
    parts.page_limits.write(request)
    await owned(request, parts, registration_id)
    rating = await _body(request, Rating)
    moved = await parts.helpdesk.rate(
        registration_id, question_id, rating.score, rating.comment.strip(), datetime.now(UTC)
    )
    if moved == "unknown":
        raise Problem(404, "question_not_found")
    if moved == "closed":
        raise Problem(409, "question_not_awaiting_rating")
    return JSONResponse({"question_id": question_id, "state": "rated"})


@router.get("/ops/api/helpdesk")
async def helpdesk_dashboard(parts: Parts, operator: OperatorId) -> JSONResponse:  # noqa: ARG001
    """Questions past their reply deadline, and each department's satisfaction by week."""
    now = datetime.now(UTC)
    desk = parts.helpdesk
    overdue = await desk.overdue(now)
    return JSONResponse(
        {
            "overdue": [
                {
                    "question_id": d["_id"],
                    "department": d["department"],
                    "asked_at": _iso(d["asked_at"]),
                    "due_at": _iso(d["due_at"]),
                }
                for d in overdue
            ],
            "satisfaction": await desk.satisfaction(now),
        }
    )
