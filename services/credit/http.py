"""Credit's endpoints: list ingestion and inspection draws (operators), the public query.

- `POST /api/v1/credit/lists/{list}/entries`: an operator's batch of validated rows
  (tools.credit_ingest sends them); answers how many were recorded and how many unchanged.
- `GET /api/v1/credit/{uscc}` and `GET /api/v1/credit?name=`: the public credit query, rate
  limited per address; `/credit/{uscc}` and `/credit?name=` are the same as bilingual pages.
- `POST /api/v1/credit/inspections`: an operator draws a period's random inspections;
  `GET /api/v1/credit/inspections/{period}` (and `/credit/inspections/{period}`) publish them.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

import structlog
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

from service_runtime.auth_first import AuthFirstRoute
from service_runtime.china_time import CHINA
from service_runtime.operators import OperatorId, operator_first
from service_runtime.problems import Problem
from services.credit.draws import DrawRequest, draw_and_record, published_draw
from services.credit.facts import CreditList, ListEntry
from services.credit.lists import LIST_FORMATS, check_row
from services.credit.pages import HEADERS, draw_page, enterprise_page, search_page
from services.credit.parts import Credit

log = structlog.get_logger("credit.http")
router = APIRouter(tags=["credit"], route_class=AuthFirstRoute)
USCC = Annotated[str, Path(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$", description="统一社会信用代码")]
PERIOD = Annotated[str, Path(pattern=r"^[0-9A-Za-z-]{4,20}$", examples=["2026-Q4"])]
NAME = Annotated[str | None, Query(min_length=2, max_length=100)]
SEARCH_LIMIT = 20


class EntryBatch(BaseModel):
    entries: list[ListEntry] = Field(min_length=1, max_length=500)


def _today() -> date:
    return datetime.now(CHINA).date()


@router.post("/api/v1/credit/lists/{credit_list}/entries")
@operator_first
async def record_entries(
    credit: Credit, operator: OperatorId, credit_list: CreditList, batch: EntryBatch
) -> JSONResponse:
    """Store a batch of one list's rows; the same rows again change nothing."""
    strays = [i for i, e in enumerate(batch.entries) if e.list != credit_list]
    if strays:
        errors = [
            {
                "field": f"entries.{i}.list",
                "message_zh": "与路径中的名单不一致",
                "message_en": "differs from the list in the path",
            }
            for i in strays
        ]
        raise Problem(422, "entry_list_mismatch", errors)
    entries = _checked(batch.entries, credit_list)
    recorded = await credit.lists.record(entries)
    log.info(
        "list_entries_recorded",
        list=credit_list.value,
        recorded=recorded.recorded,
        unchanged=recorded.unchanged,
        operator=operator,
    )
    return JSONResponse({"recorded": recorded.recorded, "unchanged": recorded.unchanged})


def _checked(entries: list[ListEntry], credit_list: CreditList) -> list[ListEntry]:
    """The same checks as the file's rows (check digits, who the list may name, its required
    columns), so an entry sent straight to the API cannot be one the tool would refuse."""
    fmt = LIST_FORMATS[credit_list]
    checked, errors = [], []
    for i, entry in enumerate(entries):
        raw = {
            k: v for k, v in entry.model_dump(mode="json").items() if k != "list" and v is not None
        }
        found = check_row(raw, credit_list, fmt)
        if isinstance(found, tuple):
            errors += [{"field": f"entries.{i}", "message": reason} for reason in found]
        else:
            checked.append(found)
    if errors:
        raise Problem(422, "invalid_list_entries", errors)
    return checked


@router.post("/api/v1/credit/inspections", status_code=201)
@operator_first
async def draw(credit: Credit, operator: OperatorId, request: DrawRequest) -> JSONResponse:
    """Draw the period's inspections (双随机): recorded with its seed, then published."""
    return JSONResponse(await draw_and_record(credit, request, operator), status_code=201)


@router.get("/api/v1/credit/inspections/{period}")
async def inspections(request: Request, credit: Credit, period: PERIOD) -> JSONResponse:
    credit.public_limit(request)
    return JSONResponse(await published_draw(credit, period))


@router.get("/credit/inspections/{period}", include_in_schema=False)
async def inspections_page(request: Request, credit: Credit, period: PERIOD) -> HTMLResponse:
    credit.public_limit(request)
    return HTMLResponse(draw_page(await published_draw(credit, period)), headers=HEADERS)


@router.get("/api/v1/credit/{uscc}")
async def credit_record(request: Request, credit: Credit, uscc: USCC) -> JSONResponse:
    """The public credit record of one enterprise (Hengqin's fields)."""
    credit.public_limit(request)
    found = await credit.public_record(uscc, _today())
    if found is None:
        raise Problem(404, "enterprise_not_found")
    return JSONResponse(found)


@router.get("/api/v1/credit")
async def search(request: Request, credit: Credit, name: NAME = None) -> JSONResponse:
    """Enterprises whose name contains `name` (at most 20)."""
    credit.public_limit(request)
    if name is None:
        raise Problem(422, "name_required")
    return JSONResponse({"results": await _search(credit, name)})


@router.get("/credit/{uscc}", include_in_schema=False)
async def credit_page(request: Request, credit: Credit, uscc: USCC) -> HTMLResponse:
    credit.public_limit(request)
    found = await credit.public_record(uscc, _today())
    if found is None:
        return HTMLResponse(search_page(None, []), status_code=404, headers=HEADERS)
    return HTMLResponse(enterprise_page(found), headers=HEADERS)


@router.get("/credit", include_in_schema=False)
async def credit_search_page(request: Request, credit: Credit, name: NAME = None) -> HTMLResponse:
    credit.public_limit(request)
    results = await _search(credit, name) if name else []
    return HTMLResponse(search_page(name, results), headers=HEADERS)


async def _search(credit: Credit, name: str) -> list[dict[str, str]]:
    cursor = credit.enterprises.enterprises.find(
        {"name": {"$regex": re.escape(name)}},
        {"name": 1, "legal_representative_name": 1, "status": 1},
    ).limit(SEARCH_LIMIT)
    return [
        {
            "uscc": doc["_id"],
            "name": doc["name"],
            "legal_representative": doc["legal_representative_name"],
            "registration_status": doc.get("status", "registered"),
        }
        async for doc in cursor
    ]
