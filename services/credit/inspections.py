"""Random inspections (双随机、一公开): random enterprises, random inspectors, results published.

Pure: the caller passes candidates, inspectors and conflicts, and stores or publishes the Draw.
The method is described in docs/credit_inspections.md."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import asdict, dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import Literal, TypeAlias

from contracts.form import FreeTradeZoneArea

CreditClass = Literal["A", "B", "C", "D"]
CREDIT_CLASSES: tuple[CreditClass, ...] = ("A", "B", "C", "D")  # best first
Rates: TypeAlias = Mapping[CreditClass, float]

# Share of each class inspected per period: it rises as the class worsens, so inspections
# follow risk. Over a typical mix (A 50 %, B 33 %, C 12 %, D 5 %) this is about 4.2 % overall.
DEFAULT_RATES: Rates = MappingProxyType({"A": 0.01, "B": 0.03, "C": 0.10, "D": 0.30})
MINIMUM_OVERALL = 0.03  # the regulation's floor on the share of all enterprises inspected
_AREAS = frozenset(area.value for area in FreeTradeZoneArea)
_BISECTION_STEPS = 64  # halvings of the scale-factor interval: past double precision


@dataclass(frozen=True)
class Candidate:
    uscc: str
    credit_class: CreditClass
    area: str  # the area office that registered the enterprise (a FreeTradeZoneArea value)

    def __post_init__(self) -> None:
        if self.credit_class not in CREDIT_CLASSES or self.area not in _AREAS:
            raise ValueError(f"credit class must be A-D, area one of {sorted(_AREAS)}: {self}")


@dataclass(frozen=True)
class Inspector:
    staff_id: str
    name: str
    area: str  # the area office the inspector belongs to

    def __post_init__(self) -> None:
        if self.area not in _AREAS:
            raise ValueError(f"area must be one of {sorted(_AREAS)}: {self}")


@dataclass(frozen=True)
class Assignment:
    uscc: str
    credit_class: CreditClass
    inspectors: tuple[Inspector, ...]  # ordered by staff id

    def record(self) -> dict[str, object]:
        staff_ids = [i.staff_id for i in self.inspectors]
        return {"uscc": self.uscc, "credit_class": self.credit_class, "inspectors": staff_ids}

    def public(self) -> dict[str, object]:
        named = [{"staff_id": i.staff_id, "name": i.name} for i in self.inspectors]
        return {"uscc": self.uscc, "credit_class": self.credit_class, "inspectors": named}


@dataclass(frozen=True)
class Unassigned:
    uscc: str
    credit_class: CreditClass
    reason: str


@dataclass(frozen=True)
class Draw:
    period: str
    seed: int
    configured_rates: Rates
    minimum_overall: float
    scale_factor: float  # 1.0 unless the configured rates fell short of the minimum
    rates: Rates  # the rates used: configured × scale_factor, at most 1
    population: Mapping[CreditClass, int]
    drawn: Mapping[CreditClass, int]
    assignments: tuple[Assignment, ...]  # ordered by uscc
    unassigned: tuple[Unassigned, ...]  # drawn, but too few eligible inspectors; by uscc
    overall_proportion: float  # all drawn / all candidates (0.0 with no candidates)

    def _counts(self) -> dict[str, object]:
        return {
            "period": self.period,
            "seed": self.seed,
            "rates": dict(self.rates),
            "population": dict(self.population),
            "drawn": dict(self.drawn),
            "overall_proportion": self.overall_proportion,
        }

    def to_document(self) -> dict[str, object]:
        """The full record, for storage: JSON-serialisable, inspectors by staff id."""
        return {
            **self._counts(),
            "configured_rates": dict(self.configured_rates),
            "minimum_overall": self.minimum_overall,
            "scale_factor": self.scale_factor,
            "assignments": [a.record() for a in self.assignments],
            "unassigned": [asdict(u) for u in self.unassigned],
        }

    def publishable(self) -> dict[str, object]:
        """What the public results page (一公开) shows. Inspectors are public officials, so
        their names are shown; why an enterprise still awaits inspectors is not, since that
        derives from the internal register of conflicts."""
        return {
            **self._counts(),
            "enterprises": [a.public() for a in self.assignments],
            "awaiting_inspectors": [
                {"uscc": u.uscc, "credit_class": u.credit_class} for u in self.unassigned
            ],
        }


def draw_inspections(  # noqa: PLR0913 - the signature every caller of the credit service uses
    candidates: Iterable[Candidate],
    inspectors: Iterable[Inspector],
    conflicts: AbstractSet[tuple[str, str]],  # (staff_id, uscc) recorded relationships
    seed: int,
    period: str,
    *,
    rates: Rates = DEFAULT_RATES,
    minimum_overall: float = MINIMUM_OVERALL,
    inspectors_per_enterprise: int = 2,
) -> Draw:
    """Draw this period's enterprises per credit class, then their inspectors. The same
    inputs, seed and period give the same Draw, whatever order the inputs come in."""
    _check_settings(rates, minimum_overall, inspectors_per_enterprise, period)
    pool = sorted(candidates, key=lambda c: c.uscc)
    staff = sorted(inspectors, key=lambda i: i.staff_id)
    # A duplicate would make the sorted order, hence the draw, depend on the input order.
    if len({c.uscc for c in pool}) < len(pool) or len({i.staff_id for i in staff}) < len(staff):
        raise ValueError("each uscc and each staff_id may appear only once")
    by_class = {c: [e for e in pool if e.credit_class == c] for c in CREDIT_CLASSES}
    population = {c: len(by_class[c]) for c in CREDIT_CLASSES}
    factor = _scale_factor(rates, population, minimum_overall)
    used = {c: min(1.0, rates[c] * factor) for c in CREDIT_CLASSES}
    drawn = {c: _class_count(used[c], population[c]) for c in CREDIT_CLASSES}
    # One generator for the whole draw, seeded by a string: Python hashes it with SHA-512, so
    # the stream does not depend on PYTHONHASHSEED or on the machine.
    rng = random.Random(f"{seed}:{period}")  # noqa: S311 - reproducible by design, not a secret
    chosen = [e for c in CREDIT_CLASSES for e in rng.sample(by_class[c], drawn[c])]
    # Assign in random order: in code order each area's enterprises form one block (the code
    # starts with the division), and the inspectors of the last block's area would go short.
    rng.shuffle(chosen)
    assignments, unassigned = _assign(chosen, staff, conflicts, inspectors_per_enterprise, rng)
    return Draw(
        period=period,
        seed=seed,
        configured_rates=dict(rates),
        minimum_overall=minimum_overall,
        scale_factor=factor,
        rates=used,
        population=population,
        drawn=drawn,
        assignments=assignments,
        unassigned=unassigned,
        overall_proportion=sum(drawn.values()) / len(pool) if pool else 0.0,
    )


def _check_settings(rates: Rates, minimum: float, per_enterprise: int, period: str) -> None:
    ordered = [rates.get(c, math.nan) for c in CREDIT_CLASSES]
    if set(rates) != set(CREDIT_CLASSES) or not all(0 <= rate <= 1 for rate in ordered):
        raise ValueError("rates must give each of the classes A, B, C, D a share in [0, 1]")
    # Equal rates are allowed (a flat table); a better class inspected more often is not.
    if any(better > worse for better, worse in itertools.pairwise(ordered)):
        raise ValueError("a worse credit class may not be inspected less often than a better one")
    if not 0 <= minimum <= 1 or per_enterprise < 1 or not period:
        raise ValueError("need 0 ≤ minimum_overall ≤ 1, inspectors_per_enterprise ≥ 1, a period")


def _class_count(rate: float, size: int) -> int:
    """round(rate × size), half up; at least one when the class is non-empty and rate > 0."""
    if rate <= 0 or size == 0:
        return 0
    return min(size, max(1, math.floor(rate * size + 0.5)))


def _drawn_total(rates: Rates, population: Mapping[CreditClass, int], factor: float) -> int:
    return sum(_class_count(min(1.0, rates[c] * factor), population[c]) for c in CREDIT_CLASSES)


def _scale_factor(rates: Rates, population: Mapping[CreditClass, int], minimum: float) -> float:
    # The smallest common factor on the rates whose counts reach the minimum overall share: one
    # factor for every class keeps their order; counts only grow with it, so bisection finds it.
    # Exact arithmetic: in floats 0.07 × 100 = 7.000000000000001, one enterprise too many.
    required = math.ceil(Fraction(minimum) * sum(population.values()))
    if _drawn_total(rates, population, 1.0) >= required:
        return 1.0
    drawable = [rates[c] for c in CREDIT_CLASSES if rates[c] > 0 and population[c]]
    high = 1 / min(drawable) if drawable else 1.0  # every drawable class at 100 %
    if _drawn_total(rates, population, high) < required:
        raise ValueError("the classes with a positive rate are too few to reach minimum_overall")
    low = 1.0
    for _ in range(_BISECTION_STEPS):
        middle = (low + high) / 2
        if _drawn_total(rates, population, middle) >= required:
            high = middle
        else:
            low = middle
    return high


def _assign(
    chosen: Sequence[Candidate],
    staff: Sequence[Inspector],
    conflicts: AbstractSet[tuple[str, str]],
    per_enterprise: int,
    rng: random.Random,
) -> tuple[tuple[Assignment, ...], tuple[Unassigned, ...]]:
    load = dict.fromkeys((i.staff_id for i in staff), 0)
    assignments: list[Assignment] = []
    unassigned: list[Unassigned] = []
    for enterprise in chosen:
        # Avoidance (回避): never the office that registered it, never a recorded relationship.
        eligible = [
            i
            for i in staff
            if i.area != enterprise.area and (i.staff_id, enterprise.uscc) not in conflicts
        ]
        if len(eligible) < per_enterprise:
            reason = (
                f"回避 leaves {len(eligible)} of the {per_enterprise} inspectors needed: "
                f"excluding area office {enterprise.area} and recorded conflicts"
            )
            unassigned.append(Unassigned(enterprise.uscc, enterprise.credit_class, reason))
            continue
        # Least-loaded first so the work spreads evenly; a random key among equal loads keeps
        # the choice random (双随机) rather than alphabetical.
        ranked = sorted(eligible, key=lambda i: (load[i.staff_id], rng.random()))
        picked = tuple(sorted(ranked[:per_enterprise], key=lambda i: i.staff_id))
        load.update({i.staff_id: load[i.staff_id] + 1 for i in picked})
        assignments.append(Assignment(enterprise.uscc, enterprise.credit_class, picked))
    # Reported in code order, whatever the order they were assigned in.
    return (
        tuple(sorted(assignments, key=lambda a: a.uscc)),
        tuple(sorted(unassigned, key=lambda u: u.uscc)),
    )
