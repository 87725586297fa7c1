"""Simplified deregistration (简易注销): the enterprise closes, in one application.

An enterprise with no debts, no unsettled taxes and no open cases declares so in a commitment
(承诺书). A public notice runs for 20 days (公示期) in which anyone (a creditor) may object. With
no objection the registration authority approves: the business licence is cancelled, and every
department closes its records for the enterprise in the fan-out, each saying so. An objection
ends the simplified procedure; the enterprise must then use the ordinary one.

Every step is a `deregistration.status.v1` fact keyed by the registration. The objector's name
and contact stay with the registration authority: no event carries them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from contracts.events import DepartmentName, Envelope

NOTICE_DAYS = 20  # 公示期: 20 calendar days, fixed by the State Administration's rules


class DeregistrationState(StrEnum):
    NOTICED = "noticed"  # the public notice runs; objections are open
    OBJECTED = "objected"  # someone objected: the simplified procedure ends
    APPROVED = "approved"  # the notice ended with no objection: the licence is cancelled
    RECORDS_CLOSED = "records_closed"  # one department closed its records (`department`)


DEREGISTRATION_STATE_TEXT = {
    DeregistrationState.NOTICED: (
        "简易注销公告已发布，公示期内可提出异议",
        "public notice started",
    ),
    DeregistrationState.OBJECTED: (
        "公示期内有异议，简易注销终止，请办理一般注销",
        "an objection was filed: simplified deregistration ended; use the ordinary procedure",
    ),
    DeregistrationState.APPROVED: (
        "公示期满无异议，准予简易注销，营业执照已注销",
        "no objection within the notice period: deregistered; the business licence is cancelled",
    ),
    DeregistrationState.RECORDS_CLOSED: ("已注销相关登记记录", "records closed"),
}


class DeregistrationStatusChanged(Envelope):
    """A step of an enterprise's simplified deregistration."""

    event_type: Literal["deregistration.status.v1"] = "deregistration.status.v1"
    state: DeregistrationState
    unified_social_credit_code: str = Field(
        pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$", description="统一社会信用代码 of the enterprise"
    )
    notice_ends_at: AwareDatetime | None = Field(
        default=None, description="when the 20-day public notice ends (noticed)"
    )
    department: DepartmentName | None = Field(
        default=None, description="the department that closed its records (records_closed)"
    )
