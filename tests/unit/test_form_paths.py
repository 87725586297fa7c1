"""Field paths name fields of the form and nothing else; officers cannot send any other."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from contracts.form import RegistrationForm
from contracts.form_paths import form_path_exists, projection_path_exists
from contracts.topology import TOPOLOGY
from services.department.http import DecisionRequest
from tests.support.departments import BUILT_IN

SAMPLE = RegistrationForm.model_validate_json(
    (Path(__file__).resolve().parents[2] / "examples" / "registration.json").read_text("utf-8")
)


@pytest.mark.parametrize(
    "path",
    [
        "enterprise.name",
        "seals.maker_id",
        "shareholders.0.id_number",
        "enterprise.business_scope.2",
    ],
)
def test_paths_into_the_form_exist(path: str) -> None:
    assert form_path_exists(path)


@pytest.mark.parametrize(
    "path",
    [
        "__proto__.polluted",
        "constructor.prototype.polluted",
        "enterprise.__proto__",
        "shareholders.x.id_number",
        "enterprise.name.first",
        "shareholders.99999.id_number",
        "enterprise..name",
        "",
    ],
)
def test_anything_else_does_not(path: str) -> None:
    assert not form_path_exists(path)


def test_an_officer_cannot_point_a_reason_at_something_outside_the_form() -> None:
    reason = {"message_zh": "原因", "message_en": "why", "field_path": "__proto__.polluted"}
    with pytest.raises(ValidationError, match="field_path"):
        DecisionRequest.model_validate({"decision": "request_correction", "reasons": [reason]})
    reason["field_path"] = "seals.maker_id"
    assert DecisionRequest.model_validate({"decision": "request_correction", "reasons": [reason]})


@pytest.mark.parametrize("department", sorted(BUILT_IN))
def test_every_built_in_rule_and_projection_names_real_fields(department: str) -> None:
    spec = BUILT_IN[department]
    paths = [r(SAMPLE).field_path for r in spec.rules]
    assert all(form_path_exists(p) for p in paths if p is not None), paths
    projection = TOPOLOGY.projections[department]
    assert all(projection_path_exists(p) for p in projection), projection
    assert not projection_path_exists("principal_officers.0.name")  # every item, not one
