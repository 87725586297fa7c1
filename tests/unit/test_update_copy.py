"""The embedded database's updates still leave the stored document as it was (secantus_update_copy).

Its index maintenance compares the old document with the new one: an update that changed the
old one in place (a list or sub-document shared by a shallow copy) would leave stale index
entries behind.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from bson import Int64, ObjectId, Regex
from secantus import update

from service_runtime.aggregates import copy_document
from tools import secantus_update_copy


@pytest.fixture(autouse=True)
def patched(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(update, "copy", update.copy)  # restored after each test
    secantus_update_copy.install()


def stored() -> dict[str, Any]:
    return {
        "_id": "r-1",
        "rev": Int64(3),
        "entries": [{"seq": 1, "status": "submitted", "at": datetime(2026, 12, 5, tzinfo=UTC)}],
        "departments": {"tax": "waiting", "police": "approved"},
        "tags": ["a", "b"],
        "owner": ObjectId("0123456789abcdef01234567"),
        "pattern": Regex("^x", "i"),
    }


def test_an_update_changes_the_copy_and_never_the_stored_document() -> None:
    before = stored()
    new = update.apply_update(
        before,
        {
            "$push": {"entries": {"seq": 2, "status": "approved"}, "tags": "c"},
            "$set": {"departments.tax": "approved"},
            "$inc": {"rev": 1},
        },
    )
    assert before == stored()
    assert new["entries"] == [
        {"seq": 1, "status": "submitted", "at": datetime(2026, 12, 5, tzinfo=UTC)},
        {"seq": 2, "status": "approved"},
    ]
    assert new["departments"] == {"tax": "approved", "police": "approved"}
    assert new["tags"] == ["a", "b", "c"]
    assert new["rev"] == 4
    assert new["entries"] is not before["entries"]
    assert new["departments"] is not before["departments"]


def test_a_change_inside_a_list_element_leaves_the_stored_element_alone() -> None:
    before = stored()
    new = update.apply_update(before, {"$set": {"entries.0.status": "seen"}})
    assert before == stored()
    assert new["entries"][0]["status"] == "seen"


def test_a_pull_and_a_rename_leave_the_stored_lists_and_fields_alone() -> None:
    before = stored()
    new = update.apply_update(before, {"$pull": {"tags": "a"}, "$rename": {"owner": "holder"}})
    assert before == stored()
    assert new["tags"] == ["b"]
    assert new["holder"] == before["owner"]
    assert "owner" not in new


def test_the_copier_is_the_one_in_use() -> None:
    assert update.copy.deepcopy is copy_document
