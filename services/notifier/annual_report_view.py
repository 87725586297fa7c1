"""Annual reports on the timeline: an entry per step, and each year's latest state."""

from __future__ import annotations

from typing import Any

from contracts.annual_report import (
    ANNUAL_REPORT_STATE_TEXT,
    AnnualReportState,
    AnnualReportStatusChanged,
)

# A year's steps in order: a late or repeated event never moves a year back.
_STEP = {
    AnnualReportState.FILED: 1,
    AnnualReportState.LISTED_ABNORMAL: 1,
    AnnualReportState.FILED_LATE: 2,
    AnnualReportState.REMOVED: 3,
}


def annual_report_entry(event: AnnualReportStatusChanged) -> dict[str, Any]:
    zh, en = ANNUAL_REPORT_STATE_TEXT[event.state]
    return {
        "department": "annual_report",
        "status": event.state.value,
        "sequence": _STEP[event.state],
        "year": event.year,
        "message_zh": f"{event.year}年度报告：{zh}",
        "message_en": f"{event.year} annual report: {en}",
    }


def latest_annual_reports(
    current: dict[str, Any] | None, event: AnnualReportStatusChanged
) -> dict[str, Any]:
    """Per year (a string key, as stored): its furthest state, and when it was listed."""
    years = dict(current or {})
    year = dict(years.get(str(event.year)) or {"state": None})
    if year["state"] is None or _STEP[event.state] > _STEP[AnnualReportState(year["state"])]:
        year["state"] = event.state.value
    if event.listed_on is not None:
        year["listed_on"] = event.listed_on.isoformat()
    if event.removed_on is not None:
        year["removed_on"] = event.removed_on.isoformat()
    years[str(event.year)] = year
    return years
