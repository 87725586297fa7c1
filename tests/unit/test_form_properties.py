"""Property tests: every generated valid form is accepted; one corrupted check character is refused."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.identifiers import USCC_CHARSET, issue_uscc, resident_id_check_digit
from service_runtime.problems import Problem
from services.registration.intake import validate_form

DIVISIONS = ("440115", "440305", "440402", "110105", "310115")


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    born = draw(st.dates(date(1940, 1, 1), date(2007, 1, 1)))  # adults
    body = f"{draw(st.sampled_from(DIVISIONS))}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return body + resident_id_check_digit(body)


@st.composite
def valid_forms(draw: st.DrawFn) -> dict[str, Any]:
    capital = Decimal(draw(st.integers(1, 10_000_000))) * 100
    natural = draw(st.integers(1, 3))
    legal = draw(st.integers(0, 2))
    count = natural + legal
    cuts = sorted(
        draw(
            st.lists(
                st.integers(1, int(capital) - 1),
                min_size=count - 1,
                max_size=count - 1,
                unique=True,
            )
        )
    )
    shares = [Decimal(b - a) for a, b in zip([0, *cuts], [*cuts, int(capital)], strict=True)]
    deadline = (datetime.now(UTC).date() + timedelta(days=draw(st.integers(1, 1500)))).isoformat()
    shareholders = [
        {
            "kind": "natural_person",
            "name": f"股东{i}",
            "id_number": draw(resident_ids()),
            "contribution": str(s),
            "contribution_deadline": deadline,
        }
        for i, s in enumerate(shares[:natural])
    ] + [
        {
            "kind": "legal_person",
            "name": f"法人股东{i}",
            "credit_code": issue_uscc(str(draw(st.integers())), draw(st.sampled_from(DIVISIONS))),
            "contribution": str(s),
            "contribution_deadline": deadline,
        }
        for i, s in enumerate(shares[natural:])
    ]
    mobile = "1" + draw(st.sampled_from("3456789")) + f"{draw(st.integers(0, 10**9 - 1)):09d}"
    return {
        "enterprise": {
            "name": "广州南沙"
            + draw(st.text("示例科技创新智能数据", min_size=2, max_size=6))
            + "有限公司",
            "type": "limited_liability_company",
            "registered_capital": str(capital),
            "address": "广州市南沙区海滨路" + str(draw(st.integers(1, 999))) + "号",
            "area": draw(st.sampled_from(["nansha", "qianhai_shekou", "hengqin", "outside"])),
            "business_scope": draw(
                st.lists(
                    st.sampled_from(["软件开发", "信息技术咨询服务", "货物进出口"]),
                    min_size=1,
                    max_size=3,
                    unique=True,
                )
            ),
        },
        "legal_representative": {
            "name": "法人",
            "id_number": draw(resident_ids()),
            "mobile": mobile,
        },
        "shareholders": shareholders,
        "seals": {"kinds": ["company"], "maker_id": "GZ-SEAL-001"},
        "tax": {
            "expected_annual_sales": str(draw(st.integers(0, 10**9))),
            "invoice_kind": draw(st.sampled_from(["vat_special", "vat_ordinary", "none"])),
            "invoice_monthly_quantity": draw(st.integers(0, 100)),
            "accounting_contact": {
                "name": "会计",
                "id_number": draw(resident_ids()),
                "mobile": mobile,
            },
        },
        "employment": {"employee_count": draw(st.integers(0, 5000)), "start_month": "2026-12"},
        "consent": True,
    }


def corrupt(text: str, position: int, alphabet: str, choice: int) -> str:
    others = [c for c in alphabet if c != text[position]]
    return text[:position] + others[choice % len(others)] + text[position + 1 :]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(valid_forms())
def test_every_generated_valid_form_is_accepted(form: dict[str, Any]) -> None:
    assert validate_form(form).enterprise.registered_capital == Decimal(
        form["enterprise"]["registered_capital"]
    )


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(valid_forms(), st.integers(0, 1000))
def test_a_corrupted_identity_check_digit_is_refused(form: dict[str, Any], choice: int) -> None:
    number = form["legal_representative"]["id_number"]
    form["legal_representative"]["id_number"] = corrupt(number, 17, "0123456789X", choice)
    with pytest.raises(Problem) as caught:
        validate_form(form)
    paths = {e["path"]: e["rule"] for e in caught.value.errors}
    assert paths["legal_representative.id_number"] == "gb11643_format"


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(valid_forms(), st.integers(0, 1000), st.integers(0, 17))
def test_any_single_corrupted_credit_code_character_is_refused(
    form: dict[str, Any], choice: int, position: int
) -> None:
    legal = [i for i, s in enumerate(form["shareholders"]) if s["kind"] == "legal_person"]
    if not legal:
        form["shareholders"][0] = {
            **form["shareholders"][0],
            "kind": "legal_person",
            "credit_code": issue_uscc(str(choice), "440115"),
        }
        del form["shareholders"][0]["id_number"]
        legal = [0]
    holder = form["shareholders"][legal[0]]
    holder["credit_code"] = corrupt(holder["credit_code"], position, USCC_CHARSET, choice)
    with pytest.raises(Problem) as caught:
        validate_form(form)
    rules = {e["path"]: e["rule"] for e in caught.value.errors}
    assert rules[f"shareholders.{legal[0]}.credit_code"] == "gb32100_check_character"
