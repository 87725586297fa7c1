"""Named validation rules of the one form, each with a message in Chinese and English.

A rule raises `PydanticCustomError` whose type is the rule name, so the HTTP layer can
report the rule, the field path and both messages.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from pydantic_core import PydanticCustomError

from contracts.identifiers import (
    is_valid_uscc,
    is_well_formed_resident_id,
    resident_id_birth_date,
)

# rule name -> (Chinese, English)
FORM_RULE_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "gb11643_format": (
        "居民身份证号码应为18位，前17位为数字，校验码不正确",
        "resident identity number must be 18 characters with a valid GB 11643 check digit",
    ),
    "identity_document_number": (
        "证件号码应为5至20位字母或数字",
        "an identity document number must be 5 to 20 letters or digits",
    ),
    "gb11643_birth_date": (
        "居民身份证号码中的出生日期不是有效日期",
        "the birth date inside the resident identity number is not a real date",
    ),
    "legal_representative_adult": (
        "法定代表人须年满18周岁",
        "the legal representative must be at least 18 years old",
    ),
    "gb32100_check_character": (
        "统一社会信用代码应为18位且校验码正确（GB 32100-2015）",
        "unified social credit code must be 18 characters with a valid GB 32100-2015 check",
    ),
    "mobile_number": (
        "手机号码应为11位，以1开头",
        "mobile number must be 11 digits starting with 1",
    ),
    "contributions_equal_capital": (
        "股东认缴出资额合计应等于注册资本",
        "shareholders' subscribed contributions must add up to the registered capital",
    ),
    "shareholder_identifier": (
        "自然人股东须填写身份证号码，境内法人股东须填写统一社会信用代码，境外法人股东须填写注册号",
        "a person needs an ID number, a domestic company a credit code, a foreign one its registration number",
    ),
    "contribution_deadline_within_five_years": (
        "有限责任公司股东认缴出资应自公司成立之日起五年内缴足（《公司法》2024年施行）",
        "LLC shareholders must pay in their subscribed capital within five years of founding (Company Law 2024)",
    ),
    "consent_given": (
        "须确认申报信息真实并同意各部门共享",
        "you must declare the form true and consent to sharing it with the departments",
    ),
}


def rule_error(rule: str) -> PydanticCustomError:
    return PydanticCustomError(rule, FORM_RULE_MESSAGES[rule][1])


def check_resident_id(value: str) -> str:
    value = value.strip().upper()
    if not is_well_formed_resident_id(value):
        raise rule_error("gb11643_format")
    if resident_id_birth_date(value) is None:
        raise rule_error("gb11643_birth_date")
    return value


def check_identity(id_type: str, value: str) -> str:
    """Resident IDs carry a GB 11643 check digit; other documents are checked for their shape."""
    if id_type == "resident_id":
        return check_resident_id(value)
    value = value.strip().upper()
    if not (5 <= len(value) <= 20 and value.isascii() and value.isalnum()):  # noqa: PLR2004
        raise rule_error("identity_document_number")
    return value


def check_uscc(value: str) -> str:
    value = value.strip().upper()
    if not is_valid_uscc(value):
        raise rule_error("gb32100_check_character")
    return value


def check_mobile(value: str) -> str:
    value = value.strip()
    if not (len(value) == 11 and value.isdigit() and value.isascii() and value[0] == "1"):  # noqa: PLR2004
        raise rule_error("mobile_number")
    return value


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


# Cross-field rules are raised at the form's root; these are the fields a person must fix.
ROOT_RULE_FIELD_PATHS: Final[dict[str, str]] = {
    "contributions_equal_capital": "enterprise.registered_capital",
    "legal_representative_adult": "legal_representative.id_number",
    "contribution_deadline_within_five_years": "shareholders",
    "consent_given": "consent",
}
