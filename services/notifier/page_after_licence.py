"""The page's writes after the licence: the paper licence's delivery, post-licence permits,
annual reports, simplified deregistration and changes, each passed through to the registration service with the
registration's own token (page_proxy.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from services.notifier.page_proxy import get_owned, post_owned
from services.notifier.parts import Parts

router = APIRouter(tags=["enterprise page"])
RegistrationPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
Year = Annotated[int, Path(ge=1990, le=2200)]
PermitIdPath = Annotated[str, Path(pattern=r"^PL[0-9]{3}$")]


@router.post("/page/api/registrations/{registration_id}/delivery", status_code=202)
async def choose_delivery_through_page(
    request: Request, parts: Parts, registration_id: RegistrationPath
) -> Response:
    """Pick-up or free postal delivery of the paper licence and seals (免费邮寄)."""
    return await post_owned(request, parts, registration_id, "delivery", "json")


@router.post("/page/api/registrations/{registration_id}/permits/{permit_id}", status_code=202)
async def submit_permit_through_page(
    request: Request, parts: Parts, registration_id: RegistrationPath, permit_id: PermitIdPath
) -> Response:
    """A post-licence permit's filing, commitment or application (证照分离)."""
    return await post_owned(request, parts, registration_id, f"permits/{permit_id}", "json")


@router.get("/page/api/registrations/{registration_id}/change")
async def change_form_through_page(
    request: Request, parts: Parts, registration_id: RegistrationPath
) -> Response:
    """The change form (变更登记), pre-filled from the enterprise's record."""
    return await get_owned(request, parts, registration_id, "change")


@router.post("/page/api/registrations/{registration_id}/changes", status_code=202)
async def submit_change_through_page(
    request: Request, parts: Parts, registration_id: RegistrationPath
) -> Response:
    """A change of the enterprise's registered particulars: a merge patch of the changed ones."""
    return await post_owned(request, parts, registration_id, "changes", "merge-patch+json")


@router.post("/page/api/registrations/{registration_id}/deregistration", status_code=202)
async def deregister_through_page(
    request: Request, parts: Parts, registration_id: RegistrationPath
) -> Response:
    """The commitment of simplified deregistration (简易注销), signed on the page."""
    return await post_owned(request, parts, registration_id, "deregistration", "json")


@router.get("/page/api/registrations/{registration_id}/annual-reports")
async def annual_reports_through_page(
    request: Request, parts: Parts, registration_id: RegistrationPath
) -> Response:
    """Each year's annual report (企业年报): its window, its state, and a pre-filled draft."""
    return await get_owned(request, parts, registration_id, "annual-reports")


@router.post("/page/api/registrations/{registration_id}/annual-reports/{year}", status_code=202)
async def file_annual_report_through_page(
    request: Request, parts: Parts, registration_id: RegistrationPath, year: Year
) -> Response:
    """File the annual report on `year`."""
    return await post_owned(request, parts, registration_id, f"annual-reports/{year}", "json")


@router.post(
    "/page/api/registrations/{registration_id}/annual-reports/{year}/removal", status_code=202
)
async def leave_abnormal_list_through_page(
    request: Request, parts: Parts, registration_id: RegistrationPath, year: Year
) -> Response:
    """Ask to leave the abnormal-operations list once the missing report is filed."""
    action = f"annual-reports/{year}/removal"
    return await post_owned(request, parts, registration_id, action, "json")
