"""JSON Merge Patch, changed paths, and which departments review again after a correction."""

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from contracts.events import RegistrationCorrected, RegistrationSubmitted, decided_fact
from contracts.form import RegistrationForm
from services.credit.rules import CREDIT
from services.department.case import Case, OfficerDecision, touches
from services.department.lifecycle import Lifecycle
from services.police.rules import POLICE
from services.registration.corrections import changed_paths, merge_patch, within
from services.registration.market import MARKET
from services.tax.rules import TAX

T0 = datetime(2026, 11, 23, 2, tzinfo=UTC)
RID = "ef" * 16


def round_two(form_data: dict[str, Any], *changed: str) -> RegistrationCorrected:
    return RegistrationCorrected(
        event_id=uuid4(),
        source="r",
        occurred_at=T0,
        registration_id=RID,
        round=2,
        changed_paths=changed,
        form=RegistrationForm.model_validate(form_data),
    )


def test_merge_patch_follows_rfc_7396() -> None:
    # The examples of RFC 7396, section 3.
    target = {
        "title": "Goodbye!",
        "author": {"givenName": "John", "familyName": "Doe"},
        "tags": ["example", "sample"],
    }
    patch = {
        "title": "Hello!",
        "phoneNumber": "+01-123-456-7890",
        "author": {"familyName": None},
        "tags": ["example"],
    }
    assert merge_patch(target, patch) == {
        "title": "Hello!",
        "author": {"givenName": "John"},
        "tags": ["example"],
        "phoneNumber": "+01-123-456-7890",
    }
    assert merge_patch({"a": "b"}, {"a": None}) == {}
    assert merge_patch({"a": [{"b": "c"}]}, {"a": [1]}) == {"a": [1]}


def test_changed_paths_name_each_changed_leaf() -> None:
    before = {"seals": {"maker_id": "X", "kinds": ["company"]}, "tax": {"invoice_kind": "none"}}
    after = {"seals": {"maker_id": "Y", "kinds": ["company"]}, "tax": {"invoice_kind": "none"}}
    assert changed_paths(before, after) == ["seals.maker_id"]
    assert within("seals.maker_id", ["seals"])
    assert not within("tax.invoice_kind", ["seals.maker_id"])


def test_only_departments_whose_view_changed_review_again(sample_form: dict[str, Any]) -> None:
    form = RegistrationForm.model_validate(sample_form)
    submitted = RegistrationSubmitted(
        event_id=uuid4(), source="r", occurred_at=T0, registration_id=RID, form=form
    )
    market = Lifecycle(MARKET)
    market_case = Case(RID, "market")
    market_approval = decided_fact(market.on_form(market_case, submitted, T0, T0)[-1])
    credit_approval = decided_fact(
        Lifecycle(CREDIT).on_form(Case(RID, "credit"), submitted, T0, T0)[-1]
    )
    police, tax = Lifecycle(POLICE), Lifecycle(TAX)
    police_case, tax_case = Case(RID, "police"), Case(RID, "tax")
    for lifecycle, case in ((police, police_case), (tax, tax_case)):
        lifecycle.on_prerequisite(case, market_approval, T0)
        lifecycle.on_prerequisite(case, credit_approval, T0)  # tax waits for credit too
        lifecycle.on_form(case, submitted, T0, T0)
    assert (police_case.status, tax_case.status) == ("approved", "approved")

    sample_form["seals"]["kinds"] = ["company", "contract"]
    corrected = round_two(sample_form, "seals.kinds")
    again = police.on_corrected(police_case, corrected, T0, T0)
    assert [(e.round, e.status.value) for e in again] == [(2, "approved")]
    assert len(again[-1].artefacts) == 2  # a filing number for each seal now requested
    assert tax.on_corrected(tax_case, corrected, T0, T0) == []  # tax does not see the seals
    assert tax_case.round == 1
    assert police.on_corrected(police_case, corrected, T0, T0) == []  # replay
    assert touches(("seals",), ("seals.kinds",))
    assert not touches(("tax",), ("seals.kinds",))


def test_a_department_that_asked_reviews_again_even_if_its_view_did_not_change(
    sample_form: dict[str, Any],
) -> None:
    sample_form["seals"]["maker_id"] = "UNLICENSED"
    form = RegistrationForm.model_validate(sample_form)
    submitted = RegistrationSubmitted(
        event_id=uuid4(), source="r", occurred_at=T0, registration_id=RID, form=form
    )
    police, case = Lifecycle(POLICE), Case(RID, "police")
    police.on_form(case, submitted, T0, T0)
    case.claimed_by = "p-1"
    assert (
        police.on_officer(case, OfficerDecision("request_correction"), "p-1", T0)[-1].status
        == "correction_requested"
    )
    sample_form["seals"]["maker_id"] = "GZ-SEAL-001"
    corrected = round_two(sample_form, "seals.maker_id")
    statuses = [e.status.value for e in police.on_corrected(case, corrected, T0, T0)]
    assert statuses == ["waiting"]  # rules pass now; the market has not reported here
