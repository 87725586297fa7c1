import hashlib
import json

import pytest
from aiokafka.errors import KafkaConnectionError
from pymongo.errors import AutoReconnect

from contracts.dead_letter import REDRIVE_ATTEMPTS_HEADER, REDRIVE_GROUP_HEADER, redrive_message
from service_runtime.delivery import BatchConsumer, RawRecord, RetryPolicy, build_dead_letter


class RecordingDeadLetters:
    def __init__(self):
        self.letters = []

    async def __call__(self, topic, key, letter):
        self.letters.append((topic, key, letter))


def record(offset, value, headers=()):
    return RawRecord(
        topic="t.v1", partition=0, offset=offset, key=b"k", value=value, headers=headers
    )


def decode(raw: bytes) -> dict:
    data = json.loads(raw)
    if "n" not in data:
        raise ValueError("missing n")
    return data


def consumer(handle, dead_letters, attempts=3):
    return BatchConsumer("g", decode, handle, dead_letters, RetryPolicy(attempts, 0.0))


async def test_undecodable_bytes_go_to_the_dead_letter_topic_and_the_rest_is_handled():
    handled, dead = [], RecordingDeadLetters()

    async def handle(batch):
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


async def test_a_message_that_keeps_failing_is_isolated_and_dead_lettered_after_bounded_retries():
    calls, handled, dead = [], [], RecordingDeadLetters()

    async def handle(batch):
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


async def test_a_transient_failure_is_retried_without_dead_lettering():
    attempts, dead = [], RecordingDeadLetters()

    async def handle(batch):
        attempts.append(1)
        if len(attempts) < 2:
            raise ConnectionError("database hiccup")

    await consumer(handle, dead).consume([record(0, b'{"n":1}')])
    assert len(attempts) == 2
    assert dead.letters == []


async def test_when_dead_lettering_fails_the_error_propagates_so_the_batch_is_not_acknowledged():
    async def handle(batch):
        pass

    async def broken_dead_letters(topic, key, letter):
        raise ConnectionError("broker down")

    with pytest.raises(ConnectionError):
        await consumer(handle, broken_dead_letters).consume([record(0, b"not json")])


async def always_failing(batch):
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
    headers, expected
):
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
    headers, expected
):
    dead = RecordingDeadLetters()
    await consumer(always_failing, dead).consume([record(0, b'{"n":1}', headers)])
    [(_, _, letter)] = dead.letters
    assert letter.attempts == expected


async def test_a_re_driven_letter_that_fails_again_comes_back_with_more_attempts():
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


def test_a_letter_without_a_key_is_re_driven_without_one():
    letter = build_dead_letter(
        RawRecord("t.v1", 0, 0, None, b"{}"), "g", ValueError("bad"), attempts=1
    )
    assert redrive_message(letter).key is None


async def test_a_record_re_driven_for_another_group_is_skipped_by_this_one():
    handled = []

    async def handle(batch):
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
async def test_an_outage_rewinds_the_batch_and_dead_letters_nothing(outage):
    dead, calls = RecordingDeadLetters(), []

    async def handle(batch):
        calls.append(len(batch))
        raise outage

    batch = [record(1, b'{"n": 1}'), record(2, b'{"n": 2}')]
    with pytest.raises(type(outage)):
        await consumer(handle, dead).consume(batch)
    assert dead.letters == []
    assert calls == [2, 2, 2]  # the whole batch retried, never split up and given up on
