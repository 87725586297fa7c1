"""What the credit service knows of an enterprise: source-list entries and the enterprise's record.

These are the inputs of every indicator (indicators.py) and of the joint punishment gate
(rules.py). They are plain values: a portrait is a pure function of them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CreditList(StrEnum):
    """The source lists the credit service ingests (one file format each, docs/credit.md)."""

    DISHONEST_DEBTORS = "dishonest_debtors"  # 失信被执行人 (courts)
    ABNORMAL_OPERATIONS = "abnormal_operations"  # 经营异常名录 (market regulation)
    SERIOUS_VIOLATIONS = "serious_violations"  # 严重违法失信名单 (market regulation)
    ADMINISTRATIVE_PENALTIES = "administrative_penalties"  # 行政处罚 (any department)
    TAX_ARREARS = "tax_arrears"  # 欠税 (tax)
    COURT_JUDGMENTS = "court_judgments"  # 裁判文书 (courts)
    SOCIAL_INSURANCE_ARREARS = "social_insurance_arrears"  # 社保欠费 (human resources)


SubjectKind = Literal["person", "enterprise"]


class ListEntry(BaseModel):
    """One row of a source list, as validated and stored. `subject_id` is a citizen identity
    number (GB 11643) for a person, a unified social credit code (GB 32100) for an enterprise."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    list: CreditList
    entry_id: str = Field(min_length=1, max_length=64, description="the source's own id of the row")
    subject_kind: SubjectKind
    subject_id: str = Field(min_length=15, max_length=18)
    subject_name: str = Field(min_length=1, max_length=100)
    listed_on: date
    removed_on: date | None = None
    authority: str = Field(min_length=1, max_length=100, description="the listing source unit")
    reason: str = Field(min_length=1, max_length=500)
    amount_yuan: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2)
    reference: str | None = Field(default=None, max_length=100, description="case/decision no.")

    @property
    def key(self) -> str:
        """Stable identity: re-ingesting the same row finds the same stored entry."""
        return f"{self.list}:{self.entry_id}"

    @property
    def fingerprint(self) -> str:
        """Changes only when the row's content changes (re-ingesting it changes nothing)."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:32]

    def active_on(self, day: date) -> bool:
        return self.listed_on <= day and (self.removed_on is None or self.removed_on > day)


@dataclass(frozen=True)
class DecisionFact:
    """A department's final decision on one of the enterprise's registrations or filings."""

    department: str
    status: Literal["approved", "rejected", "not_applicable"]
    decided_by: Literal["rules", "officer", "system"]
    decided_at: datetime
    corrections: int = 0  # how many times the department asked for a correction first


@dataclass(frozen=True)
class EnterpriseFacts:
    """Everything a portrait is computed from, for one enterprise (by its credit code)."""

    uscc: str
    name: str
    enterprise_type: str  # contracts.form.EnterpriseType value
    area: str
    founded_on: date | None  # None until the registration completes
    registered_capital_yuan: Decimal
    business_term_years: int | None  # None: long-term
    scope_items: int
    employee_count: int
    status: Literal["registered", "cancelled"] = "registered"
    # Entries naming the enterprise itself, and entries naming one of its persons (legal
    # representative, natural-person shareholders, principal officers).
    entries: tuple[ListEntry, ...] = ()
    person_entries: tuple[ListEntry, ...] = ()
    # Entries naming a legal-person shareholder (a related enterprise).
    related_entries: tuple[ListEntry, ...] = ()
    decisions: tuple[DecisionFact, ...] = ()
    complaints: int = 0  # complaints received (投诉举报), from the helpdesk when it exists
    extra: dict[str, str] = field(default_factory=dict)  # room for sources not modelled yet
