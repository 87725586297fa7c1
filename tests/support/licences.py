"""A licence built from the sample form, for tests of signing, documents and public lookups."""

from datetime import UTC, datetime
from typing import Any

from contracts.events import Artefact
from contracts.form import RegistrationForm
from services.registration.licence import ElectronicLicence, build_licence

ISSUED = datetime(2026, 11, 23, 2, tzinfo=UTC)
ARTEFACTS = (
    Artefact(
        kind="unified_social_credit_code", number="914401157368625357", label_zh="统一社会信用代码"
    ),
    Artefact(kind="business_licence_number", number="440115431406093", label_zh="电子营业执照编号"),
)


def licence(sample_form: dict[str, Any]) -> ElectronicLicence:
    return build_licence(RegistrationForm.model_validate(sample_form), ARTEFACTS, ISSUED)
