"""After a record that announces follow-ups, a consumer polls briskly for a moment only.

The stand-in fetcher carries aiokafka's private names, which the wrapper relies on.
"""

# ruff: noqa: SLF001

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from aiokafka import TopicPartition

from contracts.topics import DEPARTMENT_STATUS, submitted_topic
from contracts.topology import NOTIFIER, TOPOLOGY, form_topics
from service_runtime.follow_ups import FollowUps, watch_for_follow_ups
from service_runtime.pacing import Brisk, _set_paced_wait, _watch_for_follow_ups

FORM = "registration.submitted.police.v1"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def follow_ups(clock: Clock, paced: int = 100) -> FollowUps:
    return FollowUps(frozenset({FORM}), 30, 0.06, paced, clock=clock)


def test_a_form_makes_the_next_fetches_brisk_until_the_window_ends() -> None:
    clock = Clock()
    waits = follow_ups(clock)
    assert waits.fetched({DEPARTMENT_STATUS}) == 100
    assert waits.fetched({FORM, DEPARTMENT_STATUS}) == 30
    clock.now += 0.05
    assert waits.fetched(()) == 30  # an empty fetch inside the window
    clock.now += 0.02
    assert waits.fetched(()) == 100
    assert not waits.brisk()


def test_a_later_form_extends_the_window() -> None:
    clock = Clock()
    waits = follow_ups(clock)
    waits.fetched({FORM})
    clock.now += 0.05
    waits.fetched({FORM})
    clock.now += 0.05
    assert waits.brisk()


def test_a_stack_that_polls_faster_keeps_its_pace() -> None:
    clock = Clock()
    assert follow_ups(clock, paced=10).fetched({FORM}) == 10


def test_brisk_is_off_without_topics_wait_or_window() -> None:
    assert Brisk().follow_ups(100) is None
    assert Brisk(frozenset({FORM}), 0, 60).follow_ups(100) is None
    assert Brisk(frozenset({FORM}), 30, 0).follow_ups(100) is None
    made = Brisk(frozenset({FORM}), 30, 60).follow_ups(100)
    assert made is not None
    assert (made.brisk_wait_ms, made.window_s, made.paced_wait_ms) == (30, 0.06, 100)


class Fetcher:
    """aiokafka's fetcher as far as the wrapper touches it."""

    def __init__(self, arriving: list[TopicPartition]) -> None:
        self._records: dict[TopicPartition, Any] = {}
        self._fetch_max_wait_ms = 100
        self.arriving = arriving

    async def _proc_fetch_request(self, *_: Any) -> bool:
        for tp in self.arriving:
            self._records[tp] = object()
        return bool(self.arriving)


async def test_the_wrapped_fetch_sets_the_wait_for_the_next_request() -> None:
    clock = Clock()
    fetcher = Fetcher([TopicPartition(FORM, 3)])
    consumer = SimpleNamespace(_fetcher=fetcher)
    waits = follow_ups(clock)
    assert watch_for_follow_ups(consumer, waits)
    assert await fetcher._proc_fetch_request("assignment", 0, "request") is True
    assert fetcher._fetch_max_wait_ms == 30
    fetcher.arriving = []
    clock.now += 0.1
    assert await fetcher._proc_fetch_request("assignment", 0, "request") is False
    assert fetcher._fetch_max_wait_ms == 100


async def test_records_of_other_topics_leave_the_paced_wait() -> None:
    fetcher = Fetcher([TopicPartition(DEPARTMENT_STATUS, 0)])
    assert watch_for_follow_ups(SimpleNamespace(_fetcher=fetcher), follow_ups(Clock()))
    await fetcher._proc_fetch_request()
    assert fetcher._fetch_max_wait_ms == 100


def test_without_the_internals_it_declines_and_the_consumer_keeps_its_pace() -> None:
    assert not watch_for_follow_ups(SimpleNamespace(), follow_ups(Clock()))
    assert not watch_for_follow_ups(
        SimpleNamespace(_fetcher=SimpleNamespace(_fetch_max_wait_ms=100)), follow_ups(Clock())
    )


class Consumer:
    def __init__(self, fetcher: Fetcher) -> None:
        self._fetcher = fetcher


def test_the_paced_wait_waits_for_the_brisk_moment_to_end() -> None:
    clock = Clock()
    fetcher = Fetcher([])
    consumer = Consumer(fetcher)
    waits = follow_ups(clock)
    _watch_for_follow_ups(consumer, waits)
    waits.fetched({FORM})
    fetcher._fetch_max_wait_ms = 30
    _set_paced_wait(consumer, 1000)  # the traffic says idle, but a follow-up is due
    assert fetcher._fetch_max_wait_ms == 30
    assert waits.paced_wait_ms == 1000
    clock.now += 1
    _set_paced_wait(consumer, 1000)
    assert fetcher._fetch_max_wait_ms == 1000


def test_dependents_and_the_timeline_expect_follow_ups_after_a_form() -> None:
    expecting = {s.group_id: s.follow_ups_after for s in TOPOLOGY.subscriptions}
    for department in TOPOLOGY.departments:
        wanted = form_topics(department.name) if department.waits_for else ()
        assert expecting[f"department.{department.name}"] == wanted
    assert submitted_topic(NOTIFIER) in expecting["notifier.timeline"]
    # Groups off the critical path never poll briskly.
    assert expecting["notifier.audit"] == ()
    assert expecting["registration.status"] == ()
