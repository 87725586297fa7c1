"""China Standard Time: the day a deadline, a reminder or a working day is counted in."""

from __future__ import annotations

from datetime import timedelta, timezone

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving since 1991
