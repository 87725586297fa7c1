"""A copied aggregate shares nothing that can change with the one it was copied from."""

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from bson import ObjectId

from service_runtime.aggregates import copy_document


def test_a_copy_equals_deepcopy_and_changes_apart_from_the_original() -> None:
    original: dict[str, Any] = {
        "_id": "r1",
        "entries": [{"status": "approved", "reasons": [{"rule": "a", "passed": True}]}],
        "departments": {"tax": {"round": 1, "at": datetime(2026, 12, 5, tzinfo=UTC)}},
        "positions": (1, [2, 3]),
        "scalars": [None, True, 1.5, b"x", Decimal("1.1"), uuid4(), ObjectId()],
        "odd": {"tags": {"a", "b"}, "raw": bytearray(b"ab")},  # mutable, not JSON-like
    }
    copied = copy_document(original)
    assert copied == copy.deepcopy(original)
    assert type(copied["positions"]) is tuple
    copied["entries"][0]["reasons"][0]["rule"] = "changed"
    copied["departments"]["tax"]["round"] = 2
    copied["positions"][1].append(4)
    copied["odd"]["tags"].add("c")
    copied["odd"]["raw"][0] = 0
    assert original["entries"][0]["reasons"][0]["rule"] == "a"
    assert original["departments"]["tax"]["round"] == 1
    assert original["positions"] == (1, [2, 3])
    assert original["odd"] == {"tags": {"a", "b"}, "raw": bytearray(b"ab")}
