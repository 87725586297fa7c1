"""The audit chain: no false alarm on a clean log, and the first broken link after tampering."""

from __future__ import annotations

import copy

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.notifier.audit_chain import (
    Head,
    Record,
    Verdict,
    chain,
    record_hash,
    sign_checkpoint,
    verify,
)

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
CHECKPOINT_EVERY = 1_000

Log = tuple[list[Record], list[Record]]


def clean_log(count: int) -> Log:
    bodies = [
        {"kind": "department.decision", "registration_id": f"{n % 997:032x}", "n": n}
        for n in range(count)
    ]
    records = chain(Head(), {}, bodies)
    checkpoints = [
        sign_checkpoint(KEY, r["seq"], r["hash"], "2026-12-02T00:00:00Z")
        for r in records
        if r["seq"] % CHECKPOINT_EVERY == 0
    ]
    return records, checkpoints


@pytest.fixture(scope="module")
def log() -> Log:
    return clean_log(10_000)


def check(records: list[Record], checkpoints: list[Record]) -> Verdict:
    return verify(records, checkpoints, KEY.public_key())


def test_ten_thousand_clean_records_raise_no_alarm(log: Log) -> None:
    records, checkpoints = log
    verdict = check(records, checkpoints)
    assert verdict.intact, verdict.broken
    assert (verdict.records, verdict.checkpoints) == (10_000, 10)


def test_appending_in_several_writes_gives_the_same_chain_as_one(log: Log) -> None:
    records, _ = log
    heads: dict[str, tuple[int, str]] = {}
    first = chain(Head(), heads, [r["body"] for r in records[:4_000]])
    rest = chain(
        Head(first[-1]["seq"], first[-1]["hash"]), heads, [r["body"] for r in records[4_000:]]
    )
    assert first + rest == records


def test_an_edited_record_is_found(log: Log) -> None:
    records, checkpoints = copy.deepcopy(log)
    records[4_321]["body"]["n"] = -1
    verdict = check(records, checkpoints)
    assert verdict.broken_seq == 4_322
    assert verdict.broken is not None
    assert "content does not match its hash" in verdict.broken


def test_an_edited_record_with_its_hash_recomputed_breaks_the_next_link(log: Log) -> None:
    records, checkpoints = copy.deepcopy(log)
    records[4_321]["body"]["n"] = -1
    records[4_321]["hash"] = record_hash(records[4_321])
    verdict = check(records, checkpoints)
    assert verdict.broken_seq == 4_323
    assert verdict.broken is not None
    assert "link to record 4322" in verdict.broken


def test_a_chain_rewritten_after_an_edit_contradicts_the_next_checkpoint(log: Log) -> None:
    records, checkpoints = copy.deepcopy(log)
    bodies = [r["body"] for r in records[4_321:]]
    bodies[0]["n"] = -1
    heads: dict[str, tuple[int, str]] = {}
    for r in records[:4_321]:
        heads[r["body"]["registration_id"]] = (r["reg_seq"], r["hash"])
    forged = chain(Head(4_321, records[4_320]["hash"]), heads, bodies)
    verdict = check(records[:4_321] + forged, checkpoints)
    assert verdict.broken_seq == 5_000
    assert verdict.broken is not None
    assert "signed checkpoint" in verdict.broken


def test_a_deleted_record_is_found(log: Log) -> None:
    records, checkpoints = copy.deepcopy(log)
    del records[777]
    verdict = check(records, checkpoints)
    assert verdict.broken_seq == 778
    assert verdict.broken is not None
    assert "missing" in verdict.broken


def test_the_newest_records_deleted_are_found_by_the_checkpoint(log: Log) -> None:
    records, checkpoints = copy.deepcopy(log)
    verdict = check(records[:9_500], checkpoints)
    assert verdict.broken_seq == 9_501
    assert verdict.broken is not None
    assert "missing" in verdict.broken


def test_two_records_swapped_are_found(log: Log) -> None:
    records, checkpoints = copy.deepcopy(log)
    a, b = records[2_000], records[2_001]
    a["seq"], b["seq"] = b["seq"], a["seq"]
    records[2_000], records[2_001] = b, a
    verdict = check(records, checkpoints)
    assert verdict.broken_seq == 2_001


def test_a_forged_checkpoint_is_found(log: Log) -> None:
    records, checkpoints = copy.deepcopy(log)
    checkpoints[3]["hash"] = "f" * 64
    verdict = check(records, checkpoints)
    assert not verdict.intact
    assert verdict.broken is not None
    assert "signature" in verdict.broken
