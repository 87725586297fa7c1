"""Credit portraits: the score → level → class table at every edge, the hard floors, the
explanation, the risk flag, determinism, and the synthetic enterprises' class mix."""

import dataclasses
import itertools
import json
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings

from contracts.form import EnterpriseType, FreeTradeZoneArea
from services.credit.facts import CreditList, EnterpriseFacts, ListEntry
from services.credit.indicators import INDICATORS_BY_NAME
from services.credit.portrait import (
    BASE_SCORE,
    CLASS_LABELS,
    CLASS_LEVELS,
    EXPLAINED_CONTRIBUTIONS,
    HARD_FLOORS,
    MAX_SCORE,
    CreditClass,
    LevelBand,
    Portrait,
    class_for_level,
    compute_portrait,
    is_risk_flag,
    level_for_score,
)
from services.credit.synthetic import SYNTHETIC_AS_OF, synthetic_enterprises
from tests.unit.test_credit_indicators import (
    BASE,
    TODAY,
    days_ago,
    decision,
    enterprise_facts,
    entry,
    person,
)

L = CreditList
# As good as every indicator can read: scores the maximum.
EXEMPLARY = dataclasses.replace(
    BASE,
    enterprise_type=EnterpriseType.JOINT_STOCK_COMPANY,
    founded_on=days_ago(20 * 365),
    registered_capital_yuan=Decimal(200_000_000),
    business_term_years=None,
    scope_items=12,
    employee_count=800,
    decisions=(decision(),) * 6,
)


def on(facts: EnterpriseFacts, *entries: ListEntry) -> EnterpriseFacts:
    return dataclasses.replace(facts, entries=entries)


# --- the table --------------------------------------------------------------------------------


def test_the_bands_are_contiguous_and_cover_0_to_1000() -> None:
    assert [b.level for b in CLASS_LEVELS] == list(range(1, 11))
    assert CLASS_LEVELS[0].highest == MAX_SCORE
    assert CLASS_LEVELS[-1].lowest == 0
    for upper, lower in itertools.pairwise(CLASS_LEVELS):
        assert lower.highest == upper.lowest - 1
        assert upper.lowest <= upper.highest


def test_levels_1_to_3_are_a_4_to_6_b_7_8_c_9_10_d() -> None:
    assert "".join(class_for_level(level) for level in range(1, 11)) == "AAABBBCCDD"
    assert set(CLASS_LABELS) == {"A", "B", "C", "D"}


@pytest.mark.parametrize("band", CLASS_LEVELS, ids=lambda b: f"level{b.level}")
def test_each_band_edge_is_inside_and_one_below_is_the_next_level(band: LevelBand) -> None:
    assert level_for_score(band.lowest) == band.level
    assert level_for_score(band.highest) == band.level
    if band.lowest > 0:
        assert level_for_score(band.lowest - 1) == band.level + 1
        assert (
            class_for_level(level_for_score(band.lowest - 1))
            == CLASS_LEVELS[band.level].credit_class
        )
    assert class_for_level(level_for_score(band.lowest)) == band.credit_class


@pytest.mark.parametrize("score", [-1, MAX_SCORE + 1])
def test_a_score_outside_0_to_1000_is_refused(score: int) -> None:
    with pytest.raises(ValueError, match="0–1000"):
        level_for_score(score)


def test_an_exemplary_enterprise_scores_exactly_1000_and_a_bare_one_the_base() -> None:
    assert compute_portrait(EXEMPLARY, TODAY).score == MAX_SCORE
    bare = dataclasses.replace(
        BASE,
        enterprise_type="unknown",
        founded_on=None,
        registered_capital_yuan=Decimal(0),
        business_term_years=1,
        scope_items=0,
        employee_count=0,
        decisions=(),
    )
    # Only "never needed repairing" and the one-year term (1/30 of a long term) still count.
    expected = BASE_SCORE + INDICATORS_BY_NAME["abnormal_operations_repaired"].weight + 15 / 30
    assert compute_portrait(bare, TODAY).score == pytest.approx(expected, abs=1)


@settings(max_examples=200, deadline=None)
@given(facts=enterprise_facts())
def test_score_level_and_class_always_agree(facts: EnterpriseFacts) -> None:
    portrait = compute_portrait(facts, TODAY)
    assert 0 <= portrait.raw_score <= MAX_SCORE
    assert portrait.score <= portrait.raw_score
    assert portrait.level == level_for_score(portrait.score)
    assert portrait.credit_class == class_for_level(portrait.level)
    assert (portrait.label_zh, portrait.label_en) == CLASS_LABELS[portrait.credit_class]


# --- the hard floors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("listing", "floor"),
    [
        (entry(L.SERIOUS_VIOLATIONS), "serious_violation_active"),
        (entry(L.DISHONEST_DEBTORS, amount=100_000), "dishonest_debtor_active"),
    ],
)
def test_an_active_serious_violation_or_dishonest_debtor_listing_means_class_d(
    listing: ListEntry, floor: str
) -> None:
    portrait = compute_portrait(on(EXEMPLARY, listing), TODAY)
    assert portrait.raw_score >= CLASS_LEVELS[7].lowest  # the score alone would say C or better
    assert (portrait.credit_class, portrait.level) == ("D", 9)
    assert portrait.score == CLASS_LEVELS[8].highest
    assert portrait.hard_floors == (floor,)


def test_an_active_abnormal_operations_listing_caps_the_class_at_c() -> None:
    portrait = compute_portrait(on(EXEMPLARY, entry(L.ABNORMAL_OPERATIONS)), TODAY)
    assert portrait.raw_score >= CLASS_LEVELS[2].lowest  # class A on the score alone
    assert (portrait.credit_class, portrait.level, portrait.score) == ("C", 7, 649)
    assert portrait.hard_floors == ("abnormal_operations_active",)


def test_the_worst_floor_wins_and_a_floor_never_lifts_a_worse_score() -> None:
    both = compute_portrait(
        on(EXEMPLARY, entry(L.ABNORMAL_OPERATIONS), entry(L.SERIOUS_VIOLATIONS)), TODAY
    )
    assert both.credit_class == "D"
    assert set(both.hard_floors) == {"serious_violation_active", "abnormal_operations_active"}
    ruined = dataclasses.replace(
        on(BASE, entry(L.SERIOUS_VIOLATIONS), entry(L.DISHONEST_DEBTORS, amount=10**7)),
        status="cancelled",
    )
    portrait = compute_portrait(ruined, TODAY)
    assert portrait.level == 10
    assert portrait.score == portrait.raw_score


@pytest.mark.parametrize(
    "facts",
    [
        on(EXEMPLARY, entry(L.SERIOUS_VIOLATIONS, 400, 100)),
        on(EXEMPLARY, entry(L.DISHONEST_DEBTORS, 400, 100)),
        on(EXEMPLARY, entry(L.ABNORMAL_OPERATIONS, 400, 100)),
        dataclasses.replace(EXEMPLARY, person_entries=(person(L.DISHONEST_DEBTORS),)),
    ],
    ids=["serious-removed", "debtor-removed", "abnormal-removed", "person-debtor"],
)
def test_removed_listings_and_persons_listings_set_no_floor(facts: EnterpriseFacts) -> None:
    portrait = compute_portrait(facts, TODAY)
    assert portrait.hard_floors == ()
    assert portrait.credit_class in {"A", "B"}


def test_every_floor_names_a_registered_indicator() -> None:
    assert {f.indicator for f in HARD_FLOORS} <= set(INDICATORS_BY_NAME)


# --- the explanation --------------------------------------------------------------------------


def test_the_explanation_is_the_largest_contributions_largest_first() -> None:
    facts = on(BASE, entry(L.TAX_ARREARS, 400, amount=200_000), entry(L.SERIOUS_VIOLATIONS))
    explanation = compute_portrait(facts, TODAY).explanation
    assert len(explanation) == EXPLAINED_CONTRIBUTIONS
    sizes = [abs(c.contribution) for c in explanation]
    assert sizes == sorted(sizes, reverse=True)
    first = explanation[0]
    assert (first.name, first.value, first.contribution) == ("serious_violation_active", 1.0, -400)
    for c in explanation:
        indicator = INDICATORS_BY_NAME[c.name]
        sign = 1 if c.direction == "higher_is_better" else -1
        assert (c.label_zh, c.label_en, c.weight) == (
            indicator.label_zh,
            indicator.label_en,
            indicator.weight,
        )
        assert 0 < c.value <= 1
        assert c.contribution == pytest.approx(sign * c.weight * c.value, abs=0.01)


def test_a_clean_enterprise_is_explained_by_what_it_has_going_for_it() -> None:
    explanation = compute_portrait(EXEMPLARY, TODAY).explanation
    assert explanation[0].name == "years_since_founding"
    assert all(c.contribution > 0 for c in explanation)


# --- the risk flag ----------------------------------------------------------------------------


def portrait_in(credit_class: CreditClass) -> Portrait:
    return dataclasses.replace(compute_portrait(BASE, TODAY), credit_class=credit_class)


@pytest.mark.parametrize(
    ("previous", "current", "flagged"),
    [
        (None, "A", False),
        (None, "B", False),
        (None, "C", True),
        (None, "D", True),
        ("A", "B", False),
        ("A", "C", True),
        ("B", "C", True),
        ("A", "D", True),
        ("B", "D", True),
        ("C", "D", True),
        ("C", "C", False),
        ("D", "D", False),
        ("D", "C", False),
        ("C", "B", False),
        ("D", "A", False),
    ],
)
def test_the_risk_flag_rises_on_entering_c_or_d_from_a_better_class(
    previous: CreditClass | None,
    current: CreditClass,
    flagged: bool,  # noqa: FBT001 — a parametrised expectation
) -> None:
    before = None if previous is None else portrait_in(previous)
    assert is_risk_flag(before, portrait_in(current)) is flagged


def test_an_abnormal_listing_on_a_class_a_enterprise_raises_the_flag() -> None:
    before = compute_portrait(EXEMPLARY, TODAY)
    after = compute_portrait(on(EXEMPLARY, entry(L.ABNORMAL_OPERATIONS, 1)), TODAY)
    assert (before.credit_class, after.credit_class) == ("A", "C")
    assert is_risk_flag(before, after)


# --- determinism and storage ------------------------------------------------------------------


def test_the_same_facts_give_the_same_portrait_whatever_the_order_of_entries() -> None:
    entries = (
        entry(L.TAX_ARREARS, 100, amount=5000),
        entry(L.COURT_JUDGMENTS, 50, amount=80_000),
        entry(L.ADMINISTRATIVE_PENALTIES, 20, amount=3000),
    )
    first = compute_portrait(on(BASE, *entries), TODAY)
    assert compute_portrait(on(BASE, *entries), TODAY) == first
    assert compute_portrait(on(BASE, *reversed(entries)), TODAY) == first


def test_the_document_is_json_and_reads_back_as_the_same_portrait() -> None:
    portrait = compute_portrait(on(EXEMPLARY, entry(L.ABNORMAL_OPERATIONS)), TODAY)
    document = json.loads(json.dumps(portrait.to_document()))
    assert document["computed_at"] == TODAY.isoformat()
    assert Portrait.from_document(document) == portrait


def test_a_portrait_is_frozen() -> None:
    portrait = compute_portrait(BASE, TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        portrait.score = 0  # type: ignore[misc]


# --- the synthetic enterprises ----------------------------------------------------------------


def test_synthetic_enterprises_are_reproducible_unique_and_in_every_area() -> None:
    first = list(synthetic_enterprises(2000, seed=3))
    assert first == list(synthetic_enterprises(2000, seed=3))
    assert first != list(synthetic_enterprises(2000, seed=4))
    assert len({f.uscc for f in first}) == len(first)
    assert {f.area for f in first} == set(FreeTradeZoneArea)


def test_synthetic_enterprises_spread_over_the_classes_realistically() -> None:
    portraits = [compute_portrait(f, SYNTHETIC_AS_OF) for f in synthetic_enterprises(5000, 1)]
    shares = {k: n / len(portraits) for k, n in Counter(p.credit_class for p in portraits).items()}
    assert 0.40 <= shares["A"] <= 0.60
    assert 0.25 <= shares["B"] <= 0.40
    assert 0.08 <= shares["C"] <= 0.15
    assert 0.02 <= shares["D"] <= 0.06
    assert date(2026, 6, 30) == SYNTHETIC_AS_OF
