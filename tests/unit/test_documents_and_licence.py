"""Licence signatures and printable documents, parsed back with a real PDF reader."""

import base64
import io
from typing import Any

from pypdf import PdfReader

from contracts.form import RegistrationForm
from contracts.projections import project
from contracts.topology import TOPOLOGY
from service_runtime.hardening import signing_key_from
from services.registration.department_forms import rows
from services.registration.documents import Document, render_html, render_pdf
from services.registration.licence import (
    canonical_bytes,
    licence_document,
    public_key_b64,
    sign,
    verify,
)
from tests.support.departments import BUILT_IN
from tests.support.licences import licence


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_licence_signature_verifies_and_fails_after_one_changed_byte(
    sample_form: dict[str, Any],
) -> None:
    key = signing_key_from("test-key")
    issued = licence(sample_form)
    signature = sign(issued, key)
    assert verify(issued, signature, public_key_b64(key))
    changed = issued.model_copy(update={"name": issued.name.replace("科技", "科兹")})
    assert canonical_bytes(changed) != canonical_bytes(issued)
    assert not verify(changed, signature, public_key_b64(key))
    raw = bytearray(base64.b64decode(signature))
    raw[0] ^= 0x01
    assert not verify(issued, base64.b64encode(bytes(raw)).decode(), public_key_b64(key))
    assert not verify(issued, signature, public_key_b64(signing_key_from("another-key")))


def test_the_licence_carries_no_identity_numbers(sample_form: dict[str, Any]) -> None:
    text = canonical_bytes(licence(sample_form)).decode()
    assert sample_form["legal_representative"]["id_number"] not in text
    assert "张三" in text
    assert "914401157368625357" in text


def test_the_licence_pdf_and_html_carry_the_name_in_chinese_and_a_qr_code(
    sample_form: dict[str, Any],
) -> None:
    document = licence_document(
        licence(sample_form), "http://127.0.0.1:8001/api/v1/licences/914401157368625357"
    )
    text = pdf_text(render_pdf(document))
    assert "广州南沙示例科技有限公司" in text
    assert "统一社会信用代码" in text
    page = render_html(document)
    assert "广州南沙示例科技有限公司" in page
    assert "<svg" in page


def test_each_department_form_holds_only_what_that_department_needs(
    sample_form: dict[str, Any],
) -> None:
    form = RegistrationForm.model_validate(sample_form)
    police = project(form, TOPOLOGY.projections["police"])
    assert set(police) == {"enterprise", "legal_representative", "seals"}
    assert set(police["enterprise"]) == {"name", "address"}
    credit = project(form, TOPOLOGY.projections["credit"])
    assert "tax" not in credit
    assert "seals" not in credit


def test_every_department_form_renders_to_a_pdf_with_the_enterprise_name(
    sample_form: dict[str, Any],
) -> None:
    form = RegistrationForm.model_validate(sample_form)
    for name, spec in BUILT_IN.items():
        document = Document(
            title_zh=f"{name}审批表",
            title_en=name,
            rows=rows(project(form, TOPOLOGY.projections[spec.name])),
        )
        assert "广州南沙示例科技有限公司" in pdf_text(render_pdf(document)), name


def test_the_built_in_departments_are_exactly_the_topology_s() -> None:
    assert set(BUILT_IN) == {d.name for d in TOPOLOGY.departments}
