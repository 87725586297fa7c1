"""Deterministic document numbers: the same registration always receives the same number."""

from __future__ import annotations

import hashlib

from contracts.form import FreeTradeZoneArea

# Administrative division (GB/T 2260) of each Free Trade Zone area's registration authority.
AREA_DIVISION_CODES = {
    FreeTradeZoneArea.NANSHA: "440115",
    FreeTradeZoneArea.QIANHAI_SHEKOU: "440305",
    FreeTradeZoneArea.HENGQIN: "440402",
    FreeTradeZoneArea.OUTSIDE: "440100",
}


def derived_digits(seed: str, count: int) -> str:
    value = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    return str(value % 10**count).zfill(count)
