"""The Free Trade Zone areas' registration authorities."""

from __future__ import annotations

from contracts.form import FreeTradeZoneArea

# Administrative division (GB/T 2260) of each Free Trade Zone area's registration authority.
AREA_DIVISION_CODES = {
    FreeTradeZoneArea.NANSHA: "440115",
    FreeTradeZoneArea.QIANHAI_SHEKOU: "440305",
    FreeTradeZoneArea.HENGQIN: "440402",
    FreeTradeZoneArea.OUTSIDE: "440100",
}
