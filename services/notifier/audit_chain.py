"""The audit log's chain: pure functions, so the writer and the verifier share one definition.

Each record holds `body` (what happened, JSON types only, no personal data), its place in the
log (`seq`, from 1, no gaps) and in its registration's own chain (`reg_seq`), and two links: the
hash of the record before it in the log (`prev`) and of the registration's previous record
(`reg_prev`). Its `hash` is SHA-256 over all of that in canonical JSON. Editing a record breaks
its hash; recomputing that hash breaks the next record's link; rewriting everything after it
contradicts the next signed checkpoint (Ed25519 over `seq` and `hash` of the head it names).
Deleting a record leaves a gap in `seq`; deleting the newest ones leaves a checkpoint naming
a record that is gone. Only the records after the last checkpoint can be rewritten unseen, so
checkpoints are frequent (AUDIT_CHECKPOINT_EVERY records, or every AUDIT_CHECKPOINT_SECONDS).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

GENESIS = "0" * 64
Record = dict[str, Any]


def canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_hash(record: Record) -> str:
    hashed = {k: record.get(k) for k in ("seq", "prev", "reg_seq", "reg_prev", "body")}
    return hashlib.sha256(canonical(hashed)).hexdigest()


@dataclass(frozen=True)
class Head:
    seq: int = 0
    hash: str = GENESIS


def chain(
    head: Head, registration_heads: dict[str, tuple[int, str]], bodies: Sequence[Record]
) -> list[Record]:
    """The records that append `bodies` after `head`; `registration_heads` is updated."""
    records = []
    for body in bodies:
        registration = str(body.get("registration_id") or "")
        reg_seq, reg_prev = registration_heads.get(registration, (0, GENESIS))
        record: Record = {
            "seq": head.seq + 1,
            "prev": head.hash,
            "reg_seq": reg_seq + 1,
            "reg_prev": reg_prev,
            "body": body,
        }
        record["hash"] = record_hash(record)
        records.append(record)
        head = Head(record["seq"], record["hash"])
        registration_heads[registration] = (record["reg_seq"], record["hash"])
    return records


def checkpoint_message(seq: int, digest: str) -> bytes:
    return canonical({"seq": seq, "hash": digest})


def sign_checkpoint(key: Ed25519PrivateKey, seq: int, digest: str, signed_at: str) -> Record:
    public = key.public_key().public_bytes_raw()
    return {
        "_id": seq,
        "seq": seq,
        "hash": digest,
        "signed_at": signed_at,
        "public_key": base64.b64encode(public).decode(),
        "signature": base64.b64encode(key.sign(checkpoint_message(seq, digest))).decode(),
    }


@dataclass(frozen=True)
class Verdict:
    records: int
    checkpoints: int
    broken: str | None = None  # the first broken link, said for a person to read
    broken_seq: int | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify(
    records: Iterable[Record], checkpoints: Iterable[Record], public_key: Ed25519PublicKey
) -> Verdict:
    """Walk the log in `seq` order; the first broken link ends the walk."""
    signed: dict[int, str] = {}
    for checkpoint in checkpoints:
        try:
            public_key.verify(
                base64.b64decode(checkpoint["signature"]),
                checkpoint_message(checkpoint["seq"], checkpoint["hash"]),
            )
        except (InvalidSignature, ValueError, KeyError, TypeError):
            seq = checkpoint.get("seq")
            return Verdict(0, 0, f"checkpoint at record {seq}: its signature is not valid", seq)
        signed[checkpoint["seq"]] = checkpoint["hash"]
    head = Head()
    registration_heads: dict[str, tuple[int, str]] = {}
    count = 0
    for record in records:
        count += 1
        broken = _break_in(record, head, registration_heads, signed)
        if broken is not None:
            return Verdict(count, len(signed), broken[1], broken[0])
        registration = _registration(record)
        head = Head(record["seq"], record["hash"])
        registration_heads[registration] = (record["reg_seq"], record["hash"])
    beyond = [s for s in signed if s > head.seq]
    if beyond:
        why = f"records {head.seq + 1} to {max(beyond)} are missing (a checkpoint names them)"
        return Verdict(count, len(signed), why, head.seq + 1)
    return Verdict(count, len(signed))


def _registration(record: Record) -> str:
    return str((record.get("body") or {}).get("registration_id") or "")


def _break_in(
    record: Record,
    head: Head,
    registration_heads: dict[str, tuple[int, str]],
    signed: dict[int, str],
) -> tuple[int, str] | None:
    """(seq, why) for the first check `record` fails after `head`; None if it holds."""
    seq = record.get("seq")
    if seq != head.seq + 1:
        return head.seq + 1, f"record {head.seq + 1} is missing (next is {seq})"
    problem = None
    registration = _registration(record)
    reg_seq, reg_prev = registration_heads.get(registration, (0, GENESIS))
    if record.get("prev") != head.hash:
        problem = f"record {seq}: its link to record {head.seq} is broken"
    elif record_hash(record) != record.get("hash"):
        problem = f"record {seq}: its content does not match its hash"
    elif (record.get("reg_seq"), record.get("reg_prev")) != (reg_seq + 1, reg_prev):
        problem = f"record {seq}: its link within registration {registration} is broken"
    elif seq in signed and signed[seq] != record["hash"]:
        problem = f"record {seq}: differs from the signed checkpoint"
    return (seq, problem) if problem else None
