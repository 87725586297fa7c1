"""What every credit indicator is, the small measures the indicators share, and the factories
that make an indicator reading a source list in one of the usual ways out of one row.

Convention (one for all indicators): an indicator's function returns the *measured quantity*
normalised to [0, 1] — 0 is "none of it", 1 is "as much as the scale counts" (saturated).
`direction` says how to read that quantity: "higher_is_better" (e.g. years in business) or
"higher_is_worse" (e.g. active tax arrears). The portrait (portrait.py) adds `weight × value`
points for a higher-is-better indicator and subtracts them for a higher-is-worse one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal, TypedDict, Unpack

from services.credit.facts import CreditList, EnterpriseFacts, ListEntry

Dimension = Literal[
    "basic", "operation", "compliance", "judicial", "tax", "social_security", "complaints"
]
DIMENSIONS: tuple[Dimension, ...] = (
    "basic",
    "operation",
    "compliance",
    "judicial",
    "tax",
    "social_security",
    "complaints",
)
Direction = Literal["higher_is_better", "higher_is_worse"]
Measure = Callable[[EnterpriseFacts, date], float]

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True, slots=True)
class Indicator:
    name: str  # snake_case, stable: stored explanations and the docs refer to it
    dimension: Dimension
    label_zh: str
    label_en: str
    source: str  # the source unit, list or record that feeds it
    weight: float  # score points at value 1 (always > 0; `direction` gives the sign)
    direction: Direction
    measure: Measure

    def __call__(self, facts: EnterpriseFacts, today: date) -> float:
        return self.measure(facts, today)


def indicator(  # noqa: PLR0913 — the registration row is the indicator's documentation
    *,
    dimension: Dimension,
    label_zh: str,
    label_en: str,
    source: str,
    weight: float,
    direction: Direction,
) -> Callable[[Measure], Indicator]:
    """Registers the decorated function as an indicator named after it."""

    def register(measure: Measure) -> Indicator:
        return Indicator(
            measure.__name__, dimension, label_zh, label_en, source, weight, direction, measure
        )

    return register


# --- shared measures -------------------------------------------------------------------------


def saturating(count: float, full: float) -> float:
    """0 at nothing, 1 from `full` on: how much of a scale that stops counting at `full`."""
    return 0.0 if count <= 0 else min(count / full, 1.0)


def amount_band(yuan: Decimal | float, full_yuan: float) -> float:
    """Logarithmic: 1,000 yuan and 10,000 yuan differ as much as 100,000 and 1,000,000 do."""
    if yuan <= 0:
        return 0.0
    return min(math.log10(1.0 + float(yuan)) / math.log10(1.0 + full_yuan), 1.0)


def years_between(earlier: date, later: date) -> float:
    return max((later - earlier).days, 0) / DAYS_PER_YEAR


def window_start(today: date, years: float) -> date:
    """The first day that is still "within the last `years` years" of `today`."""
    return today - timedelta(days=round(years * DAYS_PER_YEAR))


def on_list(entries: Iterable[ListEntry], credit_list: CreditList) -> list[ListEntry]:
    return [e for e in entries if e.list is credit_list]


def active(entries: Iterable[ListEntry], credit_list: CreditList, today: date) -> list[ListEntry]:
    return [e for e in entries if e.list is credit_list and e.active_on(today)]


def listed_within(
    entries: Iterable[ListEntry], credit_list: CreditList, today: date, years: float
) -> list[ListEntry]:
    """Entries listed in the last `years` years up to today (removed or not): the history."""
    start = window_start(today, years)
    return [e for e in entries if e.list is credit_list and start <= e.listed_on <= today]


def total_amount(entries: Iterable[ListEntry]) -> Decimal:
    return sum((e.amount_yuan or Decimal(0) for e in entries), Decimal(0))


def any_active(entries: Iterable[ListEntry], credit_list: CreditList, today: date) -> float:
    return 1.0 if active(entries, credit_list, today) else 0.0


def longest_outstanding_years(
    entries: Iterable[ListEntry], credit_list: CreditList, today: date
) -> float:
    """How long the oldest still-active entry of the list has been outstanding, in years."""
    listed = [e.listed_on for e in active(entries, credit_list, today)]
    return years_between(min(listed), today) if listed else 0.0


# --- indicators that read a source list the usual way ------------------------------------------
# Most indicators ask one of a few questions of one source list: is the enterprise (one of its
# persons, a related enterprise) on it now, how often was it listed lately, how much does it owe,
# for how long. Each question is answered once here, so that each such indicator is one row of
# its module's table that says only what differs: the list, the window, the scale and the words.
# Being on a list is never good news: every one of them is higher_is_worse.

EntriesOf = Literal["entries", "person_entries", "related_entries"]  # whose entries are read
ENTRIES_OF: dict[EntriesOf, Callable[[EnterpriseFacts], tuple[ListEntry, ...]]] = {
    "entries": lambda facts: facts.entries,
    "person_entries": lambda facts: facts.person_entries,
    "related_entries": lambda facts: facts.related_entries,
}


class Registration(TypedDict):
    """What an indicator is called, where it comes from and what it weighs: all but its measure."""

    name: str
    dimension: Dimension
    label_zh: str
    label_en: str
    source: str
    weight: float


def _listing_indicator(registration: Registration, measure: Measure) -> Indicator:
    return Indicator(**registration, direction="higher_is_worse", measure=measure)


def active_listing(
    *, entries: EntriesOf, credit_list: CreditList, **registration: Unpack[Registration]
) -> Indicator:
    """1 while any of `entries` (facts.entries, person_entries or related_entries) is active on
    `credit_list`, else 0."""
    entries_of = ENTRIES_OF[entries]

    def measure(facts: EnterpriseFacts, today: date) -> float:
        return any_active(entries_of(facts), credit_list, today)

    return _listing_indicator(registration, measure)


def recent_listings(
    *, credit_list: CreditList, years: float, full_count: int, **registration: Unpack[Registration]
) -> Indicator:
    """How many times the enterprise was put on `credit_list` in the last `years` years, removed
    or not; `full_count` listings count in full."""

    def measure(facts: EnterpriseFacts, today: date) -> float:
        return saturating(len(listed_within(facts.entries, credit_list, today, years)), full_count)

    return _listing_indicator(registration, measure)


def recent_listing_amount(
    *, credit_list: CreditList, years: float, full_yuan: float, **registration: Unpack[Registration]
) -> Indicator:
    """The amounts of the enterprise's entries on `credit_list` listed in the last `years` years,
    removed or not, on amount_band's scale up to `full_yuan`."""

    def measure(facts: EnterpriseFacts, today: date) -> float:
        listed = listed_within(facts.entries, credit_list, today, years)
        return amount_band(total_amount(listed), full_yuan)

    return _listing_indicator(registration, measure)


def outstanding_amount(
    *, credit_list: CreditList, full_yuan: float, **registration: Unpack[Registration]
) -> Indicator:
    """The amounts of the enterprise's entries still active on `credit_list`, on amount_band's
    scale up to `full_yuan`."""

    def measure(facts: EnterpriseFacts, today: date) -> float:
        return amount_band(total_amount(active(facts.entries, credit_list, today)), full_yuan)

    return _listing_indicator(registration, measure)


def outstanding_duration(
    *, credit_list: CreditList, full_years: float, **registration: Unpack[Registration]
) -> Indicator:
    """How long the enterprise's oldest still-active entry on `credit_list` has been
    outstanding; `full_years` years count in full."""

    def measure(facts: EnterpriseFacts, today: date) -> float:
        return saturating(longest_outstanding_years(facts.entries, credit_list, today), full_years)

    return _listing_indicator(registration, measure)
