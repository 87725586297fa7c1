import hashlib
import json

import pytest

from service_runtime.delivery import BatchConsumer, RawRecord, RetryPolicy


class RecordingDeadLetters:
    def __init__(self):
        self.letters = []

    async def __call__(self, topic, key, letter):
        self.letters.append((topic, key, letter))


def record(offset, value):
    return RawRecord(topic="t.v1", partition=0, offset=offset, key=b"k", value=value)


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
