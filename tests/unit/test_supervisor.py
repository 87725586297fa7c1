"""The local stack's supervisor starts a dead process again, backing off if it keeps dying."""

import subprocess
from typing import cast

from tools.supervisor import MAX_DELAY_SECONDS, STABLE_AFTER_SECONDS, Supervisor


class FakeProcess:
    def __init__(self) -> None:
        self.code: int | None = None

    def poll(self) -> int | None:
        return self.code


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def supervised() -> tuple[Supervisor, Clock, list[str], list[FakeProcess]]:
    clock = Clock()
    lines: list[str] = []
    started: list[FakeProcess] = []

    def start() -> subprocess.Popen[bytes]:
        started.append(FakeProcess())
        return cast("subprocess.Popen[bytes]", started[-1])

    supervisor = Supervisor(report=lines.append, clock=clock)
    supervisor.watch("tax", start(), start)
    return supervisor, clock, lines, started


def test_a_dead_process_is_started_again_after_a_second() -> None:
    supervisor, clock, lines, started = supervised()
    assert supervisor.check() == []  # alive: nothing to do
    clock.now += STABLE_AFTER_SECONDS
    started[-1].code = -9
    assert supervisor.check() == []  # noted, waiting out the first delay
    assert "tax exited (-9)" in lines[-1]
    clock.now += 1
    assert supervisor.check() == ["tax"]
    assert len(started) == 2
    assert supervisor.watched["tax"].restarts == 1


def test_a_process_that_keeps_dying_waits_longer_each_time_up_to_a_bound() -> None:
    supervisor, clock, _, started = supervised()
    delays: list[float] = []
    for _ in range(8):
        started[-1].code = 1  # dies at once, every time
        supervisor.check()
        due = supervisor.watched["tax"].due
        assert due is not None
        delays.append(due - clock.now)
        clock.now = due
        assert supervisor.check() == ["tax"]
    assert delays == [1, 2, 4, 8, 16, 30, 30, 30]
    assert max(delays) == MAX_DELAY_SECONDS


def test_a_process_that_ran_a_while_starts_the_backoff_afresh() -> None:
    supervisor, clock, _, started = supervised()
    for _ in range(3):  # three quick deaths: 1, 2, 4 s
        started[-1].code = 1
        supervisor.check()
        due = supervisor.watched["tax"].due
        assert due is not None
        clock.now = due
        supervisor.check()
    clock.now += STABLE_AFTER_SECONDS  # then it stays up
    started[-1].code = -9
    supervisor.check()
    due = supervisor.watched["tax"].due
    assert due is not None
    assert due - clock.now == 1
