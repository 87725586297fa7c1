"""`make run` keeps its processes up: one that dies is started again, with backoff.

In production a crashed container is restarted; the local stack behaves the same, so the
delivery rules can be watched holding under faults (kill -9 a department mid-load and see
every registration complete). A process that keeps dying right after each start waits longer
each time (1 s, 2 s, 4 s … up to 30 s), so a broken one does not spin.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 30.0
STABLE_AFTER_SECONDS = 60.0  # up this long: the next death starts the backoff afresh

Start = Callable[[], subprocess.Popen[bytes]]


@dataclass
class Watched:
    start: Start
    process: subprocess.Popen[bytes]
    started_at: float
    restarts: int = 0
    quick_deaths: int = 0  # deaths in a row, each soon after its start
    due: float | None = None  # when a dead process is started again


@dataclass
class Supervisor:
    report: Callable[[str], None]
    clock: Callable[[], float] = time.monotonic
    watched: dict[str, Watched] = field(default_factory=dict)

    def watch(self, name: str, process: subprocess.Popen[bytes], start: Start) -> None:
        self.watched[name] = Watched(start, process, self.clock())

    def check(self) -> list[str]:
        """One pass: note deaths, start again what is due; the names started again."""
        now, started = self.clock(), []
        for name, w in self.watched.items():
            code = w.process.poll()
            if code is None:
                continue
            if w.due is None:  # just died
                lived = now - w.started_at
                w.quick_deaths = 1 if lived >= STABLE_AFTER_SECONDS else w.quick_deaths + 1
                delay = min(FIRST_DELAY_SECONDS * 2 ** (w.quick_deaths - 1), MAX_DELAY_SECONDS)
                w.due = now + delay
                self.report(
                    f"{name} exited ({code}) after {lived:.0f} s; starting it again in {delay:.0f} s"
                )
            if now >= w.due:
                w.process, w.started_at, w.due = w.start(), now, None
                w.restarts += 1
                started.append(name)
                self.report(f"{name} started again (restart {w.restarts})")
        return started
