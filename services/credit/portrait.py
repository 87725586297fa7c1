"""The credit portrait (信用画像): one enterprise's score, class and level, and why.

Score: every indicator (indicators.py) moves the score by `weight × value` points — up for a
higher-is-better indicator, down for a higher-is-worse one — from BASE_SCORE, which is set so
that an enterprise perfect on every indicator scores exactly 1000. The sum is rounded and held
to 0–1000. The score falls in one of the ten level bands of CLASS_LEVELS (4 classes, 10 levels:
Qianhai's 4大类10个等级), unless a hard floor applies (HARD_FLOORS): then the level is the
floor's best level at most, and the score is held to that level's band so score, level and
class always agree. docs/credit.md has the tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from contracts.credit import CREDIT_CLASS_LABELS
from services.credit.facts import EnterpriseFacts
from services.credit.indicators import INDICATORS, Direction, Indicator

CreditClass = Literal["A", "B", "C", "D"]
MAX_SCORE = 1000
EXPLAINED_CONTRIBUTIONS = 5


@dataclass(frozen=True, slots=True)
class LevelBand:
    level: int  # 1 best … 10 worst
    lowest: int  # score band, both ends included
    highest: int
    credit_class: CreditClass


CLASS_LEVELS: tuple[LevelBand, ...] = (
    LevelBand(1, 900, 1000, "A"),
    LevelBand(2, 850, 899, "A"),
    LevelBand(3, 800, 849, "A"),
    LevelBand(4, 750, 799, "B"),
    LevelBand(5, 700, 749, "B"),
    LevelBand(6, 650, 699, "B"),
    LevelBand(7, 550, 649, "C"),
    LevelBand(8, 450, 549, "C"),
    LevelBand(9, 300, 449, "D"),
    LevelBand(10, 0, 299, "D"),
)

CLASS_LABELS: Mapping[str, tuple[str, str]] = CREDIT_CLASS_LABELS
RISK_CLASSES: frozenset[CreditClass] = frozenset({"C", "D"})
_CLASS_RANK = {"A": 0, "B": 1, "C": 2, "D": 3}


@dataclass(frozen=True, slots=True)
class HardFloor:
    """While the named indicator is non-zero, the level is `best_level` at best."""

    indicator: str
    best_level: int
    why: str


HARD_FLOORS: tuple[HardFloor, ...] = (
    HardFloor("serious_violation_active", 9, "on the serious-violations list: class D"),
    HardFloor("dishonest_debtor_active", 9, "a dishonest judgment debtor: class D"),
    HardFloor("abnormal_operations_active", 7, "on the abnormal-operations list: class C at best"),
)

# Where each hard floor's indicator sits in INDICATORS: looked up once, not per portrait.
_FLOOR_POSITIONS = tuple(
    (next(at for at, i in enumerate(INDICATORS) if i.name == f.indicator), f) for f in HARD_FLOORS
)

BASE_SCORE = MAX_SCORE - sum(i.weight for i in INDICATORS if i.direction == "higher_is_better")


@dataclass(frozen=True, slots=True)
class Contribution:
    name: str
    dimension: str
    label_zh: str
    label_en: str
    value: float
    weight: float
    contribution: float  # signed score points: what this indicator added or took away
    direction: Direction


@dataclass(frozen=True, slots=True)
class Portrait:
    uscc: str
    score: int  # 0–1000, after the hard floors
    raw_score: int  # before the hard floors
    credit_class: CreditClass
    level: int  # 1 best … 10 worst
    label_zh: str
    label_en: str
    explanation: tuple[Contribution, ...]  # the largest contributions, largest first
    hard_floors: tuple[str, ...]  # names of the indicators whose hard floor applied
    computed_at: date

    def to_document(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO strings): what is stored and sent to the page."""
        return {
            "uscc": self.uscc,
            "score": self.score,
            "raw_score": self.raw_score,
            "credit_class": self.credit_class,
            "level": self.level,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "explanation": [_contribution_document(c) for c in self.explanation],
            "hard_floors": list(self.hard_floors),
            "computed_at": self.computed_at.isoformat(),
        }

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Portrait:
        return cls(
            uscc=document["uscc"],
            score=document["score"],
            raw_score=document["raw_score"],
            credit_class=document["credit_class"],
            level=document["level"],
            label_zh=document["label_zh"],
            label_en=document["label_en"],
            explanation=tuple(Contribution(**c) for c in document["explanation"]),
            hard_floors=tuple(document["hard_floors"]),
            computed_at=date.fromisoformat(document["computed_at"]),
        )


def _contribution_document(c: Contribution) -> dict[str, Any]:
    return {
        "name": c.name,
        "dimension": c.dimension,
        "label_zh": c.label_zh,
        "label_en": c.label_en,
        "value": c.value,
        "weight": c.weight,
        "contribution": c.contribution,
        "direction": c.direction,
    }


def level_for_score(score: int) -> int:
    if not 0 <= score <= MAX_SCORE:
        raise ValueError(f"a score is 0–{MAX_SCORE}, not {score}")
    return next(band.level for band in CLASS_LEVELS if score >= band.lowest)


def class_for_level(level: int) -> CreditClass:
    return CLASS_LEVELS[level - 1].credit_class


Scored = tuple[Indicator, float, float]  # the indicator, its value, its signed score points


def compute_portrait(facts: EnterpriseFacts, today: date) -> Portrait:
    scored = [_scored(indicator, facts, today) for indicator in INDICATORS]
    raw_score = min(max(round(BASE_SCORE + sum(p for _, _, p in scored)), 0), MAX_SCORE)
    floors = [floor for at, floor in _FLOOR_POSITIONS if scored[at][1] > 0]
    level = max([level_for_score(raw_score), *(f.best_level for f in floors)])
    band = CLASS_LEVELS[level - 1]
    label_zh, label_en = CLASS_LABELS[band.credit_class]
    return Portrait(
        uscc=facts.uscc,
        score=min(raw_score, band.highest),
        raw_score=raw_score,
        credit_class=band.credit_class,
        level=level,
        label_zh=label_zh,
        label_en=label_en,
        explanation=_largest_contributions(scored),
        hard_floors=tuple(f.indicator for f in floors),
        computed_at=today,
    )


def _scored(indicator: Indicator, facts: EnterpriseFacts, today: date) -> Scored:
    value = indicator.measure(facts, today)
    sign = 1.0 if indicator.direction == "higher_is_better" else -1.0
    return indicator, value, sign * indicator.weight * value


def _largest_contributions(scored: list[Scored]) -> tuple[Contribution, ...]:
    # Largest magnitude first, whichever way it moved the score; the name breaks ties so the
    # same facts always give the same explanation. Indicators that moved nothing explain nothing.
    moving = sorted((row for row in scored if row[2]), key=lambda r: (-abs(r[2]), r[0].name))
    return tuple(
        Contribution(
            name=i.name,
            dimension=i.dimension,
            label_zh=i.label_zh,
            label_en=i.label_en,
            value=round(value, 4),
            weight=i.weight,
            contribution=round(points, 2),
            direction=i.direction,
        )
        for i, value, points in moving[:EXPLAINED_CONTRIBUTIONS]
    )


def is_risk_flag(previous: Portrait | None, current: Portrait) -> bool:
    """A risk warning (风险预警): the enterprise has just entered class C or D, or dropped from C
    to D — or its first portrait is already C or D. Staying put or improving raises nothing."""
    if current.credit_class not in RISK_CLASSES:
        return False
    return (
        previous is None or _CLASS_RANK[current.credit_class] > _CLASS_RANK[previous.credit_class]
    )
