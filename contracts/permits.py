"""Post-licence permits (证照分离, 后置审批事项推送告知): the push to the competent department, the
enterprise's filing, commitment or application, and the department's decision.

When the business licence is issued, each permit its business scope needs after the licence
(`reference_data/permits.py`) is pushed to the competent department as a `permit.notice.v1`
fact (推送告知): the department knows the enterprise exists and what it does, which closes the
supervision loop (监管闭环). The enterprise then acts on its page, by the permit's kind:
nothing (approval cancelled), a filing (备案), a commitment (告知承诺) or an application. That is a
`permit.submitted.v1` fact to the same department, which decides like any department decision
and says so in `permit.status.v1`. Every fact is keyed by the registration.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts.events import DepartmentName, Envelope, Reason

PermitId = Annotated[str, Field(pattern=r"^PL[0-9]{3}$", description="catalogue item id")]
Uscc = Annotated[
    str,
    Field(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$", description="统一社会信用代码 of the enterprise"),
]


class PermitKind(StrEnum):
    CANCELLED = "cancelled"  # 取消审批: the licence is enough
    FILING = "filing"  # 审批改为备案: file, and operate once filed
    COMMITMENT = "commitment"  # 告知承诺: commit to the conditions; checked afterwards
    APPLICATION = "application"  # the department reviews within its time limit


class PermitState(StrEnum):
    NOTICED = "noticed"  # pushed to the department; the enterprise has not acted yet
    SUBMITTED = "submitted"  # the enterprise filed, committed or applied; not decided yet
    FILED = "filed"  # a filing accepted (备案完成)
    IN_REVIEW = "in_review"  # an application an officer reviews, with its deadline
    APPROVED = "approved"  # the permit granted: a number
    REJECTED = "rejected"  # refused, with the reasons


PERMIT_STATE_TEXT = {
    PermitState.NOTICED: ("已推送告知主管部门，待企业办理", "pushed to the competent department"),
    PermitState.SUBMITTED: ("已提交，待主管部门处理", "submitted to the competent department"),
    PermitState.FILED: ("备案完成，可以开展经营", "filed: the enterprise may operate"),
    PermitState.IN_REVIEW: ("主管部门审查中", "under review by the competent department"),
    PermitState.APPROVED: ("许可已批准", "permit granted"),
    PermitState.REJECTED: ("许可申请未获批准", "permit refused"),
}


class PermitNoticed(Envelope):
    """推送告知: an issued licence's business scope needs this permit from this department."""

    event_type: Literal["permit.notice.v1"] = "permit.notice.v1"
    unified_social_credit_code: Uscc
    enterprise_name: str = Field(max_length=200)
    permit_id: PermitId
    permit_name_zh: str
    kind: PermitKind
    department: DepartmentName = Field(description="the competent department (主管部门)")
    time_limit_working_days: int = Field(ge=0, le=365, description="法定办理时限（工作日）")
    scope_items: tuple[str, ...] = Field(description="the business-scope items that need it")


class PermitSubmission(BaseModel):
    """What the enterprise gave: the premises, what it will do there, and its commitment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    premises_address: str = Field(min_length=5, max_length=200, description="经营场所")
    description: str = Field(default="", max_length=1000, description="经营项目说明")
    commitment_signed: bool = Field(
        description="the enterprise committed to meet the permit's conditions (告知承诺书)"
    )


class PermitSubmitted(Envelope):
    """The enterprise filed, committed to or applied for a permit, to its competent department."""

    event_type: Literal["permit.submitted.v1"] = "permit.submitted.v1"
    unified_social_credit_code: Uscc
    enterprise_name: str = Field(max_length=200)
    permit_id: PermitId
    kind: Literal[PermitKind.FILING, PermitKind.COMMITMENT, PermitKind.APPLICATION]
    department: DepartmentName
    time_limit_working_days: int = Field(ge=0, le=365)
    submission: PermitSubmission


class PermitStatusChanged(Envelope):
    """The competent department's step on a permit: filed, in review, approved or rejected."""

    event_type: Literal["permit.status.v1"] = "permit.status.v1"
    submission_id: UUID = Field(description="the `permit.submitted.v1` event this answers")
    unified_social_credit_code: Uscc
    permit_id: PermitId
    department: DepartmentName
    state: Literal[
        PermitState.FILED, PermitState.IN_REVIEW, PermitState.APPROVED, PermitState.REJECTED
    ]
    decided_by: Literal["rules", "officer"]
    permit_number: str | None = Field(default=None, max_length=40, description="filed, approved")
    deadline_at: AwareDatetime | None = Field(default=None, description="in_review: decided by")
    reasons: tuple[Reason, ...] = Field(default=(), description="why (rejected)")
