"""Free delivery of the paper results (免费邮寄) over HTTP: the enterprise's choice, and the
carrier's tracking reports.

- `POST /api/v1/registrations/{id}/delivery` (the registration's access token): pick up at
  the service hall, or post to a recipient. Only once the registration has completed (the
  licence exists); once per registration (the same choice again is answered as it was).
- `POST /api/v1/deliveries/tracking` (the carrier's bearer token, `CARRIER_WEBHOOK_TOKEN`):
  a later step of a postal order, by tracking number.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.delivery import DeliveryMethod, DeliveryState
from service_runtime.auth_first import AuthFirstRoute, authenticated_first
from service_runtime.host import settings_of
from service_runtime.problems import Problem
from service_runtime.settings import RegistrationSettings
from services.registration.access_renewal import (
    require_completed_by_owner,
    token_for_path_registration,
)
from services.registration.parts import Parts

router = APIRouter(tags=["delivery"], route_class=AuthFirstRoute)
Text = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^\S(.*\S)?$")]


class PostalAddress(BaseModel):
    model_config = ConfigDict(extra="forbid")

    province: Text = Field(description="省", examples=["广东省"])
    city: Text = Field(description="市", examples=["广州市"])
    district: Text = Field(description="区", examples=["南沙区"])
    street: str = Field(
        min_length=1, max_length=120, description="街道门牌", examples=["进港大道8号"]
    )
    postcode: str = Field(pattern=r"^[0-9]{6}$", examples=["511458"])


class Recipient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(description="收件人")
    mobile: str = Field(pattern=r"^1[3-9][0-9]{9}$", description="收件人手机号")
    address: PostalAddress


class DeliveryChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: DeliveryMethod = Field(description="pickup: 大厅自取; post: 免费邮寄")
    recipient: Recipient | None = Field(default=None, description="for post only")

    @model_validator(mode="after")
    def _recipient_for_post_only(self) -> DeliveryChoice:
        if (self.method == "post") != (self.recipient is not None):
            msg = "post needs a recipient; pickup takes none / 邮寄须填写收件人，自取无需填写"
            raise ValueError(msg)
        return self


def view(rid: str, doc: dict[str, object]) -> dict[str, object]:
    return {
        "registration_id": rid,
        "method": doc["method"],
        "state": doc["state"],
        "carrier": doc.get("carrier"),
        "tracking_number": doc.get("tracking_number"),
    }


@router.post("/api/v1/registrations/{registration_id}/delivery", status_code=202)
@authenticated_first(token_for_path_registration)
async def choose_delivery(
    parts: Parts,
    registration_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    body: DeliveryChoice,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Choose pick-up or free postal delivery of the paper licence and seals."""
    await require_completed_by_owner(parts, registration_id, authorization)
    if body.method == "post" and not parts.runtime.settings.carrier_url:
        raise Problem(503, "postal_delivery_unavailable")
    recipient = body.recipient.model_dump() if body.recipient else None
    chosen = await parts.deliveries.choose(registration_id, body.method, recipient)
    if chosen == "conflict":
        raise Problem(409, "delivery_already_chosen")
    doc = await parts.deliveries.find(registration_id)
    assert doc is not None  # noqa: S101 - just stored or found
    return JSONResponse(view(registration_id, doc), status_code=202 if chosen == "chosen" else 200)


def carrier_token(request: Request) -> None:
    """The auth-first check: the carrier's own bearer token, compared in constant time."""
    expected = settings_of(request, RegistrationSettings).carrier_webhook_token.get_secret_value()
    presented = request.headers.get("authorization", "")
    if not presented.startswith("Bearer ") or not hmac.compare_digest(
        presented[7:].encode(), expected.encode()
    ):
        raise Problem(401, "carrier_token_invalid")


class TrackingReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tracking_number: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")
    state: Literal["in_transit", "delivered"]


@router.post("/api/v1/deliveries/tracking")
@authenticated_first(carrier_token)
async def carrier_reports(parts: Parts, report: TrackingReport) -> JSONResponse:
    """A postal order moved on; a repeated or late report is accepted and changes nothing."""
    moved = await parts.deliveries.tracked(report.tracking_number, DeliveryState(report.state))
    if moved == "unknown":
        raise Problem(404, "tracking_number_unknown")
    return JSONResponse({"tracking_number": report.tracking_number, "result": moved})
