"""Officer endpoints of the departments this service hosts. Tokens are scoped to one department."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.events import Reason
from contracts.form_paths import form_path_exists
from service_runtime.access import Officer, bearer_token, read_officer_token
from service_runtime.aggregates import ConcurrentUpdateError
from service_runtime.auth_first import AuthFirstRoute, authenticated_first
from service_runtime.host import service_parts
from service_runtime.problems import Problem
from services.department.case import Case, CaseClosedError, NotCaseOwnerError, OfficerDecision
from services.department.handlers import DepartmentDesk, DepartmentHost
from services.department.officers import SupervisorsOnlyError, claim_case, decide_case

DECISION_ATTEMPTS = 3
router = APIRouter(
    prefix="/api/v1/departments/{department}", tags=["officers"], route_class=AuthFirstRoute
)
DepartmentPath = Annotated[str, Path(pattern=r"^[a-z][a-z_]{1,30}$")]
RegistrationPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
AuthorizationHeader = Annotated[str | None, Header()]
hosted_desks = service_parts(DepartmentHost)


class DecisionReason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message_zh: str = Field(min_length=1, max_length=500)
    message_en: str = Field(min_length=1, max_length=500)
    field_path: str | None = Field(default=None, max_length=200, examples=["seals.maker_id"])

    @field_validator("field_path")
    @classmethod
    def _a_path_in_the_form(cls, value: str | None) -> str | None:
        if value is not None and not form_path_exists(value):
            msg = "field_path must name a field of the form, e.g. seals.maker_id"
            raise ValueError(msg)
        return value


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject", "request_correction"]
    reasons: list[DecisionReason] = Field(default_factory=list, max_length=50)


class CaseView(BaseModel):
    registration_id: str
    department: str
    status: str | None
    enterprise_name: str | None
    failed_rules: list[dict[str, Any]]
    received_at: datetime | None
    deadline_at: datetime | None
    escalated: bool
    claimed_by: str | None
    decided_by: str | None
    officer_id: str | None
    decided_at: datetime | None


class CaseDetail(CaseView):
    # The department's own view of the form while the case is open; None once it is decided.
    form: dict[str, Any] | None


def _view(case: Case) -> CaseView:
    return CaseView(
        registration_id=case.registration_id,
        department=case.department,
        status=case.status,
        enterprise_name=case.enterprise_name,
        failed_rules=[r for r in case.reasons if not r.get("passed", True)],
        received_at=case.received_at,
        deadline_at=case.deadline_at,
        escalated=case.escalated,
        claimed_by=case.claimed_by,
        decided_by=case.decided_by,
        officer_id=case.officer_id,
        decided_at=case.decided_at,
    )


def _supervisors_only() -> Problem:
    return Problem(
        403,
        "supervisors_only",
        [
            {
                "path": "role",
                "rule": "supervisor_role",
                "message_zh": "超过法定时限而上报的案件仅限主管认领和决定",
                "message_en": "a case escalated after its statutory deadline is for supervisors only",
            }
        ],
    )


def desk_and_officer(
    request: Request, department: str, authorization: str | None
) -> tuple[DepartmentDesk, Officer]:
    host = hosted_desks(request)
    runtime = host.runtime
    token = bearer_token(authorization)
    if token is None:
        raise Problem(401, "missing_token")
    officer = read_officer_token(
        runtime.settings.officer_token_secret.get_secret_value(),
        token,
        max_hours=runtime.settings.officer_token_max_hours,
    )
    if officer is None:
        raise Problem(401, "invalid_token")
    if officer.department != department:
        raise Problem(403, "token_not_for_department")
    desk = host.desks.get(department)
    if desk is None:
        raise Problem(404, "department_not_served_here")
    return desk, officer


@router.get("/queue")
async def officer_queue(
    request: Request, department: DepartmentPath, authorization: AuthorizationHeader = None
) -> list[CaseView]:
    """Cases waiting for an officer, nearest deadline first."""
    desk, _ = desk_and_officer(request, department, authorization)
    return [_view(c) for c in await desk.store.queue(escalated=False)]


@router.get("/supervisor-queue")
async def supervisor_queue(
    request: Request, department: DepartmentPath, authorization: AuthorizationHeader = None
) -> list[CaseView]:
    """Cases escalated after a missed statutory deadline (supervisors only)."""
    desk, officer = desk_and_officer(request, department, authorization)
    if officer.role != "supervisor":
        raise _supervisors_only()
    return [_view(c) for c in await desk.store.queue(escalated=True)]


@router.get("/cases/{registration_id}")
async def case_detail(
    request: Request,
    department: DepartmentPath,
    registration_id: RegistrationPath,
    authorization: AuthorizationHeader = None,
) -> CaseDetail:
    """The case with the department's view of the form, to review it.

    Each time the form is shown, the read is recorded first and the enterprise sees it on its
    page (数据查阅记录): which department, which officer, when and why.
    """
    desk, officer = desk_and_officer(request, department, authorization)
    loaded = (await desk.store.load([registration_id]))[registration_id]
    if loaded.read.document is None:
        raise Problem(404, "case_not_found")
    case = loaded.case
    if case.escalated and officer.role != "supervisor":
        raise _supervisors_only()
    shown = case.form if desk.reads is not None else None  # never shown unrecorded
    if shown is not None and desk.reads is not None:
        await desk.reads.record(department, registration_id, officer, sorted(shown))
    return CaseDetail(**_view(case).model_dump(), form=shown)


@router.post("/cases/{registration_id}/claim")
async def claim(
    request: Request,
    department: DepartmentPath,
    registration_id: RegistrationPath,
    authorization: AuthorizationHeader = None,
) -> CaseView:
    """Take a case from the queue; it stays yours until decided."""
    desk, officer = desk_and_officer(request, department, authorization)
    try:
        case = await claim_case(desk, registration_id, officer)
    except SupervisorsOnlyError:
        raise _supervisors_only() from None
    if case is None:
        existing = (await desk.store.load([registration_id]))[registration_id]
        if existing.read.document is None:
            raise Problem(404, "case_not_found")
        if existing.case.escalated and officer.role != "supervisor":
            raise _supervisors_only()  # escalated between the check and the claim
        raise Problem(
            409,
            "case_not_claimable",
            case_status=existing.case.status,
            claimed_by=existing.case.claimed_by,
        )
    return _view(case)


def officer_first(request: Request) -> None:
    desk_and_officer(
        request, request.path_params["department"], request.headers.get("authorization")
    )


@router.post("/cases/{registration_id}/decision")
@authenticated_first(officer_first)
async def decide(
    request: Request,
    department: DepartmentPath,
    registration_id: RegistrationPath,
    body: DecisionRequest,
    authorization: AuthorizationHeader = None,
) -> CaseView:
    """Approve, reject or request a correction, with reasons and field paths."""
    desk, officer = desk_and_officer(request, department, authorization)
    reasons = tuple(
        Reason(rule=f"officer_{body.decision}", passed=body.decision == "approve", **r.model_dump())
        for r in body.reasons
    )
    decision = OfficerDecision(body.decision, reasons)
    for attempt in range(1, DECISION_ATTEMPTS + 1):
        try:
            case = await decide_case(desk, registration_id, officer, decision)
            break
        except SupervisorsOnlyError:
            raise _supervisors_only() from None
        except NotCaseOwnerError:
            raise Problem(403, "case_not_claimed_by_you") from None
        except CaseClosedError as closed:
            raise Problem(409, "case_closed", case_status=str(closed)) from None
        except ConcurrentUpdateError:
            # The department's own consumer wrote the case at the same moment: decide again on
            # the fresh case (the lifecycle refuses if it has closed meanwhile).
            if attempt == DECISION_ATTEMPTS:
                raise Problem(409, "case_changed_retry") from None
    if case is None:
        raise Problem(404, "case_not_found")
    return _view(case)
