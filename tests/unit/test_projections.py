"""Each recipient gets only its view of the form, and a department decides on it as on the whole."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from contracts.events import Artefact, RegistrationSubmitted
from contracts.form import PrincipalOfficer, RegistrationForm, Shareholder
from contracts.projections import views_of_submitted
from contracts.registry import decoder_for_subscription
from contracts.topology import NOTIFIER, TOPOLOGY
from services.notifier.profile import profile_of
from tests.support.departments import BUILT_IN

EXAMPLES = Path(__file__).parents[2] / "examples"
FORMS = ["registration.json", "registration-foreign.json"]
MARKET_ISSUED = {
    "market": (
        Artefact(
            kind="unified_social_credit_code",
            number="91440115MA5TEST001",
            label_zh="统一社会信用代码",
        ),
    )
}


def submitted(name: str) -> RegistrationSubmitted:
    form = RegistrationForm.model_validate(json.loads((EXAMPLES / name).read_text("utf-8")))
    return RegistrationSubmitted(
        event_id=uuid4(),
        source="registration",
        occurred_at=datetime.now(UTC),
        registration_id=uuid4().hex,
        form=form,
    )


def leaf_paths(value: Any, prefix: str = "") -> set[str]:
    """Dotted paths of every leaf, list items without their index."""
    if isinstance(value, dict):
        return {p for k, v in value.items() for p in leaf_paths(v, f"{prefix}{k}.")}
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return {p for item in value for p in leaf_paths(item, prefix)}
    return {prefix.rstrip(".")}


def inside(path: str, projection: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p + ".") for p in projection)


@pytest.mark.parametrize("name", FORMS)
def test_each_recipient_topic_carries_only_its_projection(name: str) -> None:
    views = dict(views_of_submitted(submitted(name)))
    assert set(views) == {f"registration.submitted.{r}.v1" for r in TOPOLOGY.projections}
    for recipient, projection in TOPOLOGY.projections.items():
        raw = json.loads(views[f"registration.submitted.{recipient}.v1"].model_dump_json())
        outside = {p for p in leaf_paths(raw["form"]) if not inside(p, projection)}
        assert not outside, (recipient, outside)
    bank = views["registration.submitted.bank.v1"].model_dump_json()
    event = submitted(name)
    representative = event.form.legal_representative.id_number
    people: list[Shareholder | PrincipalOfficer] = [
        *event.form.shareholders,
        *event.form.principal_officers,
    ]
    others = {p.id_number for p in people if p.id_number not in (None, representative)}
    assert others  # the examples name people besides the legal representative
    for id_number in others:  # none of whom the bank needs
        assert id_number not in bank


@pytest.mark.parametrize("name", FORMS)
@pytest.mark.parametrize("department", sorted(BUILT_IN))
def test_a_department_decides_on_its_view_as_on_the_whole_form(name: str, department: str) -> None:
    event = submitted(name)
    spec = BUILT_IN[department]
    topic, view = next((t, v) for t, v in views_of_submitted(event) if f".{department}." in t)
    decoded = decoder_for_subscription(department)(view.model_dump_json().encode())
    assert decoded.event_type == topic
    whole, part = event.form, decoded.form
    # Every rule, the applicability test and what it issues read only fields of the view:
    # reading anything else raises AttributeError here.
    assert [r(part) for r in spec.rules] == [r(whole) for r in spec.rules]
    assert spec.applies(part) == spec.applies(whole)
    if spec.applies(whole) and department != "market":
        issued = spec.issue(event.registration_id, part, MARKET_ISSUED)
        assert issued == spec.issue(event.registration_id, whole, MARKET_ISSUED)


@pytest.mark.parametrize("name", FORMS)
def test_the_notifier_builds_the_same_profile_from_its_view(name: str) -> None:
    event = submitted(name)
    view = next(v for t, v in views_of_submitted(event) if f".{NOTIFIER}." in t)
    decoded = decoder_for_subscription(NOTIFIER)(view.model_dump_json().encode())
    assert profile_of(decoded.form) == profile_of(event.form)
    shown = view.model_dump_json()
    assert event.form.legal_representative.id_number not in shown


def test_a_recipient_copy_has_its_own_stable_event_id() -> None:
    event = submitted(FORMS[0])
    first = [v.event_id for _, v in views_of_submitted(event)]
    assert len(set(first)) == len(first)
    assert first == [v.event_id for _, v in views_of_submitted(event)]  # derived, not random
