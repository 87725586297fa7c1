"""Which reminders are due for a registered enterprise on a given day. Pure: the clock is an input.

- Annual report (年报): 1 January to 30 June, for the previous year, once registered before it.
- Tax filing (纳税申报): each month, by the 15th, once registered before the month began.
  The legal deadline moves past public holidays; this reminder keeps the plain 15th.
- Licence expiry: 30 days before a fixed business term ends (a term left empty is 长期).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from contracts.form import years_later
from contracts.notices import ReminderKind

ANNUAL_REPORT_LAST = (6, 30)
TAX_FILING_LAST_DAY = 15
EXPIRY_NOTICE = timedelta(days=30)


@dataclass(frozen=True)
class DueReminder:
    kind: ReminderKind
    period: str
    due_date: date
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str

    @property
    def about(self) -> str:
        return f"{self.kind.value}:{self.period}"


def due_reminders(
    registered_on: date, business_term_years: int | None, today: date
) -> list[DueReminder]:
    due: list[DueReminder] = []
    report_deadline = date(today.year, *ANNUAL_REPORT_LAST)
    if registered_on.year < today.year and today <= report_deadline:
        year = today.year - 1
        due.append(
            DueReminder(
                ReminderKind.ANNUAL_REPORT,
                str(year),
                report_deadline,
                f"请报送{year}年度年度报告",
                f"Submit your {year} annual report",
                f"请于{report_deadline:%Y年%m月%d日}前通过国家企业信用信息公示系统报送{year}年度报告。",
                f"File the {year} annual report on the National Enterprise Credit Information "
                f"Publicity System by {report_deadline:%d %B %Y}.",
            )
        )
    month_start = today.replace(day=1)
    if registered_on < month_start and today.day <= TAX_FILING_LAST_DAY:
        filing_deadline = today.replace(day=TAX_FILING_LAST_DAY)
        due.append(
            DueReminder(
                ReminderKind.TAX_FILING,
                f"{today:%Y-%m}",
                filing_deadline,
                f"{today.month}月纳税申报提醒",
                f"Monthly tax filing for {today:%B %Y}",
                f"请于{filing_deadline:%m月%d日}前完成上月增值税等税费申报。",
                f"File last month's VAT and other taxes by {filing_deadline:%d %B}.",
            )
        )
    if business_term_years is not None:
        expires = years_later(registered_on, business_term_years)
        if expires - EXPIRY_NOTICE <= today <= expires:
            due.append(
                DueReminder(
                    ReminderKind.LICENCE_EXPIRY,
                    expires.isoformat(),
                    expires,
                    "营业执照营业期限即将届满",
                    "Your business licence term is ending",
                    f"营业期限将于{expires:%Y年%m月%d日}届满，如需继续经营请及时办理变更登记。",
                    f"The business term ends on {expires:%d %B %Y}; "
                    "apply for a change of registration to keep trading.",
                )
            )
    return due
