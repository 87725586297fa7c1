from datetime import UTC, datetime
from uuid import uuid4

from contracts.events import DepartmentStatus, RegistrationSubmitted
from contracts.form import RegistrationForm
from contracts.identifiers import is_valid_uscc
from services.credit.rules import CREDIT
from services.department.decide import decide
from services.police.rules import POLICE
from services.registration.market import MARKET
from services.tax.rules import TAX

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def submitted(form_data, rid="ab" * 16):
    return RegistrationSubmitted(
        event_id=uuid4(),
        source="registration",
        occurred_at=NOW,
        registration_id=rid,
        form=RegistrationForm.model_validate(form_data),
    )


def test_every_department_approves_the_sample_and_records_each_rule(sample_form):
    for spec in (MARKET, TAX, POLICE, CREDIT):
        received, decision = decide(spec, submitted(sample_form), NOW)
        assert received.status == DepartmentStatus.RECEIVED
        assert decision.status == DepartmentStatus.APPROVED, spec.name
        assert decision.decided_by == "rules"
        assert {r.rule for r in decision.reasons} == {rule.__name__ for rule in spec.rules}
        assert all(r.passed for r in decision.reasons)
        assert decision.artefacts


def test_market_issues_a_valid_credit_code_for_the_area(sample_form):
    _, decision = decide(MARKET, submitted(sample_form), NOW)
    codes = [a.number for a in decision.artefacts if a.kind == "unified_social_credit_code"]
    assert len(codes) == 1
    assert is_valid_uscc(codes[0])
    assert codes[0][2:8] == "440115"  # Nansha


def test_decisions_are_deterministic_so_replays_produce_the_same_event_ids(sample_form):
    event = submitted(sample_form)
    first, second = decide(TAX, event, NOW), decide(TAX, event, NOW)
    assert [e.event_id for e in first] == [e.event_id for e in second]


def test_an_unlicensed_seal_maker_is_rejected_with_the_failing_rule(sample_form):
    sample_form["seals"]["maker_id"] = "UNKNOWN-MAKER"
    _, decision = decide(POLICE, submitted(sample_form), NOW)
    assert decision.status == DepartmentStatus.REJECTED
    failed = [r for r in decision.reasons if not r.passed]
    assert [(r.rule, r.field_path) for r in failed] == [("seal_maker_licensed", "seals.maker_id")]
    assert decision.artefacts == ()


def test_a_name_whose_form_does_not_match_the_type_is_rejected(sample_form):
    sample_form["enterprise"]["name"] = "广州南沙示例科技股份有限公司"
    _, decision = decide(MARKET, submitted(sample_form), NOW)
    assert decision.status == DepartmentStatus.REJECTED


def test_tax_derives_the_taxpayer_type_from_expected_sales(sample_form):
    sample_form["tax"]["expected_annual_sales"] = "5000000.01"
    _, decision = decide(TAX, submitted(sample_form), NOW)
    assert {a.kind: a.number for a in decision.artefacts}["taxpayer_type"] == "general"


def test_too_many_invoices_fail_the_automatic_limit(sample_form):
    sample_form["tax"]["invoice_monthly_quantity"] = 101
    _, decision = decide(TAX, submitted(sample_form), NOW)
    assert decision.status == DepartmentStatus.REJECTED


def test_a_restricted_legal_representative_is_rejected_by_credit(sample_form):
    sample_form["legal_representative"]["id_number"] = "440106197001010030"
    _, decision = decide(CREDIT, submitted(sample_form), NOW)
    assert decision.status == DepartmentStatus.REJECTED
