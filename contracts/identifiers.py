"""Check characters of the national identifiers the form carries.

GB 11643-1999 (citizen identity number) and GB 32100-2015 (unified social credit code,
whose ninth to seventeenth characters embed a GB 11714 organisation code).
"""

from __future__ import annotations

import hashlib
from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def resident_id_check_digit(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def resident_id_birth_date(id_number: str) -> date | None:
    """The birth date encoded in an 18-digit identity number, or None if it is not a real date."""
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def is_well_formed_resident_id(id_number: str) -> bool:
    return (
        len(id_number) == 18  # noqa: PLR2004 - fixed by GB 11643
        and id_number[:17].isdigit()
        and id_number[:17].isascii()
        and resident_id_check_digit(id_number[:17]) == id_number[17]
    )


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    return (
        len(code) == 18  # noqa: PLR2004 - fixed by GB 32100
        and all(c in USCC_CHARSET for c in code)
        and uscc_check_character(code[:17]) == code[17]
    )


def organisation_code_check(first8: str) -> str:
    total = sum(_ORG_CHARSET.index(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def issue_uscc(seed: str, division_code: str) -> str:
    """A deterministic credit code for an enterprise registered by market regulation.

    9 = market regulation authority, 1 = enterprise; the organisation code body is derived
    from the seed, so the same registration always receives the same code.
    """
    digest = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
    body = "".join(_ORG_CHARSET[(digest >> (5 * i)) % 10] for i in range(8))
    org_code = body + organisation_code_check(body)
    first17 = "91" + division_code + org_code
    return first17 + uscc_check_character(first17)
