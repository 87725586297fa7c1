"""An enterprise's credit on its own page (信用画像): the class, level and why, and risk warnings.

The credit service publishes a portrait when it changes and a warning when it falls into class
C or D; both are keyed by the registration that founded the enterprise, so they fold into that
registration's timeline like any other progress (timeline.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.credit import CREDIT_CLASS_LABELS, CreditProfileChanged, CreditRiskFlagged

CLASS_TEXT = CREDIT_CLASS_LABELS
CreditEvent = CreditProfileChanged | CreditRiskFlagged


def credit_entry(event: CreditEvent) -> dict[str, Any]:
    """The timeline entry's fields for a credit event."""
    zh, en = CLASS_TEXT[event.credit_class]
    if isinstance(event, CreditRiskFlagged):
        return {
            "department": "credit",
            "status": "risk_flagged",
            "sequence": 0,
            "message_zh": f"信用风险警示：{event.credit_class}类{event.level}级（{zh}）："
            + "、".join(event.reasons_zh),
            "message_en": f"credit risk warning: class {event.credit_class}, level {event.level} "
            f"({en}): " + ", ".join(event.reasons_en),
        }
    return {
        "department": "credit",
        "status": "credit_profile",
        "sequence": 0,
        "message_zh": f"信用评价：{event.credit_class}类{event.level}级（{zh}），{event.score}分",
        "message_en": f"credit rating: class {event.credit_class}, level {event.level} ({en}), "
        f"score {event.score}",
    }


def latest_portrait(
    current: dict[str, Any] | None, event: CreditEvent, at: datetime
) -> dict[str, Any] | None:
    """What the page shows of the latest portrait: this one, unless an older one came late."""
    if not isinstance(event, CreditProfileChanged):
        return current
    if current is not None and current["computed_at"] > at:
        return current
    zh, en = CLASS_TEXT[event.credit_class]
    return {
        "credit_class": event.credit_class,
        "level": event.level,
        "score": event.score,
        "label_zh": zh,
        "label_en": en,
        "explanation": [c.model_dump() for c in event.explanation],
        "computed_at": at,
    }


def credit_view(credit: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stored portrait as the API and the page show it."""
    if credit is None:
        return None
    at = credit["computed_at"]
    return {**credit, "computed_at": at.isoformat() if isinstance(at, datetime) else at}
