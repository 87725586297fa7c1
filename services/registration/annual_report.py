"""Annual reports (企业年报) over HTTP, with the registration's access token.

- `GET /api/v1/registrations/{id}/annual-reports`: every year since founding, its window and
  state, and a draft pre-filled from what the form already says (headcount, insured staff).
- `POST /api/v1/registrations/{id}/annual-reports/{year}`: file the report on `year` (from
  1 January of the next year; after 30 June it is late).
- `POST /api/v1/registrations/{id}/annual-reports/{year}/removal`: once a missed report is
  filed, leave the abnormal-operations list (移出经营异常名录).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from contracts.annual_report import report_deadline
from service_runtime.auth_first import AuthFirstRoute, authenticated_first
from service_runtime.problems import Problem
from services.registration.access_renewal import (
    require_completed_by_owner,
    token_for_path_registration,
)
from services.registration.annual_reports import china_today, may_report
from services.registration.enterprises import conflict, enterprise_of
from services.registration.parts import Parts

router = APIRouter(tags=["annual reports"], route_class=AuthFirstRoute)
RegistrationId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
Year = Annotated[int, Path(ge=1990, le=2200)]
Yuan = Annotated[Decimal, Field(max_digits=16, decimal_places=2)]


class AnnualReport(BaseModel):
    """What the report says (企业年度报告): the enterprise's state and its figures for the year."""

    model_config = ConfigDict(extra="forbid")

    operating_state: Literal["operating", "suspended", "liquidating"] = Field(
        description="经营状态：开业、歇业、清算"
    )
    employees: int = Field(ge=0, le=1_000_000, description="从业人数")
    insured_employees: int = Field(ge=0, le=1_000_000, description="社保参保人数")
    total_assets_yuan: Yuan = Field(ge=0, description="资产总额（元）")
    revenue_yuan: Yuan = Field(ge=0, description="营业总收入（元）")
    net_profit_yuan: Yuan = Field(description="净利润（元），亏损为负")
    tax_paid_yuan: Yuan = Field(ge=0, description="纳税总额（元）")
    publish_financials: bool = Field(description="是否公示资产状况信息")


def _year_state(year: int, doc: dict[str, Any] | None, founded_on: date, today: date) -> str:
    if doc is not None:
        return str(doc["state"])
    if not may_report(founded_on, year, today):
        return "not_open"
    return "overdue" if today > report_deadline(year) else "open"


@router.get("/api/v1/registrations/{registration_id}/annual-reports")
@authenticated_first(token_for_path_registration)
async def annual_reports(
    parts: Parts,
    registration_id: RegistrationId,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Each year since founding: when it opens, its deadline, its state; and a draft."""
    await require_completed_by_owner(parts, registration_id, authorization)
    enterprise = await enterprise_of(parts, registration_id)
    today = china_today(datetime.now(UTC))
    docs = await parts.annual_reports.of_enterprise(enterprise.unified_social_credit_code)
    years = [
        {
            "year": year,
            "opens_on": date(year + 1, 1, 1).isoformat(),
            "deadline": report_deadline(year).isoformat(),
            "state": _year_state(year, docs.get(year), enterprise.founded_on, today),
            "listed_on": (docs.get(year) or {}).get("listed_on"),
            "removed_on": (docs.get(year) or {}).get("removed_on"),
        }
        for year in range(enterprise.founded_on.year, today.year + 1)
    ]
    form = (await parts.registrations.forms([registration_id]))[registration_id]
    staff = form.employment.employee_count if form.employment else 0
    draft = {"operating_state": "operating", "employees": staff, "insured_employees": staff}
    return JSONResponse(
        {
            "unified_social_credit_code": enterprise.unified_social_credit_code,
            "years": years,
            "draft": draft,
        }
    )


@router.post("/api/v1/registrations/{registration_id}/annual-reports/{year}", status_code=202)
@authenticated_first(token_for_path_registration)
async def file_annual_report(
    parts: Parts,
    registration_id: RegistrationId,
    year: Year,
    body: AnnualReport,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """File the annual report on `year`; 30 June of the next year is its deadline."""
    await require_completed_by_owner(parts, registration_id, authorization)
    enterprise = await enterprise_of(parts, registration_id)
    report = body.model_dump(mode="json")
    outcome = await parts.annual_reports.file(enterprise, year, report, datetime.now(UTC))
    if outcome == "not_open":
        raise conflict(
            "annual_report_not_open",
            f"{year}年度报告于{year + 1}年1月1日起报送，且只报送成立以后的年度",
            f"the {year} report opens on 1 January {year + 1}, for years since founding only",
        )
    if outcome == "conflict":
        raise conflict(
            "annual_report_already_filed",
            f"{year}年度报告已报送",
            f"the {year} report was already filed",
        )
    status = 200 if outcome == "same" else 202
    state = (await parts.annual_reports.of_enterprise(enterprise.unified_social_credit_code))[year]
    return JSONResponse({"year": year, "state": state["state"], "late": state["late"]}, status)


@router.post(
    "/api/v1/registrations/{registration_id}/annual-reports/{year}/removal", status_code=202
)
@authenticated_first(token_for_path_registration)
async def leave_abnormal_list(
    parts: Parts,
    registration_id: RegistrationId,
    year: Year,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Ask to leave the abnormal-operations list, the missing report being filed."""
    await require_completed_by_owner(parts, registration_id, authorization)
    enterprise = await enterprise_of(parts, registration_id)
    outcome = await parts.annual_reports.request_removal(enterprise, year, datetime.now(UTC))
    if outcome == "not_listed":
        raise Problem(404, "not_listed_for_year", year=year)
    if outcome == "not_filed":
        raise conflict(
            "annual_report_not_filed",
            f"请先补报{year}年度报告，再申请移出经营异常名录",
            f"file the {year} report first, then ask to be removed",
        )
    return JSONResponse({"year": year, "state": "removed"}, 202 if outcome == "removed" else 200)
