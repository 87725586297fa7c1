"""Credit-driven routing (信用分类监管): a department's instant approval depends on the credit
class of the applicant's related persons and enterprises, carried by credit's approval."""

from datetime import UTC, datetime
from typing import Any

import pytest

from contracts.credit import RELATED_CREDIT_CLASS_ARTEFACT
from contracts.events import DepartmentDecided, DepartmentStatus, decided_fact
from contracts.topology import TOPOLOGY
from service_runtime.settings import Settings
from services.bank.rules import BANK
from services.credit.rules import CREDIT
from services.credit.screening import related_class_artefact
from services.department.case import Case, OfficerDecision
from services.department.extension import Screened
from services.department.handlers import build_desk
from services.department.lifecycle import Lifecycle
from services.registration.market import MARKET
from services.tax.rules import TAX
from tests.support.events import submitted_event

NOW = datetime(2026, 12, 3, 2, tzinfo=UTC)
RID = "cd" * 16


def credit_decision(form: dict[str, Any], related: tuple[str, ...]) -> DepartmentDecided:
    event = submitted_event(form, RID, NOW)
    found = Screened(artefacts=related_class_artefact(related))
    (approved,) = Lifecycle(CREDIT).on_form(Case(RID, "credit"), event, NOW, NOW, found)
    return decided_fact(approved)


def run(lifecycle: Lifecycle, form: dict[str, Any], related: tuple[str, ...]) -> Any:
    case = Case(RID, lifecycle.spec.name)
    event = submitted_event(form, RID, NOW)
    (market,) = Lifecycle(MARKET).on_form(Case(RID, "market"), event, NOW, NOW)
    events = lifecycle.on_form(case, event, NOW, NOW)
    events += lifecycle.on_prerequisite(case, decided_fact(market), NOW)
    events += lifecycle.on_prerequisite(case, credit_decision(form, related), NOW)
    return events[-1], case


def test_credit_approval_carries_the_worst_related_class(sample_form: dict[str, Any]) -> None:
    decided = credit_decision(sample_form, ("A", "C", "B"))
    carried = [a for a in decided.artefacts if a.kind == RELATED_CREDIT_CLASS_ARTEFACT]
    assert [a.number for a in carried] == ["C"]
    assert related_class_artefact(()) == ()  # a first-time founder: nothing to route by


@pytest.mark.parametrize(
    ("related", "status"),
    [
        ((), DepartmentStatus.APPROVED),
        (("A",), DepartmentStatus.APPROVED),
        (("B",), DepartmentStatus.APPROVED),
        (("A", "C"), DepartmentStatus.IN_REVIEW),
        (("D",), DepartmentStatus.IN_REVIEW),
    ],
)
def test_tax_routes_classes_c_and_d_to_an_officer(
    sample_form: dict[str, Any], related: tuple[str, ...], status: DepartmentStatus
) -> None:
    decision, case = run(Lifecycle(TAX), sample_form, related)
    assert decision.status == status
    (routed,) = [r for r in decision.reasons if r.rule == "credit_routing"]
    assert routed.passed == (status == DepartmentStatus.APPROVED)
    if related:  # the decision names the class that routed it
        assert f"{max(related)}类" in routed.message_zh
    if status == DepartmentStatus.IN_REVIEW:
        assert case.deadline_at is not None  # an officer's statutory limit runs
        assert decision.artefacts == ()


def test_bank_sends_only_class_d_and_settings_can_change_a_department_s_table(
    sample_form: dict[str, Any],
) -> None:
    sample_form["bank_account"] = {
        "bank": "中国银行",
        "branch": "南沙支行",
        "preferred_date": "2026-12-07",
    }
    assert run(Lifecycle(BANK), sample_form, ("C",))[0].status == DepartmentStatus.APPROVED
    assert run(Lifecycle(BANK), sample_form, ("D",))[0].status == DepartmentStatus.IN_REVIEW
    stricter = Settings(CREDIT_ROUTING={"bank": {"B": "officer", "C": "officer", "D": "officer"}})
    desk = build_desk(stricter, BANK, store=None, clock=lambda: NOW)  # type: ignore[arg-type]
    assert run(desk.lifecycle, sample_form, ("B",))[0].status == DepartmentStatus.IN_REVIEW
    relaxed = Settings(CREDIT_ROUTING={"tax": {"D": "instant"}})
    desk = build_desk(relaxed, TAX, store=None, clock=lambda: NOW)  # type: ignore[arg-type]
    assert run(desk.lifecycle, sample_form, ("D",))[0].status == DepartmentStatus.APPROVED


def test_every_department_that_routes_by_credit_waits_for_credit() -> None:
    routed = [d for d in TOPOLOGY.departments if d.credit_routing]
    assert {d.name for d in routed} == {"tax", "bank"}
    assert all("credit" in d.waits_for for d in routed)


def test_an_officer_s_approval_is_not_routed_again(sample_form: dict[str, Any]) -> None:
    decision, case = run(Lifecycle(TAX), sample_form, ("D",))
    assert decision.status == DepartmentStatus.IN_REVIEW
    case.claimed_by = "officer-1"
    (approved,) = Lifecycle(TAX).on_officer(case, OfficerDecision("approve"), "officer-1", NOW)
    assert approved.status == DepartmentStatus.APPROVED
    assert approved.decided_by == "officer"
    assert approved.artefacts  # issued as any approval is
