"""Random inspections (双随机、一公开), drawn by an operator, recorded, then published.

The candidates are every registered enterprise with a portrait, by credit class and area
office; the inspectors and their recorded relationships come from the roster
(reference_data/credit_inspectors.json). The draw itself is services/credit/inspections.py:
reproducible from the recorded seed and period.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field
from pymongo.errors import DuplicateKeyError

from service_runtime.problems import Problem
from services.credit.inspections import Candidate, Inspector, draw_inspections

if TYPE_CHECKING:
    from services.credit.parts import CreditParts

ROSTER = Path(__file__).resolve().parents[2] / "reference_data" / "credit_inspectors.json"


class DrawRequest(BaseModel):
    period: str = Field(pattern=r"^[0-9A-Za-z-]{4,20}$", examples=["2026-Q4"])
    # Given to redo a draw elsewhere and check it; otherwise a fresh random seed is recorded.
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1)


@cache
def roster() -> tuple[tuple[Inspector, ...], frozenset[tuple[str, str]]]:
    data = json.loads(ROSTER.read_text("utf-8"))
    inspectors = tuple(Inspector(**i) for i in data["inspectors"])
    conflicts = frozenset((c["staff_id"], c["uscc"]) for c in data["relationships"])
    return inspectors, conflicts


async def draw_and_record(
    credit: CreditParts, request: DrawRequest, operator: str
) -> dict[str, Any]:
    cursor = credit.enterprises.enterprises.find(
        {"portrait": {"$exists": True}, "status": "registered"},
        {"portrait.credit_class": 1, "area": 1},
    )
    candidates = [
        Candidate(doc["_id"], doc["portrait"]["credit_class"], doc["area"]) async for doc in cursor
    ]
    seed = request.seed if request.seed is not None else secrets.randbits(63)
    try:
        drawn = draw_inspections(
            candidates, credit.inspectors, credit.conflicts, seed, request.period
        )
    except ValueError as error:  # e.g. the 3 % minimum cannot be reached: nothing is recorded
        raise Problem(422, "draw_not_possible", detail=str(error)) from error
    public = drawn.publishable()
    record = {
        "_id": request.period,
        "record": drawn.to_document(),
        "public": public,
        "drawn_by": operator,
        "drawn_at": datetime.now(UTC),
    }
    try:
        await credit.draws.insert_one(record)
    except DuplicateKeyError as error:
        raise Problem(409, "period_already_drawn", period=request.period) from error
    return public


async def published_draw(credit: CreditParts, period: str) -> dict[str, Any]:
    found = await credit.draws.find_one({"_id": period}, {"public": 1, "drawn_at": 1})
    if found is None:
        raise Problem(404, "draw_not_found", period=period)
    public: dict[str, Any] = found["public"]
    return {**public, "drawn_at": found["drawn_at"].isoformat()}
