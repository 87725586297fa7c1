"""Synthetic enterprises for benchmarks and statistics tests: seeded, so reproducible.

The mix follows what the source lists look like in a Free Trade Zone: most enterprises clean,
young ones more numerous than old, and a few percent on each list. Computed on SYNTHETIC_AS_OF,
their portraits fall roughly A 40–60 %, B 25–40 %, C 8–15 %, D 2–6 % (the bench prints it).
Nothing here is real: names, codes and identity numbers are made up (check characters valid).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal

from contracts.form import EnterpriseType, FreeTradeZoneArea
from contracts.identifiers import (
    organisation_code_check,
    resident_id_check_digit,
    uscc_check_character,
)
from services.credit.facts import (
    CreditList,
    DecisionFact,
    EnterpriseFacts,
    ListEntry,
    SubjectKind,
)

DecisionStatus = Literal["approved", "rejected", "not_applicable"]
SYNTHETIC_AS_OF = date(2026, 6, 30)  # compute the synthetic enterprises' portraits on this day

AREAS = (  # area, county-level division code, share of enterprises
    (FreeTradeZoneArea.NANSHA, "440115", 0.35),
    (FreeTradeZoneArea.QIANHAI_SHEKOU, "440305", 0.35),
    (FreeTradeZoneArea.HENGQIN, "440402", 0.20),
    (FreeTradeZoneArea.OUTSIDE, "440106", 0.10),
)
TYPES = (
    (EnterpriseType.LIMITED_LIABILITY_COMPANY, 0.62),
    (EnterpriseType.FOREIGN_INVESTED_LLC, 0.12),
    (EnterpriseType.SOLE_PROPRIETORSHIP, 0.10),
    (EnterpriseType.BRANCH, 0.08),
    (EnterpriseType.PARTNERSHIP, 0.05),
    (EnterpriseType.JOINT_STOCK_COMPANY, 0.03),
)
EMPLOYEE_RANGES = (((0, 0), 0.10), ((1, 9), 0.45), ((10, 49), 0.30), ((50, 249), 0.12))
LARGE_EMPLOYER = (250, 3000)  # the remaining 3 %
DEPARTMENTS = ("market", "tax", "police", "credit", "social_security", "commerce", "bank")
AUTHORITIES = {
    CreditList.DISHONEST_DEBTORS: "广州市南沙区人民法院",
    CreditList.ABNORMAL_OPERATIONS: "广州市南沙区市场监督管理局",
    CreditList.SERIOUS_VIOLATIONS: "广东省市场监督管理局",
    CreditList.ADMINISTRATIVE_PENALTIES: "深圳市前海管理局",
    CreditList.TAX_ARREARS: "国家税务总局广州市南沙区税务局",
    CreditList.COURT_JUDGMENTS: "深圳前海合作区人民法院",
    CreditList.SOCIAL_INSURANCE_ARREARS: "珠海市横琴新区社会保险基金管理中心",
}


@dataclass(frozen=True, slots=True)
class Listing:
    """One kind of entry, drawn for each enterprise independently with probability `share`
    (so a troubled enterprise is sometimes on several lists)."""

    list: CreditList
    share: float
    amounts: tuple[int, int] | None = None  # yuan, drawn uniformly
    removed: bool = False  # removed from the list again by `as_of` (paid, repaired)


ENTERPRISE_LISTINGS = (
    Listing(CreditList.ABNORMAL_OPERATIONS, 0.075),
    Listing(CreditList.ABNORMAL_OPERATIONS, 0.05, removed=True),
    Listing(CreditList.ADMINISTRATIVE_PENALTIES, 0.08, (1_000, 200_000), removed=True),
    Listing(CreditList.COURT_JUDGMENTS, 0.05, (10_000, 5_000_000), removed=True),
    Listing(CreditList.TAX_ARREARS, 0.03, (2_000, 800_000)),
    Listing(CreditList.TAX_ARREARS, 0.02, (2_000, 300_000), removed=True),
    Listing(CreditList.SOCIAL_INSURANCE_ARREARS, 0.03, (5_000, 400_000)),
    Listing(CreditList.SERIOUS_VIOLATIONS, 0.012),
    Listing(CreditList.DISHONEST_DEBTORS, 0.018, (50_000, 3_000_000)),
    Listing(CreditList.DISHONEST_DEBTORS, 0.01, (50_000, 1_000_000), removed=True),
)
PERSON_LISTINGS = (
    Listing(CreditList.DISHONEST_DEBTORS, 0.02),
    Listing(CreditList.SERIOUS_VIOLATIONS, 0.005),
)
RELATED_LISTINGS = (
    Listing(CreditList.TAX_ARREARS, 0.02),
    Listing(CreditList.DISHONEST_DEBTORS, 0.01),
)
RELATED_DIVISION = "440304"  # no synthetic enterprise is in it: related ones never collide
LONG_TERM_SHARE = 0.6  # enterprises registered without a fixed business term (长期)
TERMS = (10, 20, 30, 50)  # the others' business terms, in years
CANCELLED_SHARE = 0.015
OFFICER_DECIDED_SHARE = 0.2
CORRECTED_SHARE = 0.08
DECISION_STATUSES: tuple[DecisionStatus, ...] = ("approved", "rejected", "not_applicable")
DECISION_STATUS_SHARES = (0.88, 0.02, 0.10)
COMPLAINT_FREE_SHARE, FEW_COMPLAINTS_SHARE = 0.75, 0.20  # the other 5 % complain more


def synthetic_enterprises(
    count: int, seed: int, *, as_of: date = SYNTHETIC_AS_OF
) -> Iterator[EnterpriseFacts]:
    """`count` enterprises, the same ones for the same seed; unique credit codes."""
    rng = random.Random(seed)  # noqa: S311 - reproducible by design, not a secret
    for number in range(count):
        yield _enterprise(rng, number, seed, as_of)


def synthetic_uscc(number: int, seed: int, division: str) -> str:
    # 7919 is prime to 10^8, so the organisation-code bodies of one seed never repeat.
    body = f"{(seed * 104_729 + number * 7919) % 10**8:08d}"
    first17 = "91" + division + body + organisation_code_check(body)
    return first17 + uscc_check_character(first17)


def _enterprise(rng: random.Random, number: int, seed: int, as_of: date) -> EnterpriseFacts:
    area, division, _share = rng.choices(AREAS, [share for *_, share in AREAS])[0]
    uscc = synthetic_uscc(number, seed, division)
    founded = as_of - timedelta(days=min(int(rng.expovariate(1 / 8) * 365.25), 30 * 365))
    window = (founded, as_of)
    employees = _employees(rng)
    return EnterpriseFacts(
        uscc=uscc,
        name=f"合成示例{number:06d}有限公司",
        enterprise_type=rng.choices(TYPES, [share for _, share in TYPES])[0][0],
        area=area,
        founded_on=founded,
        registered_capital_yuan=Decimal(round(10 ** rng.uniform(4, 8.7), -3)),
        business_term_years=None if rng.random() < LONG_TERM_SHARE else rng.choice(TERMS),
        scope_items=rng.randint(1, 15),
        employee_count=employees,
        status="cancelled" if rng.random() < CANCELLED_SHARE else "registered",
        entries=_entries(rng, ENTERPRISE_LISTINGS, lambda: ("enterprise", uscc), window),
        person_entries=_entries(
            rng, PERSON_LISTINGS, lambda: ("person", _resident_id(rng)), window
        ),
        related_entries=_entries(
            rng, RELATED_LISTINGS, lambda: ("enterprise", _related_uscc(rng)), window
        ),
        decisions=_decisions(rng, founded),
        complaints=_complaints(rng, employees),
    )


def _employees(rng: random.Random) -> int:
    roll, cumulative = rng.random(), 0.0
    for (low, high), share in EMPLOYEE_RANGES:
        cumulative += share
        if roll < cumulative:
            return rng.randint(low, high)
    return rng.randint(*LARGE_EMPLOYER)


def _entries(
    rng: random.Random,
    listings: tuple[Listing, ...],
    subject: Callable[[], tuple[SubjectKind, str]],
    window: tuple[date, date],
) -> tuple[ListEntry, ...]:
    return tuple(
        _entry(rng, listing, *subject(), _listing_dates(rng, listing, window))
        for listing in listings
        if rng.random() < listing.share
    )


def _related_uscc(rng: random.Random) -> str:
    return synthetic_uscc(rng.randrange(10**8), 0, RELATED_DIVISION)


def _listing_dates(
    rng: random.Random, listing: Listing, window: tuple[date, date]
) -> tuple[date, date | None]:
    # Listed in the last three years (never before founding); a removed entry was removed
    # within a year of being listed, and no later than `as_of`.
    founded, as_of = window
    earliest = max(founded, as_of - timedelta(days=3 * 365))
    listed = earliest + timedelta(days=rng.randint(0, max((as_of - earliest).days, 0)))
    if not listing.removed:
        return listed, None
    return listed, min(listed + timedelta(days=rng.randint(30, 365)), as_of)


def _entry(
    rng: random.Random,
    listing: Listing,
    kind: SubjectKind,
    subject_id: str,
    dates: tuple[date, date | None],
) -> ListEntry:
    return ListEntry(
        list=listing.list,
        entry_id=f"SYN-{listing.list}-{rng.getrandbits(48):012x}",
        subject_kind=kind,
        subject_id=subject_id,
        subject_name="合成示例",
        listed_on=dates[0],
        removed_on=dates[1],
        authority=AUTHORITIES[listing.list],
        reason="合成数据 synthetic",
        amount_yuan=None if listing.amounts is None else Decimal(rng.randint(*listing.amounts)),
    )


def _resident_id(rng: random.Random) -> str:
    born = date(1960, 1, 1) + timedelta(days=rng.randint(0, 40 * 365))
    first17 = f"440106{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + resident_id_check_digit(first17)


def _decisions(rng: random.Random, founded: date) -> tuple[DecisionFact, ...]:
    at = datetime.combine(founded, time(10), tzinfo=UTC)
    return tuple(_decision(rng, department, at) for department in DEPARTMENTS)


def _decision(rng: random.Random, department: str, at: datetime) -> DecisionFact:
    return DecisionFact(
        department=department,
        status=rng.choices(DECISION_STATUSES, DECISION_STATUS_SHARES)[0],
        decided_by="officer" if rng.random() < OFFICER_DECIDED_SHARE else "rules",
        decided_at=at,
        corrections=1 if rng.random() < CORRECTED_SHARE else 0,
    )


def _complaints(rng: random.Random, employees: int) -> int:
    roll = rng.random()
    if roll < COMPLAINT_FREE_SHARE:
        return 0
    if roll < COMPLAINT_FREE_SHARE + FEW_COMPLAINTS_SHARE:
        return rng.randint(1, 2 + employees // 50)
    return rng.randint(3, 10 + employees // 10)
