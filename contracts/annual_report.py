"""Annual reports (企业年度报告): each enterprise reports each year, or is listed as abnormal.

An enterprise reports on year Y between 1 January and 30 June of Y + 1 (China time); one
founded in Y reports from Y + 1 on. Market regulation lists an enterprise that missed the
deadline on the abnormal-operations list (经营异常名录, 企业信息公示暂行条例 第八条、第十七条);
once it has filed the missing report it may ask to be removed, and is (移出经营异常名录).

Each step is an `annual-report.status.v1` fact keyed by the registration: the credit service
turns a listing and a removal into its abnormal-operations list entry, and the enterprise's
timeline shows them. The report's figures stay with market regulation: no event carries them.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import Field

from contracts.events import Envelope

DEADLINE_MONTH_DAY = (6, 30)  # 30 June of the following year


class AnnualReportState(StrEnum):
    FILED = "filed"  # on time
    FILED_LATE = "filed_late"  # after 30 June
    LISTED_ABNORMAL = "listed_abnormal"  # missed the deadline: on the abnormal-operations list
    REMOVED = "removed"  # the missing report filed and removal asked: off the list


ANNUAL_REPORT_STATE_TEXT = {
    AnnualReportState.FILED: ("年度报告已报送", "annual report filed"),
    AnnualReportState.FILED_LATE: ("年度报告已补报", "annual report filed late"),
    AnnualReportState.LISTED_ABNORMAL: (
        "未按期报送年度报告，已列入经营异常名录",
        "annual report not filed by 30 June: listed as abnormal",
    ),
    AnnualReportState.REMOVED: (
        "已补报年度报告，移出经营异常名录",
        "the missing report filed: removed from the abnormal-operations list",
    ),
}


def report_deadline(year: int) -> date:
    """The last day to report on `year`."""
    month, day = DEADLINE_MONTH_DAY
    return date(year + 1, month, day)


class AnnualReportStatusChanged(Envelope):
    """An enterprise's annual report for one year moved on."""

    event_type: Literal["annual-report.status.v1"] = "annual-report.status.v1"
    state: AnnualReportState
    year: int = Field(ge=1990, le=2200, description="the year reported on")
    unified_social_credit_code: str = Field(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")
    enterprise_name: str = Field(min_length=1, max_length=100)
    listed_on: date | None = Field(
        default=None, description="listed as abnormal on (China time): listed_abnormal, removed"
    )
    removed_on: date | None = Field(default=None, description="removed from the list on: removed")
