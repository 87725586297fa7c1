"""The credit indicators (信用评价指标): every measure a portrait (portrait.py) is scored on.

Qianhai grades enterprises on 97 indicators in seven dimensions; this registry holds the ones
the sources ingested so far can feed, in the same seven dimensions. Each indicator is a pure
function of an enterprise's facts (facts.py) and the day of the evaluation, returning a value
in [0, 1] whose reading — higher is better or worse — its `direction` gives
(indicators_kit.py). The modules hold them by dimension:

    indicators_basic.py   basic, operation
    indicators_legal.py   compliance, judicial
    indicators_dues.py    tax, social_security, complaints

Each module ends with its table, in the order INDICATORS keeps: an indicator that reads a source
list the usual way is a row made by a factory of indicators_kit.py (active_listing,
recent_listings, …); one that computes something of its own is an @indicator function above it.

docs/credit.md lists them all (a test keeps that table and this registry in step).
"""

from __future__ import annotations

from services.credit.indicators_basic import BASIC_AND_OPERATION
from services.credit.indicators_dues import TAX_SOCIAL_AND_COMPLAINTS
from services.credit.indicators_kit import DIMENSIONS, Dimension, Direction, Indicator
from services.credit.indicators_legal import COMPLIANCE_AND_JUDICIAL

__all__ = [
    "DIMENSIONS",
    "INDICATORS",
    "INDICATORS_BY_NAME",
    "Dimension",
    "Direction",
    "Indicator",
]

INDICATORS: tuple[Indicator, ...] = (
    *BASIC_AND_OPERATION,
    *COMPLIANCE_AND_JUDICIAL,
    *TAX_SOCIAL_AND_COMPLAINTS,
)
INDICATORS_BY_NAME: dict[str, Indicator] = {i.name: i for i in INDICATORS}

if len(INDICATORS_BY_NAME) != len(INDICATORS):  # a stored explanation names one indicator
    raise RuntimeError("two credit indicators share a name")
