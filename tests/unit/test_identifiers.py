from hypothesis import given
from hypothesis import strategies as st

from contracts.identifiers import (
    USCC_CHARSET,
    is_valid_uscc,
    is_well_formed_resident_id,
    issue_uscc,
    resident_id_birth_date,
    resident_id_check_digit,
)


def test_the_standard_example_identity_number_is_valid() -> None:
    # The worked example of GB 11643-1999.
    assert is_well_formed_resident_id("11010519491231002X")
    assert not is_well_formed_resident_id("110105194912310021")


def test_birth_date_is_read_and_impossible_dates_are_refused() -> None:
    assert str(resident_id_birth_date("11010519491231002X")) == "1949-12-31"
    first17 = "44011519990230001"
    assert resident_id_birth_date(first17 + resident_id_check_digit(first17)) is None


def test_a_published_credit_code_is_valid_and_a_changed_one_is_not() -> None:
    # A real, published unified social credit code (Tencent Technology (Shenzhen) Co., Ltd.).
    assert is_valid_uscc("9144030071526726XG")
    assert not is_valid_uscc("9144030071526726XH")
    assert not is_valid_uscc("9144030071526726X")  # too short
    assert not is_valid_uscc("9144030071526726IG")  # I is not in the character set


@given(st.text(alphabet="0123456789abcdef", min_size=1, max_size=40))
def test_issued_credit_codes_always_carry_a_valid_check_character(seed: str) -> None:
    code = issue_uscc(seed, "440115")
    assert is_valid_uscc(code)
    assert code.startswith("91440115")
    assert issue_uscc(seed, "440115") == code  # deterministic: a replay issues the same code


@given(st.text(alphabet="0123456789abcdef", min_size=1, max_size=40), st.integers(0, 17))
def test_changing_any_character_breaks_the_check(seed: str, position: int) -> None:
    code = issue_uscc(seed, "440115")
    replacement = next(c for c in USCC_CHARSET if c != code[position])
    assert not is_valid_uscc(code[:position] + replacement + code[position + 1 :])
