"""Events on the bus. Each carries the full facts its consumers need, never tokens or documents."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.form import RegistrationForm

RegistrationId = Annotated[
    str,
    Field(
        pattern=r"^[0-9a-f]{32}$",
        description="registration id: 32 lowercase hex characters; also the Kafka key",
        examples=["5f0c6e0a3a1b4f6c9d2e8b7a6c5d4e3f"],
    ),
]
DepartmentName = Annotated[
    str, Field(pattern=r"^[a-z][a-z_]{1,30}$", description="department id", examples=["tax"])
]


class Envelope(BaseModel):
    """CloudEvents-style envelope shared by every event; trace context rides in Kafka headers."""

    model_config = ConfigDict(frozen=True)

    event_id: UUID = Field(description="unique id of this event; the deduplication key")
    source: str = Field(description="service that produced the event", examples=["tax"])
    occurred_at: AwareDatetime = Field(description="when the fact happened, UTC")
    registration_id: RegistrationId


class RegistrationSubmitted(Envelope):
    """A form was accepted. Inside the registration service it holds the whole form; on the bus
    each recipient gets its own subclass (`contracts.projections`) whose `form` holds only that
    recipient's fields, in the same shape, on `registration.submitted.<recipient>.v1`.
    """

    # Bare inside the registration service; `registration.submitted.<recipient>.v1` on the bus.
    event_type: str = Field(
        default="registration.submitted", pattern=r"^registration\.submitted(\.[a-z_]+\.v1)?$"
    )
    form: RegistrationForm = Field(description="the form, or on the bus one recipient's view")


class DepartmentStatus(StrEnum):
    RECEIVED = "received"
    WAITING = "waiting"  # decided, but a prerequisite department has not approved yet
    IN_REVIEW = "in_review"  # in an officer's queue
    DEADLINE_BREACHED = "deadline_breached"  # statutory time limit missed; escalated
    APPROVED = "approved"
    REJECTED = "rejected"
    CORRECTION_REQUESTED = "correction_requested"
    NOT_APPLICABLE = "not_applicable"


TERMINAL_STATUSES = frozenset(
    {DepartmentStatus.APPROVED, DepartmentStatus.REJECTED, DepartmentStatus.NOT_APPLICABLE}
)


class Reason(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule: str = Field(
        description="named rule that produced this reason", examples=["seal_maker_licensed"]
    )
    passed: bool = Field(description="whether the rule passed")
    message_zh: str = Field(description="说明（中文）")
    message_en: str = Field(description="explanation in English")
    field_path: str | None = Field(default=None, examples=["seals.maker_id"])


# The kind of artefact that carries the enterprise's unified social credit code (统一社会信用代码).
USCC_ARTEFACT = "unified_social_credit_code"


class Artefact(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str = Field(description="what was issued", examples=["business_licence_number"])
    number: str = Field(description="the issued number", examples=["91440115MA5XXXXXXX"])
    label_zh: str = Field(description="名称（中文）", examples=["电子营业执照编号"])


class DepartmentStatusChanged(Envelope):
    event_type: Literal["department.status.v1"] = "department.status.v1"
    department: DepartmentName
    status: DepartmentStatus
    round: int = Field(default=1, ge=1, description="review round; grows with each correction")
    sequence: int = Field(ge=0, description="order of this event within its department and round")
    decided_by: Literal["rules", "officer", "system"] = Field(description="who decided")
    officer_id: str | None = Field(default=None, description="the deciding officer, if any")
    reasons: tuple[Reason, ...] = Field(default=(), description="rules evaluated, passed or failed")
    artefacts: tuple[Artefact, ...] = Field(default=(), description="what was issued on approval")


class DepartmentDecided(Envelope):
    """A prerequisite department's final decision, for the departments that wait for it."""

    event_type: Literal["department.decided.v1"] = "department.decided.v1"
    department: DepartmentName
    status: Literal[
        DepartmentStatus.APPROVED, DepartmentStatus.REJECTED, DepartmentStatus.NOT_APPLICABLE
    ] = Field(description="final: approved, rejected or not_applicable")
    round: int = Field(default=1, ge=1, description="the review round it closed")
    artefacts: tuple[Artefact, ...] = Field(
        default=(), description="what was issued, e.g. the business licence's credit code"
    )


_DECIDED_NAMESPACE = uuid5(NAMESPACE_URL, "https://enterprise-page.example/decided")


def decided_fact(status: DepartmentStatusChanged) -> DepartmentDecided:
    """The narrow fact of a final status; its id derives from the status event's id."""
    return DepartmentDecided(
        event_id=uuid5(_DECIDED_NAMESPACE, str(status.event_id)),
        source=status.source,
        occurred_at=status.occurred_at,
        registration_id=status.registration_id,
        department=status.department,
        status=status.status,
        round=status.round,
        artefacts=status.artefacts,
    )


class RegistrationCompleted(Envelope):
    event_type: Literal["registration.completed.v1"] = "registration.completed.v1"
    departments: dict[str, DepartmentStatus] = Field(description="final status per department")
    artefacts: tuple[Artefact, ...] = Field(description="everything issued, across departments")
    submitted_at: datetime | None = Field(default=None, description="when the form was accepted")


class RegistrationWithdrawn(Envelope):
    """The application ended before completion (withdrawn, or lapsed); departments stop."""

    event_type: Literal["registration.withdrawn.v1"] = "registration.withdrawn.v1"
    reason: str | None = Field(default=None, max_length=500, description="撤回原因（可选）")
    lapsed: bool = Field(
        default=False,
        description="not withdrawn by the enterprise: it lapsed, not completed within the name "
        "reservation period (NAME_RESERVATION_DAYS), and its name is free again",
    )


class RegistrationAccessRevoked(Envelope):
    """The enterprise renewed its access token: every token of a lower version stops working."""

    event_type: Literal["registration.access-revoked.v1"] = "registration.access-revoked.v1"
    token_version: int = Field(ge=1, description="the lowest token version still granted")


class RegistrationCorrected(Envelope):
    """The enterprise corrected fields a department asked for (补正); affected departments review again."""

    event_type: str = Field(
        default="registration.corrected", pattern=r"^registration\.corrected(\.[a-z_]+\.v1)?$"
    )
    round: int = Field(ge=2, description="the review round this correction opens")
    changed_paths: tuple[str, ...] = Field(
        description="dotted paths whose values changed", examples=[["seals.maker_id"]]
    )
    form: RegistrationForm = Field(description="the corrected form, or one recipient's view")


class PersonalDataRead(Envelope):
    """An officer was shown the enterprise's personal data (数据查阅记录); the page lists it."""

    event_type: Literal["personal-data.read.v1"] = "personal-data.read.v1"
    department: DepartmentName
    officer_id: str = Field(max_length=100, description="the officer's staff id")
    purpose: Literal["case_review"] = Field(
        description="why: the officer opened the case to review it"
    )
    sections: tuple[str, ...] = Field(
        description="the parts of the form shown", examples=[["legal_representative", "seals"]]
    )
