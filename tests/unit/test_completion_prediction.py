"""The predicted completion time, checked against what really happened over synthetic history.

A generator plays registrations through the real topology: each department decides by its
rules in a second or two once its prerequisites have decided, or (now and then) goes to an
officer who decides within hours, in office hours on working days. The prediction learns from
200 such registrations and is then asked about 150 others at moments while they are in
progress; its answers are compared with how those registrations really finished.
"""

import random
from datetime import UTC, datetime, timedelta
from statistics import median

import pytest

from contracts.topology import TOPOLOGY
from service_runtime.china_time import CHINA
from service_runtime.working_days import due_at, next_office_moment
from services.notifier.decision_times import History, Spread, learn
from services.notifier.prediction import predict
from services.notifier.timeline_reads import TimelineEntry, TimelineRow

REVIEW_SHARE = 0.12  # of each department's cases go to an officer
DEPARTMENTS = [d.name for d in TOPOLOGY.departments]


def topological() -> list[str]:
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name not in ordered:
            for prerequisite in TOPOLOGY.waits_for(name):
                visit(prerequisite)
            ordered.append(name)

    for name in DEPARTMENTS:
        visit(name)
    return ordered


def play(rng: random.Random, rid: str, submitted: datetime) -> tuple[list[TimelineEntry], datetime]:
    """One registration's whole history, and when it completed."""
    entries = [TimelineEntry("registration", "submitted", submitted)]
    decided: dict[str, datetime] = {}
    for name in topological():
        ready = max([submitted, *(decided[p] for p in TOPOLOGY.waits_for(name))])
        if rng.random() < REVIEW_SHARE:
            review = ready + timedelta(seconds=rng.uniform(0.2, 1.0))
            entries.append(TimelineEntry(name, "in_review", review, decided_by="rules"))
            hours = rng.uniform(0.5, 5.0)
            decided[name] = next_office_moment(review + timedelta(hours=hours))
            entries.append(TimelineEntry(name, "approved", decided[name], decided_by="officer"))
        else:
            decided[name] = ready + timedelta(seconds=rng.lognormvariate(0, 0.6))
            entries.append(TimelineEntry(name, "approved", decided[name], decided_by="rules"))
    return entries, max(decided[d] for d in TOPOLOGY.required)


def as_of(rid: str, entries: list[TimelineEntry], moment: datetime) -> TimelineRow:
    """The timeline as it stood at `moment`."""
    seen = [e for e in entries if e.occurred_at is not None and e.occurred_at <= moment]
    seen.sort(key=lambda e: e.occurred_at or moment)
    statuses = {
        e.department: e.status
        for e in seen
        if e.department and e.status and e.department != "registration"
    }
    return TimelineRow(
        registration_id=rid,
        overall_status="in_progress",
        departments=statuses,
        entries=tuple(seen),
        submitted_at=seen[0].occurred_at,
    )


def submitted_moment(rng: random.Random) -> datetime:
    """Office days of March 2026 (China time), any hour from 08:00 to 20:00."""
    day = datetime(2026, 3, 2, 8, tzinfo=CHINA) + timedelta(days=rng.randrange(0, 26))
    return (day + timedelta(minutes=rng.uniform(0, 720))).astimezone(UTC)


def history_of(rng: random.Random, count: int) -> History:
    rows = []
    for n in range(count):
        entries, completed = play(rng, f"h{n}", submitted_moment(rng))
        row = as_of(f"h{n}", entries, completed)
        rows.append(TimelineRow(**{**row.__dict__, "overall_status": "completed"}))
    return learn(rows)


def at(iso: str | None) -> datetime:
    assert iso is not None
    return datetime.fromisoformat(iso)


def test_predictions_over_synthetic_history_hold_most_real_finishes_and_beat_the_statutory_limit() -> (
    None
):
    rng = random.Random(20261203)  # noqa: S311 - reproducible synthetic history
    history = history_of(rng, 200)
    assert history.registrations == 200
    assert all(len(history.own[d].seconds) == 200 for d in DEPARTMENTS)

    held, errors, statutory_errors = [], [], []
    for n in range(150):
        entries, completed = play(rng, f"r{n}", submitted := submitted_moment(rng))
        for offset in (timedelta(seconds=0.05), timedelta(minutes=1), timedelta(hours=1)):
            now = submitted + offset
            if now >= completed:
                continue  # finished by then: nothing to predict
            row = as_of(f"r{n}", entries, now)
            predicted = predict(row, history, now)
            naive = predict(row, History(), now)  # no history: the statutory limits alone
            assert predicted is not None
            assert naive is not None
            assert predicted["basis"] == "recent", predicted
            expected, latest = at(predicted["expected_at"]), at(predicted["latest_at"])
            assert now <= expected <= latest
            held.append(completed <= latest)
            errors.append(abs((expected - completed).total_seconds()))
            statutory_errors.append(abs((at(naive["latest_at"]) - completed).total_seconds()))

    assert len(held) > 150  # every registration right after its submission, many later too
    # The late estimate is the 90th percentile of each department's recent times: most real
    # finishes fall before it, though a registration with several reviews can run past it.
    assert sum(held) / len(held) >= 0.8, sum(held) / len(held)
    # The typical estimate is far closer to the real finish than the statutory limit.
    assert median(errors) < median(statutory_errors) / 4, (median(errors), median(statutory_errors))


def review_row(review_started: datetime) -> TimelineRow:
    submitted = review_started - timedelta(seconds=1)
    return TimelineRow(
        registration_id="r",
        overall_status="in_progress",
        departments={"market": "approved", "police": "in_review"},
        entries=(
            TimelineEntry("registration", "submitted", submitted),
            TimelineEntry("market", "approved", submitted + timedelta(milliseconds=300)),
            TimelineEntry("police", "in_review", review_started),
        ),
        submitted_at=submitted,
    )


def test_without_history_an_officer_review_is_expected_by_its_statutory_deadline() -> None:
    started = datetime(2026, 3, 6, 9, 30, tzinfo=CHINA)  # a Friday
    predicted = predict(review_row(started), History(), started + timedelta(minutes=5))
    assert predicted is not None
    police = predicted["departments"]["police"]
    limit = TOPOLOGY.by_name["police"].time_limit_working_days
    assert police["state"] == "in_review"
    assert police["basis"] == "statutory"
    assert police["expected_at"] is None
    assert at(police["latest_at"]) == at(police["due_at"]) == due_at(started, limit)
    assert predicted["basis"] == "statutory"
    assert predicted["expected_at"] is None
    # The market decided: its real time, not a guess.
    market = predicted["departments"]["market"]
    assert market["state"] == "decided"
    assert market["expected_at"] == market["latest_at"]


def test_a_review_expected_after_office_hours_moves_to_the_next_working_morning() -> None:
    started = datetime(2026, 3, 6, 17, 0, tzinfo=CHINA)  # Friday 17:00
    two_hours = Spread.of([7200.0] * 10)
    history = History(review={"police": two_hours}, registrations=10)
    predicted = predict(review_row(started), history, started + timedelta(minutes=1))
    assert predicted is not None
    police = predicted["departments"]["police"]
    assert at(police["expected_at"]) == datetime(2026, 3, 9, 9, 0, tzinfo=CHINA)  # Monday


def test_a_time_already_passed_becomes_now() -> None:
    started = datetime(2026, 3, 4, 10, 0, tzinfo=CHINA)
    history = History(review={"police": Spread.of([600.0] * 10)}, registrations=10)
    now = started + timedelta(hours=3)  # the usual 10 minutes are long gone
    predicted = predict(review_row(started), history, now)
    assert predicted is not None
    assert at(predicted["departments"]["police"]["expected_at"]) == now


def test_a_correction_the_enterprise_owes_stops_the_clock() -> None:
    row = review_row(datetime(2026, 3, 4, 10, 0, tzinfo=CHINA))
    row = TimelineRow(
        **{**row.__dict__, "departments": {"market": "approved", "police": "correction_requested"}}
    )
    predicted = predict(row, History(), datetime(2026, 3, 4, 11, 0, tzinfo=CHINA))
    assert predicted is not None
    assert predicted["basis"] == "enterprise"
    assert predicted["expected_at"] is None
    assert predicted["departments"]["police"]["state"] == "action_required"


@pytest.mark.parametrize("overall", ["completed", "rejected", "withdrawn"])
def test_a_finished_registration_has_no_prediction(overall: str) -> None:
    row = TimelineRow(**{**review_row(datetime.now(UTC)).__dict__, "overall_status": overall})
    assert predict(row, History(), datetime.now(UTC)) is None


@pytest.mark.parametrize(
    ("moment", "opens"),
    [
        (
            datetime(2026, 3, 4, 8, 0, tzinfo=CHINA),
            datetime(2026, 3, 4, 9, 0, tzinfo=CHINA),
        ),  # Wednesday, before opening
        (
            datetime(2026, 3, 4, 12, 0, tzinfo=CHINA),
            datetime(2026, 3, 4, 12, 0, tzinfo=CHINA),
        ),  # open
        (
            datetime(2026, 3, 4, 18, 30, tzinfo=CHINA),
            datetime(2026, 3, 5, 9, 0, tzinfo=CHINA),
        ),  # after closing
        (
            datetime(2026, 3, 7, 10, 0, tzinfo=CHINA),
            datetime(2026, 3, 9, 9, 0, tzinfo=CHINA),
        ),  # Saturday
        (
            datetime(2026, 9, 30, 19, 0, tzinfo=CHINA),
            datetime(2026, 10, 8, 9, 0, tzinfo=CHINA),
        ),  # National Day holidays
        (
            datetime(2026, 10, 9, 19, 0, tzinfo=CHINA),
            datetime(2026, 10, 10, 9, 0, tzinfo=CHINA),
        ),  # a Saturday worked (调休)
    ],
)
def test_the_next_office_moment_follows_the_working_day_calendar(
    moment: datetime, opens: datetime
) -> None:
    assert next_office_moment(moment) == opens


def test_percentiles_are_nearest_rank() -> None:
    spread = Spread.of([float(s) for s in range(10, 0, -1)])
    assert spread.typical == timedelta(seconds=5)
    assert spread.late == timedelta(seconds=9)
