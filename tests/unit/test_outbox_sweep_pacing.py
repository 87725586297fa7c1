"""The outbox sweeper's pace: brisk while its relay publishes, slower and slower while idle.

Each service has several relays, each sweeping its own collection; on an idle stack every sweep
finds nothing. A sweep that follows a publish (a failed one leaves entries behind) comes after
the base interval again.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from service_runtime.outbox import OutboxRelay, Stored


class Collection:
    """Holds nothing: every sweep finds nothing, every clear matches nothing."""

    name = "cases"

    def find(self, *_: Any) -> Collection:
        return self

    def limit(self, _: int) -> Collection:
        return self

    async def to_list(self, _: Any) -> list[Any]:
        return []

    async def bulk_write(self, *_: Any, **__: Any) -> None:
        return None


class Stop(Exception):  # noqa: N818 - ends the loop under test
    pass


async def waits_of(relay: OutboxRelay, rounds: int, between: Any = None) -> list[float]:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if between is not None:
            await between(len(waits))
        if len(waits) == rounds:
            raise Stop

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("service_runtime.outbox.asyncio.sleep", sleep)
        with pytest.raises(Stop):
            await relay.sweep_forever(5.0, timedelta(seconds=5), idle_interval=60.0)
    return waits


def relay() -> OutboxRelay:
    async def send(*_: Any, **__: Any) -> Any:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    return OutboxRelay(Collection(), send)  # type: ignore[arg-type]


async def test_an_idle_relay_sweeps_less_and_less_often_up_to_a_minute() -> None:
    assert await waits_of(relay(), 7) == [5.0, 10.0, 20.0, 40.0, 60.0, 60.0, 60.0]


async def test_a_publish_brings_the_next_sweep_back_to_the_base_interval() -> None:
    idle = relay()

    async def publish_after_the_fourth(round_: int) -> None:
        if round_ == 4:
            entry = {"event_id": "e1", "topic": "t", "key": "k", "payload": "{}", "trace": {}}
            await idle.publish_stored([Stored("doc", [entry])])

    waits = await waits_of(idle, 7, publish_after_the_fourth)
    assert waits == [5.0, 10.0, 20.0, 40.0, 5.0, 10.0, 20.0]
