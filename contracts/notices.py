"""Proactive push (政府找企业): reminders the scheduler finds due, and policy notices operators publish."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.events import Envelope
from contracts.form import EnterpriseType, FreeTradeZoneArea

Text = Annotated[str, Field(min_length=1, max_length=2000)]


class ReminderKind(StrEnum):
    LICENCE_EXPIRY = "licence_expiry"  # a licence or permit runs out soon
    ANNUAL_REPORT = "annual_report"  # 年报: 1 January to 30 June for the previous year
    TAX_FILING = "tax_filing"  # 纳税申报: monthly, by the 15th


class ReminderDue(Envelope):
    """A reminder fell due for one enterprise; the event id is stable per enterprise and period."""

    event_type: Literal["reminder.due.v1"] = "reminder.due.v1"
    kind: ReminderKind
    period: str = Field(description="what the reminder is for", examples=["2026", "2026-12"])
    due_date: date = Field(description="the last day to act")
    uscc: str | None = Field(default=None, description="统一社会信用代码 of the enterprise")
    title_zh: Text
    title_en: Text
    body_zh: Text
    body_en: Text


class EnterpriseSize(StrEnum):
    """By employees, simplified from the statistical classification (统计上大中小微型企业划分)."""

    MICRO = "micro"  # fewer than 10
    SMALL = "small"  # 10 to 99
    MEDIUM = "medium"  # 100 to 999
    LARGE = "large"  # 1,000 or more


class PolicyTargeting(BaseModel):
    """Every given tag must match; an empty list or a missing value matches everyone."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    areas: list[FreeTradeZoneArea] = Field(default_factory=list, max_length=10)
    industry_code_prefixes: list[Annotated[str, Field(pattern=r"^[A-T]\d{0,4}$")]] = Field(
        default_factory=list,
        max_length=50,
        description="GB/T 4754 prefixes: a section letter, then optional digits",
        examples=[["I65"]],
    )
    enterprise_types: list[EnterpriseType] = Field(default_factory=list, max_length=10)
    sizes: list[EnterpriseSize] = Field(default_factory=list, max_length=4)
    foreign_invested: bool | None = Field(
        default=None, description="only foreign-invested, or only domestic"
    )


class PolicyPublished(BaseModel):
    """An operator published a policy notice; the notifier delivers it to matching enterprises."""

    model_config = ConfigDict(frozen=True)

    event_type: Literal["policy.published.v1"] = "policy.published.v1"
    event_id: UUID = Field(description="unique id of this event; the deduplication key")
    source: str = Field(examples=["notifier"])
    occurred_at: AwareDatetime
    policy_id: str = Field(pattern=r"^[0-9a-f]{32}$", description="also the Kafka key")
    published_by: str = Field(description="the operator who published it")
    title_zh: Annotated[str, Field(min_length=1, max_length=200)]
    title_en: Annotated[str, Field(min_length=1, max_length=200)]
    body_zh: Text
    body_en: Text
    targeting: PolicyTargeting
