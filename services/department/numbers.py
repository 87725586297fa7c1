"""Deterministic document numbers: the same registration always receives the same number."""

from __future__ import annotations

import hashlib


def derived_digits(seed: str, count: int) -> str:
    value = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    return str(value % 10**count).zfill(count)
