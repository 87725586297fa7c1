"""The dashboard's view of a dead letter hides personal data and keeps the rest readable."""

import json
from typing import Any

from services.notifier.masking import mask_payload


def test_a_form_in_a_dead_letter_is_masked_by_field(sample_form: dict[str, Any]) -> None:
    payload = json.dumps({"event_type": "registration.submitted.credit.v1", "form": sample_form})
    masked = mask_payload(payload)
    for person in [*sample_form["principal_officers"], *sample_form["shareholders"]]:
        assert person["id_number"] not in masked
        assert person["name"] not in masked
    assert sample_form["legal_representative"]["mobile"] not in masked
    shown = json.loads(masked)
    assert shown["form"]["enterprise"]["name"] == sample_form["enterprise"]["name"]
    assert shown["event_type"] == "registration.submitted.credit.v1"


def test_bytes_that_are_not_json_are_masked_by_pattern() -> None:
    masked = mask_payload("{{ broken 440115199901010023 a.b@example.cn marker-7")
    assert "440115199901010023" not in masked
    assert "a.b@example.cn" not in masked
    assert "marker-7" in masked  # what is not personal stays, so operators can find a letter
