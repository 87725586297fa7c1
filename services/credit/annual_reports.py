"""A missed annual report as an abnormal-operations list entry (经营异常名录), and its removal.

Market regulation's `annual-report.status.v1` says when an enterprise was listed for a year it
did not report on, and when it was removed after filing. Credit keeps that as one entry of its
abnormal-operations list, like a row of the list file: the portrait then reacts the same way
(credit.list-entry-recorded → portraits.py), and the removal repairs it.
"""

from __future__ import annotations

from collections.abc import Sequence

from contracts.annual_report import AnnualReportState, AnnualReportStatusChanged
from services.credit.entries import ListEntryStore
from services.credit.facts import CreditList, ListEntry

AUTHORITY = "市场监督管理部门（企业年度报告）"
_LISTING = frozenset({AnnualReportState.LISTED_ABNORMAL, AnnualReportState.REMOVED})


def abnormal_listing(event: AnnualReportStatusChanged) -> ListEntry | None:
    """The list entry this step means, or None (a report filed lists nothing)."""
    if event.state not in _LISTING or event.listed_on is None:
        return None
    return ListEntry(
        list=CreditList.ABNORMAL_OPERATIONS,
        entry_id=f"annual-report-{event.year}-{event.unified_social_credit_code}",
        subject_kind="enterprise",
        subject_id=event.unified_social_credit_code,
        subject_name=event.enterprise_name,
        listed_on=event.listed_on,
        removed_on=event.removed_on if event.state == AnnualReportState.REMOVED else None,
        authority=AUTHORITY,
        reason=f"未按规定期限公示{event.year}年度报告 / {event.year} annual report not filed in time",
    )


async def record_abnormal_listings(lists: ListEntryStore, events: Sequence[object]) -> int:
    """Store the batch's listings and removals. A listing delivered again after its removal
    (a replay) changes nothing: a removed entry is never listed again by the same fact."""
    found = [
        entry
        for event in events
        if isinstance(event, AnnualReportStatusChanged)
        and (entry := abnormal_listing(event)) is not None
    ]
    if not found:
        return 0
    removed = {e.key for e in await lists.by_keys({e.key for e in found}) if e.removed_on}
    fresh = [e for e in found if e.removed_on is not None or e.key not in removed]
    return (await lists.record(fresh)).recorded if fresh else 0
