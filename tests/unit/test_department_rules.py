"""Each department's named rules, on the real specs, through the pure case life cycle."""

import copy
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from contracts.events import (
    DepartmentDecided,
    DepartmentStatus,
    DepartmentStatusChanged,
    Reason,
    RegistrationSubmitted,
    decided_fact,
)
from contracts.identifiers import is_valid_uscc
from service_runtime.settings import Settings
from services.bank.rules import BANK
from services.commerce.rules import COMMERCE
from services.credit.rules import CREDIT
from services.credit.screening import DISHONEST_PERSONS_RULE, RELATED_ENTERPRISES_RULE
from services.department.case import Case
from services.department.extension import Screened
from services.department.kit import DepartmentSpec
from services.department.lifecycle import Lifecycle
from services.police.rules import POLICE
from services.registration.market import MARKET
from services.social_security.rules import SOCIAL_SECURITY
from services.tax.rules import TAX, tax_department
from tests.support.events import submitted_event

NOW = datetime(2026, 11, 23, 2, tzinfo=UTC)
RID = "ab" * 16
ALL = (MARKET, TAX, POLICE, CREDIT, SOCIAL_SECURITY, COMMERCE, BANK)


def submitted(form_data: dict[str, Any]) -> RegistrationSubmitted:
    return submitted_event(form_data, RID, NOW)


def market_approval(form_data: dict[str, Any]) -> DepartmentDecided:
    (approved,) = Lifecycle(MARKET).on_form(Case(RID, "market"), submitted(form_data), NOW, NOW)
    assert approved.status == DepartmentStatus.APPROVED
    return decided_fact(approved)


def credit_approval(form_data: dict[str, Any]) -> DepartmentDecided:
    (approved,) = Lifecycle(CREDIT).on_form(Case(RID, "credit"), submitted(form_data), NOW, NOW)
    assert approved.status == DepartmentStatus.APPROVED
    return decided_fact(approved)


def decide(spec: DepartmentSpec, form_data: dict[str, Any]) -> list[DepartmentStatusChanged]:
    """Run a department to its decision, feeding it its prerequisites' approvals."""
    lifecycle, case = Lifecycle(spec), Case(RID, spec.name)
    events = lifecycle.on_form(case, submitted(form_data), NOW, NOW)
    if "market" in lifecycle.waits_for:
        events += lifecycle.on_prerequisite(case, market_approval(form_data), NOW)
    if "credit" in lifecycle.waits_for:
        events += lifecycle.on_prerequisite(case, credit_approval(form_data), NOW)
    return events


def final(events: Sequence[DepartmentStatusChanged]) -> DepartmentStatusChanged:
    return events[-1]


@pytest.mark.parametrize("spec", [s for s in ALL if s is not COMMERCE], ids=lambda s: s.name)
def test_every_department_approves_the_sample_and_records_every_rule(
    spec: DepartmentSpec, sample_form: dict[str, Any]
) -> None:
    sample_form["bank_account"] = {
        "bank": "中国银行",
        "branch": "南沙支行",
        "preferred_date": "2026-12-01",
    }
    decision = final(decide(spec, sample_form))
    assert decision.status == DepartmentStatus.APPROVED, decision.reasons
    assert decision.decided_by == "rules"
    assert {rule.__name__ for rule in spec.rules} <= {r.rule for r in decision.reasons if r.passed}
    assert decision.artefacts


def test_market_issues_a_valid_credit_code_for_the_area(sample_form: dict[str, Any]) -> None:
    codes = [
        a.number
        for a in market_approval(sample_form).artefacts
        if a.kind == "unified_social_credit_code"
    ]
    assert len(codes) == 1
    assert is_valid_uscc(codes[0])
    assert codes[0][2:8] == "440115"  # Nansha


def test_tax_registers_under_the_credit_code_the_market_issued(sample_form: dict[str, Any]) -> None:
    uscc = next(
        a.number
        for a in market_approval(sample_form).artefacts
        if a.kind == "unified_social_credit_code"
    )
    issued = {a.kind: a.number for a in final(decide(TAX, sample_form)).artefacts}
    assert issued["taxpayer_identification_number"] == uscc


def test_decisions_are_deterministic_so_replays_produce_the_same_event_ids(
    sample_form: dict[str, Any],
) -> None:
    assert [e.event_id for e in decide(TAX, sample_form)] == [
        e.event_id for e in decide(TAX, sample_form)
    ]


def test_an_unlicensed_seal_maker_goes_to_an_officer_with_the_failing_rule(
    sample_form: dict[str, Any],
) -> None:
    sample_form["seals"]["maker_id"] = "UNKNOWN-MAKER"
    decision = final(decide(POLICE, sample_form))
    assert decision.status == DepartmentStatus.IN_REVIEW
    failed = [(r.rule, r.field_path) for r in decision.reasons if not r.passed]
    assert failed == [("seal_maker_licensed", "seals.maker_id")]
    assert decision.artefacts == ()


def test_a_name_whose_form_does_not_match_the_type_goes_to_review(
    sample_form: dict[str, Any],
) -> None:
    sample_form["enterprise"]["name"] = "广州南沙示例科技股份有限公司"
    assert final(decide(MARKET, sample_form)).status == DepartmentStatus.IN_REVIEW


def test_scope_needing_a_prior_permit_goes_to_an_officer(sample_form: dict[str, Any]) -> None:
    sample_form["enterprise"]["business_scope"] = ["软件开发", "烟草制品批发"]
    decision = final(decide(MARKET, sample_form))
    assert decision.status == DepartmentStatus.IN_REVIEW
    assert [r.rule for r in decision.reasons if not r.passed] == ["scope_needs_no_prior_permit"]


@pytest.mark.parametrize(
    ("sales", "kind"), [("5000000.00", "small_scale"), ("5000000.01", "general")]
)
def test_tax_derives_the_taxpayer_type_from_expected_sales(
    sample_form: dict[str, Any], sales: str, kind: str
) -> None:
    sample_form["tax"]["expected_annual_sales"] = sales
    assert {a.kind: a.number for a in final(decide(TAX, sample_form)).artefacts}[
        "taxpayer_type"
    ] == kind


def test_too_many_invoices_exceed_the_automatic_limit(sample_form: dict[str, Any]) -> None:
    sample_form["tax"]["invoice_monthly_quantity"] = 101
    assert final(decide(TAX, sample_form)).status == DepartmentStatus.IN_REVIEW


def test_the_automatic_invoice_limit_is_configurable(sample_form: dict[str, Any]) -> None:
    sample_form["tax"]["invoice_monthly_quantity"] = 60
    assert (
        final(decide(tax_department({"vat_ordinary": 50}), sample_form)).status
        == DepartmentStatus.IN_REVIEW
    )
    assert (
        final(decide(tax_department({"vat_ordinary": 60}), sample_form)).status
        == DepartmentStatus.APPROVED
    )
    assert Settings(TAX_INVOICE_AUTO_LIMITS={"vat_ordinary": 60}).tax_invoice_auto_limits == {
        "vat_ordinary": 60
    }


def test_credit_refuses_at_once_when_its_screen_finds_a_dishonest_person(
    sample_form: dict[str, Any],
) -> None:
    """The screen's refusing finding (screening.py) rejects without an officer; the others'
    failures only send the case to one."""
    refused = Reason(rule=DISHONEST_PERSONS_RULE, passed=False, message_zh="失信", message_en="x")
    held = Reason(rule=RELATED_ENTERPRISES_RULE, passed=False, message_zh="异常", message_en="x")
    for found, status in (
        ((refused,), DepartmentStatus.REJECTED),
        ((held,), DepartmentStatus.IN_REVIEW),
        ((), DepartmentStatus.APPROVED),
    ):
        case = Case(RID, "credit")
        findings = Screened(reasons=found)
        (decision,) = Lifecycle(CREDIT).on_form(case, submitted(sample_form), NOW, NOW, findings)
        assert decision.status == status
        assert decision.decided_by == "rules"
        assert {r.rule for r in decision.reasons} == {r.rule for r in found}


def test_a_large_employer_is_registered_by_an_officer(sample_form: dict[str, Any]) -> None:
    sample_form["employment"]["employee_count"] = 5000
    assert final(decide(SOCIAL_SECURITY, sample_form)).status == DepartmentStatus.IN_REVIEW


def test_commerce_applies_only_to_foreign_invested_enterprises(sample_form: dict[str, Any]) -> None:
    domestic = final(decide(COMMERCE, sample_form))
    assert domestic.status == DepartmentStatus.NOT_APPLICABLE
    foreign = copy.deepcopy(sample_form)
    foreign["enterprise"]["type"] = "foreign_invested_llc"
    foreign["shareholders"][1]["country"] = "HK"
    assert final(decide(COMMERCE, foreign)).status == DepartmentStatus.APPROVED


def test_the_bank_books_only_when_asked_and_not_on_a_weekend(sample_form: dict[str, Any]) -> None:
    assert final(decide(BANK, sample_form)).status == DepartmentStatus.NOT_APPLICABLE
    sample_form["bank_account"] = {
        "bank": "中国银行",
        "branch": "南沙支行",
        "preferred_date": "2026-12-05",
    }
    assert final(decide(BANK, sample_form)).status == DepartmentStatus.IN_REVIEW  # a Saturday


def test_a_small_scale_request_above_the_threshold_goes_to_an_officer(
    sample_form: dict[str, Any],
) -> None:
    sample_form["tax"].update(
        {"expected_annual_sales": "6000000.00", "taxpayer_type_requested": "small_scale"}
    )
    decision = final(decide(TAX, sample_form))
    assert decision.status == DepartmentStatus.IN_REVIEW
    assert [r.rule for r in decision.reasons if not r.passed] == ["taxpayer_type_consistent"]


def test_a_general_taxpayer_may_be_requested_below_the_threshold(
    sample_form: dict[str, Any],
) -> None:
    sample_form["tax"]["taxpayer_type_requested"] = "general"
    assert {a.kind: a.number for a in final(decide(TAX, sample_form)).artefacts}[
        "taxpayer_type"
    ] == "general"
