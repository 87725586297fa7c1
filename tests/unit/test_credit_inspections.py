"""Random inspections (双随机、一公开): shares per credit class, the 3 % floor, avoidance, replay."""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Mapping
from typing import Any

import pytest

from contracts.form import FreeTradeZoneArea
from contracts.identifiers import is_valid_uscc, organisation_code_check, uscc_check_character
from reference_data.areas import AREA_DIVISION_CODES
from services.credit.inspections import (
    CREDIT_CLASSES,
    DEFAULT_RATES,
    MINIMUM_OVERALL,
    Candidate,
    CreditClass,
    Draw,
    Inspector,
    draw_inspections,
)

AREAS = [area.value for area in FreeTradeZoneArea]
CLASS_MIX = {"A": 50, "B": 33, "C": 12, "D": 5}  # percent of the synthetic population
PERIOD = "2025Q1"
SEED = 20250101
BIG = 100_000
SMALL = 10_000
SEEDS = range(1, 21)  # the repeated draws of the statistical check


def _uscc(index: int, area: str) -> str:
    """A valid, unique credit code: the organisation-code body is the index itself."""
    body = f"{index:08d}"
    first17 = "91" + AREA_DIVISION_CODES[FreeTradeZoneArea(area)] + body
    first17 += organisation_code_check(body)
    return first17 + uscc_check_character(first17)


def _population(size: int, seed: int) -> list[Candidate]:
    rng = random.Random(seed)  # noqa: S311 - seeded test data
    classes = rng.choices(CREDIT_CLASSES, weights=[CLASS_MIX[c] for c in CREDIT_CLASSES], k=size)
    areas = rng.choices(AREAS, k=size)
    return [
        Candidate(_uscc(index, area), credit_class, area)
        for index, (credit_class, area) in enumerate(zip(classes, areas, strict=True))
    ]


def _inspectors(count: int = 60) -> list[Inspector]:
    return [Inspector(f"ZF{n:04d}", f"检查员{n:02d}", AREAS[n % len(AREAS)]) for n in range(count)]


def _conflicts(population: list[Candidate], inspectors: list[Inspector]) -> set[tuple[str, str]]:
    """One recorded relationship for every C and D enterprise: most drawn ones carry one."""
    rng = random.Random(7)  # noqa: S311 - seeded test data
    return {(rng.choice(inspectors).staff_id, c.uscc) for c in population if c.credit_class in "CD"}


def _shares(draw: Draw) -> dict[CreditClass, float]:
    return {c: draw.drawn[c] / draw.population[c] for c in CREDIT_CLASSES}


Big = tuple[list[Candidate], list[Inspector], set[tuple[str, str]], Draw]


@pytest.fixture(scope="module")
def big() -> Big:
    population = _population(BIG, seed=1)
    inspectors = _inspectors()
    conflicts = _conflicts(population, inspectors)
    return (
        population,
        inspectors,
        conflicts,
        draw_inspections(population, inspectors, conflicts, SEED, PERIOD),
    )


def test_the_synthetic_codes_are_valid_and_unique(big: Big) -> None:
    population = big[0]
    assert len({c.uscc for c in population}) == BIG
    assert all(is_valid_uscc(c.uscc) for c in population[:1000])


def test_the_default_table_rises_strictly_as_the_class_worsens() -> None:
    rates = [DEFAULT_RATES[c] for c in CREDIT_CLASSES]
    assert rates == sorted(set(rates))
    assert MINIMUM_OVERALL == 0.03


def test_100k_draw_reaches_the_floor_and_each_class_gets_its_rate(big: Big) -> None:
    population, _, _, draw = big
    by_uscc = {c.uscc: c for c in population}
    drawn_usccs = [a.uscc for a in draw.assignments] + [u.uscc for u in draw.unassigned]
    assert len(set(drawn_usccs)) == len(drawn_usccs)  # nobody drawn twice
    # Counted from the candidates themselves, not from the Draw's own tallies.
    population_count = Counter(c.credit_class for c in population)
    drawn_count = Counter(by_uscc[u].credit_class for u in drawn_usccs)
    assert draw.population == dict(population_count)
    assert draw.drawn == dict(drawn_count)
    assert draw.overall_proportion == len(drawn_usccs) / BIG >= MINIMUM_OVERALL
    assert draw.scale_factor == 1.0  # the default table clears 3 % on this mix unaided
    shares = _shares(draw)
    assert shares["D"] > shares["C"] > shares["B"] > shares["A"]
    # Exact counts: round(rate × class size), so each share is the rate to within half an
    # enterprise of its class.
    for c in CREDIT_CLASSES:
        assert abs(shares[c] - DEFAULT_RATES[c]) <= 0.5 / population_count[c], c


def test_over_20_seeds_each_class_share_is_unbiased_and_the_sample_random() -> None:
    population = _population(SMALL, seed=2)
    inspectors = _inspectors()
    size = Counter(c.credit_class for c in population)
    # Each enterprise's place in code order within its class, as a fraction: averages 1/2.
    ordered = sorted(population, key=lambda c: c.uscc)
    rank = {
        e.uscc: (i + 0.5) / size[c]
        for c in CREDIT_CLASSES
        for i, e in enumerate(e for e in ordered if e.credit_class == c)
    }
    shares: dict[CreditClass, list[float]] = {c: [] for c in CREDIT_CLASSES}
    ever_drawn: dict[CreditClass, set[str]] = {c: set() for c in CREDIT_CLASSES}
    ranks: dict[CreditClass, list[float]] = {c: [] for c in CREDIT_CLASSES}
    for seed in SEEDS:
        draw = draw_inspections(population, inspectors, set(), seed, PERIOD)
        assert draw.overall_proportion >= MINIMUM_OVERALL
        observed = _shares(draw)
        assert observed["D"] > observed["C"] > observed["B"] > observed["A"]
        for c in CREDIT_CLASSES:
            shares[c].append(observed[c])
        for a in draw.assignments:
            ever_drawn[a.credit_class].add(a.uscc)
            ranks[a.credit_class].append(rank[a.uscc])
    for c in CREDIT_CLASSES:
        rate, n = DEFAULT_RATES[c], size[c]
        # The mean share lies within 3 standard errors of the rate (binomial SE, wider than
        # that of exact-count sampling, whose share is round(rate × n) / n in every draw: this
        # guards the counting; who is drawn is checked for randomness just below).
        standard_error = math.sqrt(rate * (1 - rate) / n / len(SEEDS))
        assert abs(sum(shares[c]) / len(SEEDS) - rate) <= 3 * standard_error, c
        # The sample is random, not the first k by code: the share of the class drawn at least
        # once across the seeds is 1 - (1 - rate)^20, and the drawn ranks average one half.
        expected = 1 - (1 - rate) ** len(SEEDS)
        spread = math.sqrt(expected * (1 - expected) / n)
        assert abs(len(ever_drawn[c]) / n - expected) <= 4 * spread, c
        mean_rank = sum(ranks[c]) / len(ranks[c])
        assert abs(mean_rank - 0.5) <= 4 * math.sqrt(1 / 12 / len(ranks[c])), c


def test_the_same_seed_replays_the_draw_and_another_seed_or_period_does_not(big: Big) -> None:
    population, inspectors, conflicts, draw = big
    replay = draw_inspections(population, inspectors, conflicts, SEED, PERIOD)
    assert replay == draw
    assert replay.to_document() == draw.to_document()
    for other in (
        draw_inspections(population, inspectors, conflicts, SEED + 1, PERIOD),
        draw_inspections(population, inspectors, conflicts, SEED, "2025Q2"),
    ):
        drawn = {a.uscc for a in draw.assignments}
        assert {a.uscc for a in other.assignments} != drawn
        assert other.drawn == draw.drawn  # the counts follow the rates, not the seed


def test_shuffled_inputs_give_the_same_draw(big: Big) -> None:
    population, inspectors, conflicts, draw = big
    rng = random.Random(3)  # noqa: S311 - seeded test data
    shuffled_population = rng.sample(population, len(population))
    shuffled_inspectors = rng.sample(inspectors, len(inspectors))
    shuffled_conflicts = set(rng.sample(sorted(conflicts), len(conflicts)))
    assert (
        draw_inspections(shuffled_population, shuffled_inspectors, shuffled_conflicts, SEED, PERIOD)
        == draw
    )


def test_no_inspector_of_the_enterprise_area_or_with_a_conflict_is_assigned(big: Big) -> None:
    population, inspectors, conflicts, draw = big
    area = {c.uscc: c.area for c in population} | {i.staff_id: i.area for i in inspectors}
    assert draw.unassigned == ()  # 45 of 60 inspectors are outside any one area
    for a in draw.assignments:
        staff_ids = [i.staff_id for i in a.inspectors]
        assert len(set(staff_ids)) == 2
        assert all(area[s] != area[a.uscc] for s in staff_ids), a
        assert all((s, a.uscc) not in conflicts for s in staff_ids), a
    # Not vacuous: many drawn enterprises had a recorded relationship to avoid.
    with_conflict = {uscc for _, uscc in conflicts}
    assert sum(a.uscc in with_conflict for a in draw.assignments) > 1000


def test_the_load_is_spread_evenly_over_the_inspectors(big: Big) -> None:
    _, inspectors, _, draw = big
    load = Counter(i.staff_id for a in draw.assignments for i in a.inspectors)
    assert set(load) == {i.staff_id for i in inspectors}
    assert max(load.values()) - min(load.values()) <= 2, load


def test_avoidance_leaves_exactly_the_eligible_inspectors() -> None:
    enterprise = Candidate(_uscc(1, "nansha"), "D", "nansha")
    staff = [
        Inspector("ZF1", "甲", "nansha"),  # same area office
        Inspector("ZF2", "乙", "hengqin"),  # recorded conflict
        Inspector("ZF3", "丙", "hengqin"),
        Inspector("ZF4", "丁", "nansha"),  # same area office
        Inspector("ZF5", "戊", "outside"),
    ]
    for seed in SEEDS:
        draw = draw_inspections([enterprise], staff, {("ZF2", enterprise.uscc)}, seed, PERIOD)
        (assignment,) = draw.assignments
        assert [i.staff_id for i in assignment.inspectors] == ["ZF3", "ZF5"]


def test_an_enterprise_without_enough_eligible_inspectors_is_reported_unassigned() -> None:
    lonely = Candidate(_uscc(1, "hengqin"), "D", "hengqin")
    served = Candidate(_uscc(2, "nansha"), "D", "nansha")
    staff = [
        Inspector("ZF1", "甲", "hengqin"),
        Inspector("ZF2", "乙", "hengqin"),
        Inspector("ZF3", "丙", "outside"),  # the one outsider has a conflict with `lonely`
    ]
    everyone = dict.fromkeys(CREDIT_CLASSES, 1.0)
    draw = draw_inspections(
        [lonely, served], staff, {("ZF3", lonely.uscc)}, SEED, PERIOD, rates=everyone
    )
    assert draw.drawn["D"] == 2  # the unassigned one still counts as drawn
    (unassigned,) = draw.unassigned
    assert unassigned.uscc == lonely.uscc
    assert "0 of the 2" in unassigned.reason
    assert "hengqin" in unassigned.reason
    assert [a.uscc for a in draw.assignments] == [served.uscc]
    public = draw.publishable()
    assert public["awaiting_inspectors"] == [{"uscc": lonely.uscc, "credit_class": "D"}]
    assert "reason" not in json.dumps(public)
    assert draw.to_document()["unassigned"] == [
        {"uscc": lonely.uscc, "credit_class": "D", "reason": unassigned.reason}
    ]


@pytest.mark.parametrize(
    "rates",
    [
        {"A": 0.005, "B": 0.005, "C": 0.005, "D": 0.005},
        {"A": 0.001, "B": 0.002, "C": 0.004, "D": 0.008},
    ],
)
def test_tiny_rates_are_scaled_to_the_floor_keeping_their_order(
    rates: Mapping[CreditClass, float],
) -> None:
    population = _population(SMALL, seed=4)
    draw = draw_inspections(population, _inspectors(), set(), SEED, PERIOD, rates=rates)
    required = math.ceil(MINIMUM_OVERALL * SMALL)
    assert draw.overall_proportion >= MINIMUM_OVERALL
    # The smallest factor that reaches the floor: at most one step per class past it.
    assert required <= sum(draw.drawn.values()) <= required + len(CREDIT_CLASSES) - 1
    assert draw.scale_factor > 1
    for c in CREDIT_CLASSES:
        assert draw.rates[c] == pytest.approx(rates[c] * draw.scale_factor, rel=1e-12)
    used = [draw.rates[c] for c in CREDIT_CLASSES]
    observed = [_shares(draw)[c] for c in CREDIT_CLASSES]
    if len(set(rates.values())) == len(CREDIT_CLASSES):  # strictly increasing stays so
        assert used == sorted(set(used))
        assert observed == sorted(set(observed))
    else:  # a flat table stays flat: shares differ only by rounding to whole enterprises
        assert len(set(used)) == 1
        rounding = max(0.5 / draw.population[c] for c in CREDIT_CLASSES)
        assert max(observed) - min(observed) <= 2 * rounding


def test_the_record_and_the_public_page_are_plain_json(big: Big) -> None:
    _, _, _, draw = big
    document: Any = json.loads(json.dumps(draw.to_document(), ensure_ascii=False))
    assert document == draw.to_document()
    assert document["assignments"][0]["inspectors"][0].startswith("ZF")
    assert document["overall_proportion"] == draw.overall_proportion
    public: Any = json.loads(json.dumps(draw.publishable(), ensure_ascii=False))
    assert public == draw.publishable()
    first = public["enterprises"][0]
    assert set(first) == {"uscc", "credit_class", "inspectors"}
    assert set(first["inspectors"][0]) == {"staff_id", "name"}
    assert first["inspectors"][0]["name"].startswith("检查员")
    assert (public["period"], public["seed"], public["drawn"]) == (PERIOD, SEED, document["drawn"])
    assert len(public["enterprises"]) == len(draw.assignments)


@pytest.mark.parametrize(
    ("candidates", "rates"),
    [
        ([Candidate("X1", "A", "nansha"), Candidate("X1", "B", "hengqin")], DEFAULT_RATES),
        ([], {"A": 0.2, "B": 0.1, "C": 0.3, "D": 0.4}),  # a better class more often
        ([], {"A": 0.1, "B": 0.1, "C": 0.1}),
        ([Candidate("X1", "A", "nansha")], {"A": 0.0, "B": 0.0, "C": 0.0, "D": 0.0}),
    ],
)
def test_inputs_that_would_break_the_rules_are_refused(
    candidates: list[Candidate], rates: Mapping[CreditClass, float]
) -> None:
    with pytest.raises(ValueError, match=r"."):
        draw_inspections(candidates, _inspectors(), set(), SEED, PERIOD, rates=rates)


def test_unknown_areas_and_classes_are_refused() -> None:
    with pytest.raises(ValueError, match="area"):
        Candidate("X1", "A", "guangzhou")
    with pytest.raises(ValueError, match="credit class"):
        Candidate("X1", "E", "nansha")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="area"):
        Inspector("ZF1", "甲", "shenzhen")
