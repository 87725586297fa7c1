"""What the decision times read: narrow in time, so the read does not grow with the history.

On the embedded database a sorted, limited read of an index range reads the whole range, so
reading "the latest 200 of the last month" every minute cost more with every registration.
A fake read model here records each range asked for and answers from a list of completions.
"""

from datetime import UTC, datetime, timedelta

from services.notifier.decision_times import LEARN_FROM, LEARN_WINDOW, DecisionTimes
from services.notifier.timeline_reads import TimelineEntry, TimelineReads, TimelineRow

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def completed(rid: str, at: datetime) -> TimelineRow:
    return TimelineRow(
        registration_id=rid,
        overall_status="completed",
        entries=(
            TimelineEntry("registration", "submitted", at - timedelta(seconds=2)),
            TimelineEntry("market", "approved", at - timedelta(seconds=1)),
        ),
        submitted_at=at - timedelta(seconds=2),
        completed_at=at,
    )


class RecordedReads(TimelineReads):
    def __init__(self, rows: list[TimelineRow]) -> None:
        self.rows = rows
        self.asked: list[datetime] = []

    async def recently_completed(self, since: datetime, limit: int) -> list[TimelineRow]:
        self.asked.append(since)
        found = [r for r in self.rows if r.completed_at and r.completed_at >= since]
        return sorted(found, key=lambda r: r.completed_at or since, reverse=True)[:limit]


def ten_a_second(count: int, until: datetime, prefix: str = "r") -> list[TimelineRow]:
    """`count` completions, the national peak's pace, the newest at `until`."""
    return [completed(f"{prefix}{i}", until - timedelta(seconds=i / 10)) for i in range(count)]


async def test_a_busy_stack_is_first_read_over_its_last_minute() -> None:
    reads = RecordedReads(ten_a_second(3_000, NOW))
    history = await DecisionTimes(reads).refresh(NOW)
    assert reads.asked == [NOW - timedelta(minutes=1)]
    assert history.registrations == LEARN_FROM


async def test_a_quiet_stack_is_first_read_further_back_until_enough_are_found() -> None:
    hourly = [completed(f"h{i}", NOW - timedelta(hours=i)) for i in range(300)]
    reads = RecordedReads(hourly)
    history = await DecisionTimes(reads).refresh(NOW)
    assert reads.asked[-1] == NOW - LEARN_WINDOW
    assert reads.asked == sorted(reads.asked, reverse=True)  # each window wider than the last
    assert history.registrations == LEARN_FROM


async def test_later_reads_start_at_the_newest_completion_already_read() -> None:
    reads = RecordedReads(ten_a_second(500, NOW))
    times = DecisionTimes(reads)
    await times.refresh(NOW)
    later = NOW + timedelta(seconds=10)
    reads.rows += ten_a_second(10, later, prefix="new")
    history = await times.refresh(later)
    assert reads.asked[-1] == NOW  # not the month, nor the last minute: since the newest read
    assert history.registrations == LEARN_FROM
    # The newest ten are the new ones; the rest are the newest of those read before, once each.
    learnt = times._latest  # noqa: SLF001 - the sample itself is what this test is about
    assert [r.registration_id for r in learnt[:10]] == [f"new{i}" for i in range(10)]
    assert len({r.registration_id for r in learnt}) == LEARN_FROM


async def test_an_empty_stack_reads_its_window_then_only_what_completes() -> None:
    reads = RecordedReads([])
    times = DecisionTimes(reads)
    await times.refresh(NOW)
    assert reads.asked[-1] == NOW - LEARN_WINDOW
    later = NOW + timedelta(seconds=10)
    reads.rows.append(completed("first", later))
    history = await times.refresh(later)
    assert reads.asked[-1] == later - LEARN_WINDOW  # nothing read yet: the whole window
    assert history.registrations == 1
    await times.refresh(later + timedelta(seconds=10))
    assert reads.asked[-1] == later


async def test_a_registration_read_again_is_learnt_as_it_was_read_last() -> None:
    reads = RecordedReads([completed("r1", NOW)])
    times = DecisionTimes(reads)
    await times.refresh(NOW)
    # Read again by the next range (it starts at the newest completion, inclusive), now with
    # an officer's review on its timeline.
    reviewed = completed("r1", NOW)
    reviewed = TimelineRow(
        registration_id="r1",
        overall_status="completed",
        entries=(
            *reviewed.entries,
            TimelineEntry("police", "in_review", NOW - timedelta(seconds=1)),
            TimelineEntry("police", "approved", NOW, decided_by="officer"),
        ),
        submitted_at=reviewed.submitted_at,
        completed_at=NOW,
    )
    reads.rows = [reviewed]
    history = await times.refresh(NOW + timedelta(seconds=10))
    assert history.registrations == 1
    assert history.review["police"].seconds == (1.0,)
