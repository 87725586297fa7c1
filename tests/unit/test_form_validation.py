import copy
import json
from typing import Any

import pytest

from contracts.form import RegistrationForm
from contracts.identifiers import resident_id_check_digit
from service_runtime.problems import Problem
from services.registration.intake import json_depth_exceeds, parse_json_body, validate_form


def _errors(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    with pytest.raises(Problem) as caught:
        validate_form(data)
    assert caught.value.status == 422
    return {e["path"]: e for e in caught.value.errors}


def test_the_sample_form_is_valid(sample_form: dict[str, Any]) -> None:
    form = validate_form(sample_form)
    assert isinstance(form, RegistrationForm)
    assert form.enterprise.registered_capital == sum(s.contribution for s in form.shareholders)


def test_a_wrong_identity_check_digit_is_named_in_both_languages(
    sample_form: dict[str, Any],
) -> None:
    sample_form["legal_representative"]["id_number"] = "440115199003071239"
    errors = _errors(sample_form)
    error = errors["legal_representative.id_number"]
    assert error["rule"] == "gb11643_format"
    assert "校验码" in error["message_zh"]
    assert "check digit" in error["message_en"]


def test_a_wrong_credit_code_check_character_is_refused(sample_form: dict[str, Any]) -> None:
    sample_form["shareholders"].append(
        {
            "kind": "legal_person",
            "name": "示例投资有限公司",
            "credit_code": "9144030071526726XH",
            "contribution": "1.00",
            "contribution_deadline": "2030-12-31",
        }
    )
    errors = _errors(sample_form)
    assert errors["shareholders.2.credit_code"]["rule"] == "gb32100_check_character"


def test_every_missing_field_is_listed(sample_form: dict[str, Any]) -> None:
    del sample_form["enterprise"]["name"]
    del sample_form["tax"]
    errors = _errors(sample_form)
    assert errors["enterprise.name"]["rule"] == "missing"
    assert errors["enterprise.name"]["message_zh"] == "缺少必填字段"
    assert errors["tax"]["rule"] == "missing"


def test_contributions_must_add_up_to_the_capital(sample_form: dict[str, Any]) -> None:
    sample_form["enterprise"]["registered_capital"] = "1000001.00"
    errors = _errors(sample_form)
    assert errors["enterprise.registered_capital"]["rule"] == "contributions_equal_capital"


def test_a_minor_cannot_be_legal_representative(sample_form: dict[str, Any]) -> None:
    first17 = "44011520150101001"
    sample_form["legal_representative"]["id_number"] = first17 + resident_id_check_digit(first17)
    errors = _errors(sample_form)
    assert errors["legal_representative.id_number"]["rule"] == "legal_representative_adult"


def test_llc_contributions_are_due_within_five_years_of_founding(
    sample_form: dict[str, Any],
) -> None:
    sample_form["shareholders"][1]["contribution_deadline"] = "2040-01-01"
    assert _errors(sample_form)["shareholders"]["rule"] == "contribution_deadline_within_five_years"
    sample_form["enterprise"]["type"] = "partnership"
    sample_form["enterprise"]["name"] = "广州南沙示例科技合伙企业"
    assert validate_form(sample_form)  # the five-year rule binds limited liability companies only


def test_consent_is_required(sample_form: dict[str, Any]) -> None:
    sample_form["consent"] = False
    assert _errors(sample_form)["consent"]["rule"] == "consent_given"


@pytest.mark.parametrize(
    ("content_type", "body", "status", "code"),
    [
        ("text/plain", b"{}", 415, "unsupported_media_type"),
        (None, b"{}", 415, "unsupported_media_type"),
        ("application/json", b"{not json", 400, "malformed_json"),
        ("application/json", b"[" * 10_000 + b"]" * 10_000, 400, "json_too_deep"),
        ("application/json", b" " * (1024 * 1024 + 1), 413, "body_too_large"),
    ],
)
def test_bad_bodies_get_a_clear_client_error(
    content_type: str | None, body: bytes, status: int, code: str
) -> None:
    with pytest.raises(Problem) as caught:
        parse_json_body(content_type, body)
    assert (caught.value.status, caught.value.code) == (status, code)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    assert not json_depth_exceeds(json.dumps({"a": "[[[[[[" * 100}).encode(), 32)
    assert json_depth_exceeds(b'{"a":' * 40 + b"1" + b"}" * 40, 32)


def test_json_with_charset_parameter_is_accepted(sample_form: dict[str, Any]) -> None:
    parsed = parse_json_body("application/json; charset=utf-8", json.dumps(sample_form).encode())
    assert parsed == copy.deepcopy(sample_form)


def test_other_identity_documents_are_checked_for_their_shape(sample_form: dict[str, Any]) -> None:
    sample_form["principal_officers"][1].update({"id_type": "passport", "id_number": "E12345678"})
    assert validate_form(sample_form).principal_officers[1].id_number == "E12345678"
    sample_form["principal_officers"][1]["id_number"] = "E1"
    errors = _errors(sample_form)
    assert errors["principal_officers.1.id_number"]["rule"] == "identity_document_number"


def test_principal_officer_roles_are_from_the_list(sample_form: dict[str, Any]) -> None:
    sample_form["principal_officers"][0]["role"] = "boss"
    assert _errors(sample_form)["principal_officers.0.role"]["rule"] == "literal_error"


@pytest.mark.parametrize(
    "mobile", ["12345", "2380013800a", "138001380000", "０３８００１３８０００"]
)
def test_a_malformed_mobile_number_is_refused(sample_form: dict[str, Any], mobile: str) -> None:
    sample_form["legal_representative"]["mobile"] = mobile
    assert _errors(sample_form)["legal_representative.mobile"]["rule"] == "mobile_number"


def test_an_impossible_birth_date_inside_an_identity_number_is_refused(
    sample_form: dict[str, Any],
) -> None:
    first17 = "44011519990230001"  # 30 February
    sample_form["legal_representative"]["id_number"] = first17 + resident_id_check_digit(first17)
    assert _errors(sample_form)["legal_representative.id_number"]["rule"] == "gb11643_birth_date"


@pytest.mark.parametrize(
    ("holder", "missing"),
    [
        ({"kind": "natural_person"}, "id_number"),
        ({"kind": "legal_person", "country": "CN"}, "credit_code"),
        ({"kind": "legal_person", "country": "HK"}, "registration_number"),
    ],
)
def test_each_kind_of_shareholder_needs_its_own_identifier(
    sample_form: dict[str, Any], holder: dict[str, str], missing: str
) -> None:
    sample_form["shareholders"][1] = {
        "name": "股东",
        "contribution": "400000.00",
        "contribution_deadline": "2030-12-31",
        **holder,
    }
    errors = _errors(sample_form)
    assert errors["shareholders.1"]["rule"] == "shareholder_identifier", missing
