"""Waking live streams: nothing lost between waits, own announcements skipped, kinds kept apart."""

from __future__ import annotations

import asyncio
import json

import pytest

from services.notifier.live import PageAnnouncer, PageListeners, decode_page_changed
from services.notifier.timeline import Timeline


class Bus:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    async def __call__(self, payload: bytes) -> None:
        self.sent.append(payload)


async def test_changes_made_while_a_stream_is_busy_wait_for_its_next_call() -> None:
    listeners = PageListeners()
    with listeners.subscribe(["a", "b"]) as subscription:
        listeners.timelines_changed({"a": Timeline("a")})  # before the stream waits
        listeners.notifications_changed(["b"])
        listeners.timelines_changed({"c": Timeline("c")})  # someone else's
        changes = await subscription.next(timeout=0.01)
        assert changes.timelines == {"a"}
        assert set(changes.fresh) == {"a"}
        assert changes.notifications == {"b"}
        assert not await subscription.next(timeout=0.01)
    listeners.timelines_changed({"a": None})  # after unsubscribing: nobody to wake, no error


async def test_a_wake_without_a_timeline_drops_the_stale_one_so_the_stream_re_reads() -> None:
    listeners = PageListeners()
    with listeners.subscribe(["a"]) as subscription:
        listeners.timelines_changed({"a": Timeline("a")})
        listeners.timelines_changed({"a": None})
        changes = await subscription.next(timeout=0.01)
        assert changes.timelines == {"a"}
        assert changes.fresh == {}


async def test_a_change_written_between_a_streams_read_and_its_subscription_is_handed_over() -> (
    None
):
    listeners = PageListeners()
    read = Timeline("a", rev=2)  # what the stream read to check its token
    listeners.timelines_changed({"a": Timeline("a", rev=3), "b": Timeline("b", rev=1)})
    with listeners.subscribe(["a"], read=[read]) as subscription:
        changes = await subscription.next(timeout=0.01)
        assert changes.fresh["a"].rev == 3  # no second read of the store
        assert subscription.seen_revs == {"a": 3}
    with listeners.subscribe(["a"], read=[Timeline("a", rev=3)]) as up_to_date:
        assert not await up_to_date.next(timeout=0.01)


async def test_only_a_bounded_few_fresh_timelines_are_kept_and_a_foreign_change_drops_one() -> None:
    listeners = PageListeners(latest_kept=2)
    for rid in "abc":
        listeners.timelines_changed({rid: Timeline(rid, rev=1)})
    listeners.timelines_changed({"c": None})  # changed by another instance: the copy is stale
    for rid, kept in [("a", False), ("b", True), ("c", False)]:
        with listeners.subscribe([rid]) as subscription:
            assert bool(await subscription.next(timeout=0.01)) is kept


async def test_an_instance_skips_its_own_announcements_and_follows_the_others() -> None:
    bus = Bus()
    here, there = PageListeners(), PageListeners()
    announcer = PageAnnouncer(here, bus)
    with here.subscribe(["a"]) as local:
        await announcer.timelines_changed({"a": Timeline("a")})
        assert (await local.next(timeout=0.01)).fresh["a"].registration_id == "a"
        await announcer.flush()
        announcer.on_announcement(bus.sent[-1])  # its own, read back from the bus
        assert not await local.next(timeout=0.01)

    other = PageAnnouncer(there, Bus())
    with there.subscribe(["a"]) as remote:
        # Another process's announcement: a different origin.
        origin, timelines, notifications = decode_page_changed(bus.sent[-1])
        foreign = json.dumps({"from": "elsewhere", "timelines": timelines, "notifications": []})
        other.on_announcement(foreign.encode())
        changes = await remote.next(timeout=0.01)
        assert changes.timelines == {"a"}
        assert changes.fresh == {}  # it must read the store
        assert origin != "elsewhere"
        assert notifications == []


@pytest.mark.parametrize("raw", [b"[]", b'{"timelines": "a"}', b'{"notifications": [1]}'])
def test_a_malformed_announcement_is_refused(raw: bytes) -> None:
    with pytest.raises(TypeError):
        decode_page_changed(raw)


async def test_changes_made_within_the_linger_go_out_as_one_announcement() -> None:
    bus = Bus()
    announcer = PageAnnouncer(PageListeners(), bus, linger=0.05)
    task = asyncio.create_task(announcer.announce_forever())
    try:
        await announcer.timelines_changed({"a": Timeline("a")})
        await announcer.timelines_changed({"b": Timeline("b")})
        await announcer.notifications_changed(["c"])
        for _ in range(100):  # bounded: the linger is 50 ms
            if bus.sent:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # nothing else is pending, so nothing more may come
    finally:
        task.cancel()
    assert len(bus.sent) == 1
    _, timelines, notifications = decode_page_changed(bus.sent[0])
    assert timelines == ["a", "b"]
    assert notifications == ["c"]
