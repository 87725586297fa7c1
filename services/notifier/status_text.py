"""How a department's status reads on the timeline, in Chinese and English."""

from __future__ import annotations

from contracts.events import DepartmentStatus, DepartmentStatusChanged
from contracts.topology import Topology

STATUS_TEXT = {
    DepartmentStatus.RECEIVED: ("已受理", "received"),
    DepartmentStatus.WAITING: ("等待前置部门办结", "waiting for a prerequisite department"),
    DepartmentStatus.DEADLINE_BREACHED: ("已超时，已上报主管", "deadline breached, escalated"),
    DepartmentStatus.IN_REVIEW: ("审核中", "in review"),
    DepartmentStatus.APPROVED: ("已通过", "approved"),
    DepartmentStatus.REJECTED: ("未通过", "rejected"),
    DepartmentStatus.CORRECTION_REQUESTED: ("需补正", "correction requested"),
    DepartmentStatus.NOT_APPLICABLE: ("不适用", "not applicable"),
}


def describe_status(event: DepartmentStatusChanged, topology: Topology) -> tuple[str, str]:
    label_zh, label_en = topology.label_zh(event.department), topology.label_en(event.department)
    zh, en = STATUS_TEXT[event.status]
    numbers = "，".join(f"{a.label_zh} {a.number}" for a in event.artefacts)
    return (f"{label_zh}：{zh}" + (f"（{numbers}）" if numbers else ""), f"{label_en}: {en}")
