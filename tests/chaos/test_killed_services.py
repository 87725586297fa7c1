"""Chaos: `kill -9` each service in turn, and two at once, under a steady load of registrations;
the database stopped for a minute while a burst of registrations is in flight; and a department
scaled from 1 to 3 instances and back to 1 while the load runs.

Each scenario submits at a fixed rate for a while, kills its victims partway (SIGKILL: no
graceful shutdown, no final commit or publish), starts them again, and then requires that
every registration accepted completes, that no timeline holds an entry twice, that every
consumer group's lag returns to 0, and that no message was dead-lettered. Clients retry a
submission that failed to connect (or got 503) with the same Idempotency-Key, as real clients
should, so a registration service killed mid-request cannot make one form into two.
"""

import asyncio
import copy
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import httpx
import pytest
from pymongo import AsyncMongoClient

from contracts.topology import TOPOLOGY
from service_runtime.lag import LagReader
from service_runtime.mongo import Document
from service_runtime.settings import Settings
from tests.conftest import ChannelSinks, LiveStack, live_stack_in, with_unique_name

pytestmark = pytest.mark.chaos

RATE = 3.0  # registrations per second, for LOAD_SECONDS
LOAD_SECONDS = 8.0
KILL_AT, RESTART_AT = 2.0, 4.0  # seconds into the load
COMPLETION_TIMEOUT = 120.0
LAG_TIMEOUT = 60.0
# Longer than the delivery policy's retries take to give up on a message (4 attempts, each
# waiting out the driver's 5 s server selection, for the batch and then for each message).
DATABASE_DOWN_SECONDS = 60.0
BURST_RATE = 50.0  # the 24 registrations at once: most are still on the bus when it stops
DATABASE_STOP_AT = 0.8
SCENARIOS = [
    *[(name,) for name in ("registration", "notifier", "tax", "police", "credit")],
    *[(name,) for name in ("social_security", "commerce", "bank")],
    ("tax", "notifier"),
    ("registration", "police"),
]
# The department run as 1, then 3, then 1 instances: tax waits for the market, so both of its
# shared topics (its form, the market's decision) are split between the instances.
SCALED = "tax"
SCALE_OUT_AT = 2.0  # seconds into the load
# The extra instances serve this long once they are up: starting a process takes from 2 s to
# over 20 s on a busy 2-core machine, so the window counts from their health, not the clock.
SCALED_WINDOW, TAIL_SECONDS = 10.0, 3.0
SCALED_LOAD_CAP = 120.0  # the load's bound if the instances never come up


@pytest.fixture(scope="module")
def chaos_stack(
    tmp_path_factory: pytest.TempPathFactory, channel_sinks: ChannelSinks
) -> Iterator[LiveStack]:
    """A stack of its own: these tests kill its services, the others share theirs."""
    with live_stack_in(tmp_path_factory.mktemp("chaos"), channel_sinks) as stack:
        yield stack


async def submit_until_accepted(
    client: httpx.AsyncClient, stack: LiveStack, form: dict[str, Any]
) -> tuple[str, str]:
    key = uuid4().hex
    for _ in range(240):  # 60 s of retries at most
        try:
            response = await client.post(
                f"{stack.registration_url}/api/v1/registrations",
                json=form,
                headers={"Idempotency-Key": key},
            )
        except httpx.TransportError:
            await asyncio.sleep(0.25)
            continue
        if response.status_code == 503:
            await asyncio.sleep(0.25)
            continue
        assert response.status_code == 202, response.text
        body = response.json()
        return body["registration_id"], body["access_token"]
    pytest.fail("the registration service did not come back within 60 s")


async def load(
    client: httpx.AsyncClient,
    stack: LiveStack,
    form: dict[str, Any],
    rate: float = RATE,
    seconds: float = LOAD_SECONDS,
    until: asyncio.Event | None = None,
) -> list[tuple[str, str]]:
    """Submit at `rate` for `seconds`' worth at RATE, or until `until` is set (open load:
    answers do not slow it)."""
    tasks = []
    for i in range(int(RATE * seconds)):
        if until is not None and until.is_set():
            break
        own = with_unique_name(copy.deepcopy(form))  # it renames in place
        tasks.append(asyncio.create_task(submit_until_accepted(client, stack, own)))
        await asyncio.sleep(1 / rate if i else 0)
    return list(await asyncio.gather(*tasks))


async def timeline(
    client: httpx.AsyncClient, stack: LiveStack, rid: str, token: str
) -> dict[str, Any]:
    deadline = time.monotonic() + COMPLETION_TIMEOUT
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            response = await client.get(
                f"{stack.notifier_url}/api/v1/registrations/{rid}/timeline",
                headers={"Authorization": f"Bearer {token}"},
            )
        except httpx.TransportError:
            response = None
        if response is not None and response.status_code == 200:
            body = response.json()
            if body["overall_status"] == "completed":
                return body
        await asyncio.sleep(0.3)
    pytest.fail(f"{rid} stayed {body.get('overall_status')} for {COMPLETION_TIMEOUT}s: {body}")


async def lag_drains(stack: LiveStack) -> float:
    """Seconds until every group's lag is 0 (the background groups included)."""
    reader = LagReader(Settings(KAFKA_BOOTSTRAP_SERVERS=stack.kafka))
    subscriptions = [(s.group_id, s.topics) for s in TOPOLOGY.subscriptions]
    started = time.monotonic()
    await reader.start()
    try:
        while time.monotonic() - started < LAG_TIMEOUT:
            behind = {(g.group, g.topic): g.lag for g in await reader.read(subscriptions) if g.lag}
            if not behind:
                return time.monotonic() - started
            await asyncio.sleep(0.5)
    finally:
        await reader.stop()
    pytest.fail(f"lag did not drain within {LAG_TIMEOUT}s: {behind}")


async def dead_letters(stack: LiveStack) -> int:
    client: AsyncMongoClient[Document] = AsyncMongoClient(stack.mongodb_uri)
    try:
        return await client[f"{stack.database_prefix}notifier"]["dead_letters"].count_documents({})
    finally:
        await client.close()


@pytest.mark.parametrize("victims", SCENARIOS, ids="+".join)
async def test_every_registration_completes_once_when_services_are_killed(
    chaos_stack: LiveStack,
    sample_form: dict[str, Any],
    victims: tuple[str, ...],
    capsys: pytest.CaptureFixture[str],
) -> None:
    letters_before = await dead_letters(chaos_stack)

    async def kill_and_restart() -> float:
        await asyncio.sleep(KILL_AT)
        for victim in victims:
            chaos_stack.kill(victim)
        await asyncio.sleep(RESTART_AT - KILL_AT)
        restarted = time.monotonic()
        for victim in victims:  # start_service blocks until healthy: off the event loop
            await asyncio.to_thread(chaos_stack.restart, victim)
        return restarted

    async with httpx.AsyncClient(timeout=30) as client:
        chaos = asyncio.create_task(kill_and_restart())
        accepted = await load(client, chaos_stack, sample_form)
        restarted = await chaos
        timelines = await asyncio.gather(*(timeline(client, chaos_stack, *a) for a in accepted))
    recovered = time.monotonic() - restarted
    drained = await lag_drains(chaos_stack)

    await assert_each_completed_once(chaos_stack, accepted, timelines, letters_before)
    with capsys.disabled():  # the figures, in the suite's output
        print(  # noqa: T201
            f"\nchaos {'+'.join(victims)}: {len(accepted)} registrations at {RATE}/s, killed at "
            f"{KILL_AT}s, restarted at {RESTART_AT}s; all completed {recovered:.1f}s after the restart "
            f"began; every group's lag 0 {drained:.1f}s later; 0 lost, 0 duplicated entries"
        )


async def assert_each_completed_once(
    stack: LiveStack,
    accepted: list[tuple[str, str]],
    timelines: list[dict[str, Any]],
    letters_before: int,
) -> None:
    assert len({rid for rid, _ in accepted}) == len(accepted)
    for body in timelines:
        ids = Counter(entry["event_id"] for entry in body["entries"])
        assert max(ids.values()) == 1, body["entries"]
        decisions = Counter(
            (e["department"], e.get("round"), e.get("sequence"), e["status"])
            for e in body["entries"]
        )
        assert max(decisions.values()) == 1, body["entries"]
    assert await dead_letters(stack) == letters_before


async def test_every_registration_completes_once_when_the_database_stops_for_a_minute(
    chaos_stack: LiveStack, sample_form: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """A burst, then SIGTERM to the database while its messages are in flight; a minute later
    the database starts again on the same data. Nothing may be dead-lettered for the outage."""
    letters_before = await dead_letters(chaos_stack)

    async def stop_and_start() -> float:
        await asyncio.sleep(DATABASE_STOP_AT)
        chaos_stack.stop("mongodb")
        await asyncio.sleep(DATABASE_DOWN_SECONDS)
        restarted = time.monotonic()
        chaos_stack.stack.respawn("mongodb")
        return restarted

    async with httpx.AsyncClient(timeout=30) as client:
        outage = asyncio.create_task(stop_and_start())
        accepted = await load(client, chaos_stack, sample_form, BURST_RATE)
        restarted = await outage
        timelines = await asyncio.gather(*(timeline(client, chaos_stack, *a) for a in accepted))
    recovered = time.monotonic() - restarted
    drained = await lag_drains(chaos_stack)
    await assert_each_completed_once(chaos_stack, accepted, timelines, letters_before)
    with capsys.disabled():
        print(  # noqa: T201
            f"\nchaos database: {len(accepted)} registrations at once, stopped {DATABASE_STOP_AT}s in "
            f"for {DATABASE_DOWN_SECONDS}s; all completed {recovered:.1f}s after it came back; "
            f"every group's lag 0 {drained:.1f}s later; 0 lost, 0 duplicated entries"
        )


async def test_every_registration_completes_once_when_a_department_scales_out_and_back_in(
    chaos_stack: LiveStack, sample_form: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """Two more instances join the department's consumer groups partway through the load and
    leave (SIGTERM) before it ends: each rebalance hands partitions over mid-stream."""
    letters_before = await dead_letters(chaos_stack)
    extras = [f"{SCALED}-{n}" for n in (2, 3)]

    scaled_in = asyncio.Event()

    async def scale_out_and_in() -> None:
        try:
            await asyncio.sleep(SCALE_OUT_AT)
            await asyncio.gather(
                *(asyncio.to_thread(chaos_stack.start_instance, SCALED, name) for name in extras)
            )
            await asyncio.sleep(SCALED_WINDOW)
            for name in extras:
                await asyncio.to_thread(chaos_stack.stop, name)
            await asyncio.sleep(TAIL_SECONDS)  # the load goes on across the scale-in's rebalance
        finally:
            scaled_in.set()  # a failed start ends the load too, and `await scaling` raises it

    async with httpx.AsyncClient(timeout=30) as client:
        scaling = asyncio.create_task(scale_out_and_in())
        accepted = await load(
            client, chaos_stack, sample_form, seconds=SCALED_LOAD_CAP, until=scaled_in
        )
        await scaling
        timelines = await asyncio.gather(*(timeline(client, chaos_stack, *a) for a in accepted))
    drained = await lag_drains(chaos_stack)

    await assert_each_completed_once(chaos_stack, accepted, timelines, letters_before)
    # Each extra instance really took a share: it advanced cases of its own.
    handled = {name: chaos_stack.log_of(name).count("case_advanced") for name in extras}
    assert all(handled.values()), handled
    with capsys.disabled():
        print(  # noqa: T201
            f"\nchaos {SCALED} 1->3->1: {len(accepted)} registrations at {RATE}/s; instances "
            f"2 and 3 joined after {SCALE_OUT_AT}s, served {SCALED_WINDOW}s and advanced "
            f"{handled} cases; "
            f"every group's lag 0 {drained:.1f}s after the last completion; 0 lost, 0 duplicated"
        )
