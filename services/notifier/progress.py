"""Progress worth telling the enterprise outside the page: a correction asked, a refusal, the licence.

Everything else only moves the live timeline; these three need the enterprise to act or to know
even when the page is closed, so they also go out by email or SMS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from contracts.events import (
    USCC_ARTEFACT,
    DepartmentStatus,
    DepartmentStatusChanged,
    RegistrationCompleted,
)
from contracts.topology import TOPOLOGY


@dataclass(frozen=True)
class Notice:
    """What to tell, before it is addressed to any registration."""

    kind: Literal["reminder", "policy", "progress"]
    about: str  # with the registration, what makes it unique
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    due_date: date | None = None


def progress_notice(event: DepartmentStatusChanged | RegistrationCompleted) -> Notice | None:
    if isinstance(event, RegistrationCompleted):
        uscc = next((a.number for a in event.artefacts if a.kind == USCC_ARTEFACT), "")
        return Notice(
            "progress",
            "completed",
            "企业登记已办结，营业执照已核发",
            "Registration complete: your business licence is issued",
            f"统一社会信用代码 {uscc}。请登录企业专属网页查看电子营业执照和各部门办理结果。",
            f"Unified social credit code {uscc}. Sign in to the Enterprise Page for the "
            "electronic licence and each department's result.",
        )
    label_zh, label_en = TOPOLOGY.label_zh(event.department), TOPOLOGY.label_en(event.department)
    failed = [r for r in event.reasons if not r.passed]
    reasons_zh = "；".join(r.message_zh for r in failed)
    reasons_en = "; ".join(r.message_en for r in failed)
    if event.status == DepartmentStatus.CORRECTION_REQUESTED:
        return Notice(
            "progress",
            f"correction:{event.department}:{event.round}",
            f"{label_zh}请您补正材料",
            f"{label_en} asks for a correction",
            f"需补正：{reasons_zh}。请登录企业专属网页，在办事厅中修改并提交。",
            f"To correct: {reasons_en}. Sign in to the Enterprise Page and send the correction.",
        )
    if event.status == DepartmentStatus.REJECTED:
        return Notice(
            "progress",
            f"rejected:{event.department}:{event.round}",
            f"{label_zh}未通过您的申请",
            f"{label_en} refused the application",
            f"原因：{reasons_zh}。",
            f"Reasons: {reasons_en}.",
        )
    return None
