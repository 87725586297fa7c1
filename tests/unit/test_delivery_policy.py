import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError
from pymongo.errors import AutoReconnect

from contracts.dead_letter import (
    REDRIVE_ATTEMPTS_HEADER,
    REDRIVE_GROUP_HEADER,
    DeadLetter,
    redrive_message,
)
from service_runtime.delivery import (
    BatchConsumer,
    DeadLetterPublisher,
    Decoded,
    RawRecord,
    RetryPolicy,
    build_dead_letter,
)

Batch = Sequence[Decoded[dict[str, Any]]]


class RecordingDeadLetters:
    def __init__(self) -> None:
        self.letters: list[tuple[str, bytes | None, DeadLetter]] = []

    async def __call__(self, topic: str, key: bytes | None, letter: DeadLetter) -> None:
        self.letters.append((topic, key, letter))


def record(
    offset: int, value: bytes, headers: tuple[tuple[str, bytes | None], ...] = ()
) -> RawRecord:
    return RawRecord(
        topic="t.v1", partition=0, offset=offset, key=b"k", value=value, headers=headers
    )


def decode(raw: bytes) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(raw)
    if "n" not in data:
        raise ValueError("missing n")
    return data


def consumer(
    handle: Callable[[Batch], Awaitable[None]],
    dead_letters: DeadLetterPublisher,
    attempts: int = 3,
) -> BatchConsumer[dict[str, Any]]:
    return BatchConsumer("g", decode, handle, dead_letters, RetryPolicy(attempts, 0.0))


async def test_undecodable_bytes_go_to_the_dead_letter_topic_and_the_rest_is_handled() -> None:
    handled: list[int]
    handled, dead = [], RecordingDeadLetters()

    async def handle(batch: Batch) -> None:
        handled.extend(item.event["n"] for item in batch)

    await consumer(handle, dead).consume(
        [record(0, b'{"n":1}'), record(1, b"\xff{oops"), record(2, b'{"n":3}')]
    )
    assert handled == [1, 3]
    [(topic, key, letter)] = dead.letters
    assert topic == "t.v1.dlq"
    assert key == b"k"
    assert letter.offset == 1
    assert letter.attempts == 1
    assert letter.payload_sha256 == hashlib.sha256(b"\xff{oops").hexdigest()
    assert letter.consumer_group == "g"


async def test_a_message_that_keeps_failing_is_isolated_and_dead_lettered_after_bounded_retries() -> (
    None
):
    calls: list[int]
    handled: list[int]
    calls, handled, dead = [], [], RecordingDeadLetters()

    async def handle(batch: Batch) -> None:
        calls.append(len(batch))
        if any(item.event["n"] == 2 for item in batch):
            raise RuntimeError("cannot store n=2")
        handled.extend(item.event["n"] for item in batch)

    await consumer(handle, dead).consume(
        [record(i, json.dumps({"n": i}).encode()) for i in (1, 2, 3)]
    )
    assert handled == [1, 3]
    assert calls == [3, 3, 3, 1, 1, 1, 1, 1]  # 3 batch attempts, then each alone
    [(_, _, letter)] = dead.letters
    assert (letter.offset, letter.attempts, letter.error_type) == (2, 3, "RuntimeError")
    assert "cannot store" in letter.error


async def test_a_transient_failure_is_retried_without_dead_lettering() -> None:
    attempts: list[int]
    attempts, dead = [], RecordingDeadLetters()

    async def handle(batch: Batch) -> None:
        attempts.append(1)
        if len(attempts) < 2:
            raise ConnectionError("database hiccup")

    await consumer(handle, dead).consume([record(0, b'{"n":1}')])
    assert len(attempts) == 2
    assert dead.letters == []


async def test_when_dead_lettering_fails_the_error_propagates_so_the_batch_is_not_acknowledged() -> (
    None
):
    async def handle(batch: Batch) -> None:
        pass

    async def broken_dead_letters(topic: str, key: bytes | None, letter: DeadLetter) -> None:
        raise ConnectionError("broker down")

    with pytest.raises(ConnectionError):
        await consumer(handle, broken_dead_letters).consume([record(0, b"not json")])


async def always_failing(batch: Batch) -> None:
    raise RuntimeError("still broken")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ((), 1),
        (((REDRIVE_ATTEMPTS_HEADER, b"4"),), 5),
        (((REDRIVE_ATTEMPTS_HEADER, b"four"),), 1),
        (((REDRIVE_ATTEMPTS_HEADER, b"-4"),), 1),
        (((REDRIVE_ATTEMPTS_HEADER, b""),), 1),
        (((REDRIVE_ATTEMPTS_HEADER, None),), 1),
        (((REDRIVE_ATTEMPTS_HEADER, b"9" * 5000),), 1),
        (((REDRIVE_ATTEMPTS_HEADER, b"2"), (REDRIVE_ATTEMPTS_HEADER, b"6")), 7),
        ((("other", b"4"),), 1),
    ],
    ids=["absent", "4", "garbled", "negative", "empty", "null", "huge", "repeated", "other"],
)
async def test_an_undecodable_record_counts_the_attempts_spent_before_it_was_re_driven(
    headers: tuple[tuple[str, bytes | None], ...], expected: int
) -> None:
    dead = RecordingDeadLetters()
    await consumer(always_failing, dead).consume([record(0, b"not json", headers)])
    [(_, _, letter)] = dead.letters
    assert letter.attempts == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [((), 3), (((REDRIVE_ATTEMPTS_HEADER, b"4"),), 7), (((REDRIVE_ATTEMPTS_HEADER, b"x"),), 3)],
    ids=["absent", "4", "garbled"],
)
async def test_a_failing_record_counts_the_attempts_spent_before_it_was_re_driven(
    headers: tuple[tuple[str, bytes | None], ...], expected: int
) -> None:
    dead = RecordingDeadLetters()
    await consumer(always_failing, dead).consume([record(0, b'{"n":1}', headers)])
    [(_, _, letter)] = dead.letters
    assert letter.attempts == expected


async def test_a_re_driven_letter_that_fails_again_comes_back_with_more_attempts() -> None:
    dead = RecordingDeadLetters()
    original = record(7, '{"n":1,"名称":"甲"}'.encode())
    await consumer(always_failing, dead).consume([original])
    [(_, _, first)] = dead.letters

    topic, key, payload, headers = redrive_message(first)
    assert (topic, key, payload) == ("t.v1", b"k", original.value)
    assert headers == {REDRIVE_ATTEMPTS_HEADER: "3", REDRIVE_GROUP_HEADER: "g"}

    wire_headers = tuple((name, value.encode()) for name, value in headers.items())
    again = RawRecord(topic, 0, 8, key, payload, wire_headers)
    await consumer(always_failing, dead).consume([again])
    [_, (_, _, second)] = dead.letters
    assert (first.attempts, second.attempts) == (3, 6)
    assert second.payload_sha256 == first.payload_sha256


def test_a_letter_without_a_key_is_re_driven_without_one() -> None:
    letter = build_dead_letter(
        RawRecord("t.v1", 0, 0, None, b"{}"), "g", ValueError("bad"), attempts=1
    )
    assert redrive_message(letter).key is None


async def test_a_record_re_driven_for_another_group_is_skipped_by_this_one() -> None:
    handled: list[int] = []

    async def handle(batch: Batch) -> None:
        handled.extend(d.event["n"] for d in batch)

    dead = RecordingDeadLetters()
    other = record(1, b'{"n":1}', headers=((REDRIVE_GROUP_HEADER, b"someone-else"),))
    mine = record(2, b'{"n":2}', headers=((REDRIVE_GROUP_HEADER, b"g"),))
    plain = record(3, b'{"n":3}')
    await consumer(handle, dead).consume([other, mine, plain])
    assert handled == [2, 3]
    assert dead.letters == []


@pytest.mark.parametrize(
    "outage",
    [AutoReconnect("connection refused"), KafkaConnectionError("broker unreachable")],
    ids=["database", "broker"],
)
async def test_an_outage_rewinds_the_batch_and_dead_letters_nothing(outage: Exception) -> None:
    calls: list[int]
    dead, calls = RecordingDeadLetters(), []

    async def handle(batch: Batch) -> None:
        calls.append(len(batch))
        raise outage

    batch = [record(1, b'{"n": 1}'), record(2, b'{"n": 2}')]
    with pytest.raises(type(outage)):
        await consumer(handle, dead).consume(batch)
    assert dead.letters == []
    assert calls == [2, 2, 2]  # the whole batch retried, never split up and given up on
