"""Annual reports (企业年报): one document per enterprise and year, each step with its event.

A document is made by the enterprise's report, or by the listing of a report it missed (then
the report is added later). Its figures stay here. Which years an enterprise owes follows from
its founding date and today's date in China; the listing clock reads only licences it has not
checked up to the latest year past its deadline (`report_checked_through`, set at issue).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import NAMESPACE_URL, uuid5

import structlog
from pymongo.errors import DuplicateKeyError

from contracts.annual_report import AnnualReportState, AnnualReportStatusChanged, report_deadline
from contracts.topics import ANNUAL_REPORT_STATUS
from service_runtime.china_time import CHINA
from service_runtime.mongo import Document
from service_runtime.outbox import (
    Stored,
    outbox_entry,
    outbox_fields_for_new_document,
    with_outbox_append,
)
from services.registration.after_licence import AfterLicenceStore
from services.registration.enterprises import Enterprise

log = structlog.get_logger("annual_reports")
_STEP = uuid5(NAMESPACE_URL, "https://enterprise-page.example/annual-report")
Filed = Literal["filed", "filed_late", "same", "conflict", "not_open"]
Removal = Literal["removed", "same", "not_listed", "not_filed"]


def china_today(now: datetime) -> date:
    return now.astimezone(CHINA).date()


def latest_overdue_year(today: date) -> int:
    """The latest year whose report deadline has passed by `today`."""
    return today.year - 1 if today > report_deadline(today.year - 1) else today.year - 2


def may_report(founded_on: date, year: int, today: date) -> bool:
    """A year is reported on from 1 January of the next, and only a year the enterprise lived."""
    return founded_on.year <= year < today.year


def _event(
    enterprise: Enterprise, year: int, state: AnnualReportState, now: datetime, doc: Document
) -> AnnualReportStatusChanged:
    return AnnualReportStatusChanged(
        # One event per enterprise, year and state: a retried write stores the same event id.
        event_id=uuid5(_STEP, f"{enterprise.unified_social_credit_code}:{year}:{state.value}"),
        source="registration",
        occurred_at=now,
        registration_id=enterprise.registration_id,
        state=state,
        year=year,
        unified_social_credit_code=enterprise.unified_social_credit_code,
        enterprise_name=enterprise.name,
        listed_on=doc.get("listed_on") and date.fromisoformat(doc["listed_on"]),
        removed_on=doc.get("removed_on") and date.fromisoformat(doc["removed_on"]),
    )


class AnnualReportStore(AfterLicenceStore):
    collection_name = "annual_reports"

    async def create_indexes(self) -> None:
        await super().create_indexes()
        await self.collection.create_index("uscc")
        await self._licences.create_index("report_checked_through", sparse=True)

    async def on_clock(self, now: datetime) -> object:
        return await self.list_overdue(now)

    async def of_enterprise(self, uscc: str) -> dict[int, Document]:
        cursor = self.collection.find({"uscc": uscc}, {"outbox": 0, "report": 0})
        return {doc["year"]: doc async for doc in cursor}

    async def file(
        self, enterprise: Enterprise, year: int, report: dict[str, Any], now: datetime
    ) -> Filed:
        """File the report for `year` once; the same report again is answered as it was."""
        today = china_today(now)
        if not may_report(enterprise.founded_on, year, today):
            return "not_open"
        late = today > report_deadline(year)
        state = AnnualReportState.FILED_LATE if late else AnnualReportState.FILED
        key = f"{enterprise.unified_social_credit_code}:{year}"
        fields = {"report": report, "filed_at": now, "late": late}
        entry = outbox_entry(ANNUAL_REPORT_STATUS, _event(enterprise, year, state, now, {}))
        doc = {**self._identity(enterprise, year), **fields, "state": state.value}
        try:
            await self.collection.insert_one({**doc, **outbox_fields_for_new_document([entry])})
        except DuplicateKeyError:
            # Listed before it reported: the late report joins the listing's document.
            update = with_outbox_append({"$set": {**fields, "state": state.value}}, [entry])
            added = await self.collection.update_one({"_id": key, "report": None}, update)
            if not added.modified_count:
                found = await self.collection.find_one({"_id": key}, {"report": 1})
                return "same" if found and found.get("report") == report else "conflict"
        await self._relay.publish_stored([Stored(key, [entry])])
        return "filed_late" if late else "filed"

    async def request_removal(self, enterprise: Enterprise, year: int, now: datetime) -> Removal:
        """Off the abnormal-operations list, once the missing report is filed."""
        key = f"{enterprise.unified_social_credit_code}:{year}"
        doc = await self.collection.find_one({"_id": key}, {"outbox": 0})
        if doc is None or not doc.get("listed_on"):
            return "not_listed"
        if doc.get("removed_on"):
            return "same"
        if doc.get("report") is None:
            return "not_filed"
        removed = {**doc, "removed_on": china_today(now).isoformat()}
        state = AnnualReportState.REMOVED
        entry = outbox_entry(ANNUAL_REPORT_STATUS, _event(enterprise, year, state, now, removed))
        update = with_outbox_append(
            {"$set": {"removed_on": removed["removed_on"], "state": state.value}}, [entry]
        )
        moved = await self.collection.update_one({"_id": key, "removed_on": None}, update)
        if moved.modified_count:
            await self._relay.publish_stored([Stored(key, [entry])])
        return "removed"

    async def list_overdue(self, now: datetime, limit: int = 200) -> int:
        """List every enterprise that missed a report deadline; mark its licence checked."""
        today = china_today(now)
        overdue = latest_overdue_year(today)
        licences = await self._licences.find(
            {"report_checked_through": {"$lt": overdue}, "cancelled_at": None},
            {"registration_id": 1, "licence.name": 1, "licence.founding_date": 1},
        ).to_list(limit)
        listed = 0
        for licence in licences:
            enterprise = Enterprise(
                licence["registration_id"],
                licence["licence"]["name"],
                licence["_id"],
                date.fromisoformat(licence["licence"]["founding_date"]),
            )
            for year in range(enterprise.founded_on.year, overdue + 1):
                listed += await self._list_if_missing(enterprise, year, today, now)
            await self._licences.update_one(
                {"_id": licence["_id"]}, {"$max": {"report_checked_through": overdue}}
            )
        return listed

    async def _list_if_missing(
        self, enterprise: Enterprise, year: int, today: date, now: datetime
    ) -> int:
        doc = {**self._identity(enterprise, year), "report": None, "listed_on": today.isoformat()}
        state = AnnualReportState.LISTED_ABNORMAL
        entry = outbox_entry(ANNUAL_REPORT_STATUS, _event(enterprise, year, state, now, doc))
        try:
            await self.collection.insert_one(
                {**doc, "state": state.value, **outbox_fields_for_new_document([entry])}
            )
        except DuplicateKeyError:
            return 0  # reported (or listed) already
        await self._relay.publish_stored([Stored(doc["_id"], [entry])])
        log.info("annual_report_missed", year=year, registration_id=enterprise.registration_id)
        return 1

    @staticmethod
    def _identity(enterprise: Enterprise, year: int) -> Document:
        return {
            "_id": f"{enterprise.unified_social_credit_code}:{year}",
            "uscc": enterprise.unified_social_credit_code,
            "registration_id": enterprise.registration_id,
            "enterprise_name": enterprise.name,
            "year": year,
            "removed_on": None,
        }
