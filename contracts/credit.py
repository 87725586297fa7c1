"""Credit facts on the bus: list entries recorded, portraits changed, risks flagged.

A portrait belongs to an enterprise registered here, so its events carry the registration that
founded it (the Kafka key, like every other event of that enterprise) and its credit code. A
source-list entry is about a person or an enterprise, not a registration: its event is keyed by
the entry and carries no personal data (the credit service reads the entry from its own store).
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.events import Envelope

CreditClass = Literal["A", "B", "C", "D"]
CreditListName = Literal[
    "dishonest_debtors",
    "abnormal_operations",
    "serious_violations",
    "administrative_penalties",
    "tax_arrears",
    "court_judgments",
    "social_insurance_arrears",
]


# What each class means, in both languages: one table for the credit service, the page and the
# dashboard.
CREDIT_CLASS_LABELS: dict[str, tuple[str, str]] = {
    "A": ("守信", "trustworthy"),
    "B": ("基本守信", "generally trustworthy"),
    "C": ("失信风险", "at risk of untrustworthiness"),
    "D": ("严重失信", "seriously untrustworthy"),
}


class CreditListEntryRecorded(BaseModel):
    """A new or changed row of a source list was stored; portraits it touches are recomputed."""

    model_config = ConfigDict(frozen=True)

    event_type: Literal["credit.list-entry-recorded.v1"] = "credit.list-entry-recorded.v1"
    event_id: UUID = Field(description="unique id of this event; the deduplication key")
    source: str = Field(description="service that produced the event", examples=["credit"])
    occurred_at: AwareDatetime = Field(description="when the entry was stored, UTC")
    list: CreditListName = Field(description="the source list", examples=["abnormal_operations"])
    entry_key: str = Field(
        max_length=120, description="`<list>:<entry id>`; also the Kafka key", examples=["a:1"]
    )
    subject_kind: Literal["person", "enterprise"]
    uscc: str | None = Field(
        default=None, description="统一社会信用代码, when the subject is an enterprise"
    )


class Contribution(BaseModel):
    """One indicator's share of a score: why a portrait is what it is."""

    model_config = ConfigDict(frozen=True)

    indicator: str = Field(examples=["abnormal_operations_active"])
    label_zh: str
    label_en: str
    value: float = Field(description="the indicator's value, 0 to 1")
    contribution: float = Field(description="points it adds (positive) or takes (negative)")


class CreditProfileChanged(Envelope):
    """An enterprise's portrait was computed and differs from the last one."""

    event_type: Literal["credit.profile-changed.v1"] = "credit.profile-changed.v1"
    uscc: str = Field(description="统一社会信用代码")
    score: int = Field(ge=0, le=1000)
    credit_class: CreditClass = Field(description="A best … D worst (4 classes)")
    level: int = Field(ge=1, le=10, description="1 best … 10 worst (10 levels)")
    previous_class: CreditClass | None = None
    previous_level: int | None = Field(default=None, ge=1, le=10)
    explanation: tuple[Contribution, ...] = Field(description="the top contributing indicators")
    trigger: str = Field(
        max_length=120, description="what made it recompute", examples=["registration.completed"]
    )


class CreditRiskFlagged(Envelope):
    """A portrait fell into class C or D (风险警示): officers and the enterprise are told."""

    event_type: Literal["credit.risk-flagged.v1"] = "credit.risk-flagged.v1"
    uscc: str
    credit_class: CreditClass
    level: int = Field(ge=1, le=10)
    reasons_zh: tuple[str, ...] = Field(description="the indicators that pulled it down")
    reasons_en: tuple[str, ...]


# The artefact credit's approval carries: the worst credit class among the applicant's related
# persons and enterprises (their other enterprises, its legal-person shareholders). A
# department that routes by credit (contracts/topology.py `credit_routing`) reads it.
RELATED_CREDIT_CLASS_ARTEFACT = "related_credit_class"
