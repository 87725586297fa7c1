"""Live streams are capped in total, per address and per client, and every slot comes back."""

from collections.abc import AsyncIterator
from typing import cast

import pytest

from service_runtime.problems import Problem
from services.notifier.stream_limits import StreamSlots, within


async def events(n: int) -> AsyncIterator[str]:
    for i in range(n):
        yield f"event {i}"


async def test_each_cap_refuses_one_stream_more_and_a_finished_stream_frees_its_slot() -> None:
    slots = StreamSlots(total=3, per_address=2, per_client=1)
    with slots.held("1.1.1.1", "a"):
        with pytest.raises(Problem) as same_client:
            slots.check("2.2.2.2", "a")
        assert same_client.value.status == 429
        assert cast("int", same_client.value.extra["retry_after"]) > 0
        with slots.held("1.1.1.1", "b"):
            with pytest.raises(Problem, match="too_many_live_streams_from_address"):
                slots.check("1.1.1.1", "c")
            with slots.held("2.2.2.2", "c"), pytest.raises(Problem, match="too_many_live_streams"):
                slots.check("3.3.3.3", "d")
    assert slots.open == 0
    slots.check("1.1.1.1", "a")  # all given back


async def test_a_stream_holds_its_slot_while_it_runs_and_gives_it_back_when_cut_short() -> None:
    slots = StreamSlots(total=10, per_address=10, per_client=1)
    stream = within(slots, "1.1.1.1", "a", events(5))
    assert await anext(stream) == "event 0"
    assert slots.open == 1
    await stream.aclose()  # the browser went away
    assert slots.open == 0
    assert [e async for e in within(slots, "1.1.1.1", "a", events(2))] == ["event 0", "event 1"]
    assert slots.open == 0
