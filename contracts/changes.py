"""Changes (变更登记): a registered enterprise changes its particulars through one form.

The enterprise sends the changed fields of the form it registered with (pre-filled from its
record). Only the departments whose own view of the form (their projection) the change touches
re-decide: each gets the change as `registration.changed.<department>.v1` on its own amendment
topic (`registration.corrected.<department>.v1`, beside corrections), with its view of the
changed form, and answers on `change.decided.v1`. When every one of them has
approved (or found it not applicable), the registration authority re-issues the business
licence with the next version; the version it replaces stays verifiable, marked superseded.
`change.status.v1` carries each step of the change without the form's data.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import Field

from contracts.events import DepartmentName, Envelope, Reason
from contracts.form import RegistrationForm
from contracts.permits import Uscc

# What a change may touch (变更登记事项): the rest of the form (type, area, term, consent) is
# fixed at founding or changed by a procedure of its own.
CHANGEABLE = (
    "enterprise.name",
    "enterprise.address",
    "enterprise.business_scope",
    "enterprise.registered_capital",
    "legal_representative",
    "shareholders",
)


class ChangeDecision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    NOT_APPLICABLE = "not_applicable"  # the department has nothing to decide for this enterprise


class ChangeState(StrEnum):
    SUBMITTED = "submitted"  # with the departments that decide it
    APPROVED = "approved"  # every department agreed: the licence re-issued with its new version
    REJECTED = "rejected"  # a department refused: nothing changed; the enterprise may try again


CHANGE_STATE_TEXT = {
    ChangeState.SUBMITTED: (
        "变更申请已提交，相关部门审核中",
        "submitted to the departments concerned",
    ),
    ChangeState.APPROVED: ("变更登记完成，营业执照已换发", "change registered: licence re-issued"),
    ChangeState.REJECTED: ("变更申请未获通过", "change refused"),
}


class RegistrationChanged(Envelope):
    """A change to one department, with only its own view of the changed form."""

    event_type: str = Field(
        default="registration.changed", pattern=r"^registration\.changed(\.[a-z_]+\.v1)?$"
    )
    change_id: UUID = Field(description="the change; each department answers with it")
    unified_social_credit_code: Uscc
    licence_version: int = Field(ge=2, description="the licence version the change would issue")
    changed_paths: tuple[str, ...] = Field(description="the form fields that change")
    form: RegistrationForm = Field(description="the whole changed form; on the bus, one view")


class ChangeDecided(Envelope):
    """One department's decision on a change that touched its view of the form."""

    event_type: Literal["change.decided.v1"] = "change.decided.v1"
    change_id: UUID
    department: DepartmentName
    decision: ChangeDecision
    reasons: tuple[Reason, ...] = Field(default=(), description="the rules applied, and why")


class ChangeStatusChanged(Envelope):
    """A step of a change at the registration authority: no personal data, only field paths."""

    event_type: Literal["change.status.v1"] = "change.status.v1"
    change_id: UUID
    unified_social_credit_code: Uscc
    state: ChangeState
    licence_version: int = Field(ge=2, description="issued when approved")
    changed_paths: tuple[str, ...]
    departments: tuple[DepartmentName, ...] = Field(description="the departments that decide")
    reasons: tuple[Reason, ...] = Field(default=(), description="rejected: each refusal's reasons")
