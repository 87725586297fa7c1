"""The shipped business-scope catalogue and the foreign-investment negative list."""

import copy
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from contracts.events import DepartmentStatus, RegistrationSubmitted
from contracts.form import RegistrationForm
from reference_data.scope import catalogue, find, negative_list, search
from services.commerce.rules import COMMERCE
from services.department.case import Case
from services.department.lifecycle import Lifecycle
from services.registration.scope import scope_errors

T0 = datetime(2026, 11, 23, 2, tzinfo=UTC)


def foreign(sample_form: dict[str, Any], scope: list[str]) -> RegistrationForm:
    form = copy.deepcopy(sample_form)
    form["enterprise"]["type"] = "foreign_invested_llc"
    form["enterprise"]["business_scope"] = scope
    form["shareholders"][1] = {
        "kind": "legal_person",
        "name": "香港示例投资有限公司",
        "registration_number": "HK-1",
        "country": "HK",
        "contribution": "400000.00",
        "contribution_deadline": "2030-12-31",
    }
    return RegistrationForm.model_validate(form)


def test_the_catalogue_has_at_least_300_coded_items_with_permit_flags() -> None:
    items = list(catalogue().values())
    assert len(items) >= 300
    assert len({i.code for i in items}) == len(items)
    assert {i.permit for i in items} == {"", "prior", "post"}
    assert all(i.negative_list in negative_list() for i in items if i.negative_list)


def test_free_text_maps_to_an_item_or_is_refused_with_suggestions(
    sample_form: dict[str, Any],
) -> None:
    assert find(" 软件开发 ") is not None
    assert find("技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广") is not None
    sample_form["enterprise"]["business_scope"] = ["软件开发", "卖药"]
    [error] = scope_errors(RegistrationForm.model_validate(sample_form))
    assert (error["path"], error["rule"]) == (
        "enterprise.business_scope.1",
        "scope_item_in_catalogue",
    )
    assert "药品零售" in error["suggestions"]
    assert [i.name for i in search("软件", 2)] == ["软件开发", "软件销售"]


def test_a_prohibited_entry_refuses_a_foreign_invested_scope_and_cites_the_entry(
    sample_form: dict[str, Any],
) -> None:
    [error] = scope_errors(foreign(sample_form, ["软件开发", "社会调查"]))
    assert error["rule"] == "negative_list_prohibited"
    assert error["negative_list_entry"] == "NL-2024-20"
    assert "负面清单" in error["message_zh"]
    sample_form["enterprise"]["business_scope"] = ["社会调查"]  # a domestic enterprise may
    assert scope_errors(RegistrationForm.model_validate(sample_form)) == []


def test_a_restricted_entry_sends_a_foreign_invested_case_to_an_officer(
    sample_form: dict[str, Any],
) -> None:
    form = foreign(sample_form, ["软件开发", "医疗服务"])
    event = RegistrationSubmitted(
        event_id=uuid4(), source="r", occurred_at=T0, registration_id="ab" * 16, form=form
    )
    decision = Lifecycle(COMMERCE).on_form(Case("ab" * 16, "commerce"), event, T0, T0)[-1]
    assert decision.status == DepartmentStatus.IN_REVIEW
    [failed] = [r for r in decision.reasons if not r.passed]
    assert failed.rule == "negative_list_restrictions_reviewed"
    assert "NL-2024-26" in failed.message_zh
