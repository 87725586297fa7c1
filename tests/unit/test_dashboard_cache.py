"""Open dashboards share one computation, and a slow one is reused for longer."""

from __future__ import annotations

import asyncio
from typing import Any

from services.notifier.dashboard import CostBoundCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_a_computation_is_kept_for_a_multiple_of_what_it_took_and_shared_meanwhile() -> None:
    runs: list[float]
    clock, runs = Clock(), []

    async def compute() -> dict[str, Any]:
        runs.append(clock.now)
        clock.now += 2.0  # the counts read every timeline: 2 s on a large read model
        return {"run": len(runs)}

    cache = CostBoundCache(compute, floor=0.25, factor=10.0, clock=clock)
    # Many viewers at once: one computation.
    assert await asyncio.gather(*(cache.get() for _ in range(5))) == [{"run": 1}] * 5
    clock.now += 19.0  # 21 s after it started: still within 10 × 2 s of its end
    assert (await cache.get())["run"] == 1
    clock.now += 1.5
    assert (await cache.get())["run"] == 2
    assert len(runs) == 2  # 2 s of reading every 22 s, not back to back


async def test_a_quick_computation_is_kept_for_the_floor() -> None:
    clock = Clock()
    runs: list[float] = []

    async def compute() -> dict[str, Any]:
        runs.append(clock.now)
        return {}

    cache = CostBoundCache(compute, floor=0.25, factor=10.0, clock=clock)
    await cache.get()
    clock.now += 0.2
    await cache.get()
    clock.now += 0.1
    await cache.get()
    assert len(runs) == 2
