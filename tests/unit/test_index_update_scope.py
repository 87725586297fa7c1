"""Which indexes an update can have changed: when unsure, all of them (secantus_index_updates)."""

from datetime import UTC, datetime

from tools.secantus_index_updates import Index, index_fields, indexes_that_may_differ, top_fields


def test_a_plain_index_derives_from_the_top_level_fields_of_its_keys_and_filter() -> None:
    index = ("due_1", {"credit.class": 1, "credit.at": -1, "due": 1}, False, False)
    assert index_fields(index, None) == {"credit", "due"}
    partial = {"$and": [{"status": "in_review"}, {"$or": [{"a.b": 1}, {"c": {"$gt": 2}}]}]}
    assert index_fields(index, partial) == {"credit", "due", "status", "a", "c"}


def test_computed_keys_and_opaque_filters_count_as_any_field() -> None:
    assert index_fields(("t", {"words": "text"}, False, False), None) is None
    assert index_fields(("g", {"where": "2dsphere"}, False, False), None) is None
    assert index_fields(("h", {"name": "hashed"}, False, False), None) is None
    assert index_fields(("w", {"$**": 1}, False, False), None) is None
    assert index_fields(("w", {"profile.$**": 1}, False, False), None) is None
    assert top_fields({"$expr": {"$gt": ["$a", "$b"]}}) is None
    assert index_fields(("p", {"a": 1}, False, False), {"$where": "true"}) is None


def test_only_the_indexes_whose_fields_encode_differently_are_rewritten() -> None:
    now = datetime(2026, 12, 5, tzinfo=UTC)
    indexes: list[Index] = [
        ("status_1", {"status": 1}, False, False),
        ("flag_1", {"flag": 1}, False, False),
        ("serial_1", {"serial": 1}, True, False),
        ("at_1", {"at": 1}, False, False),
        ("words_text", {"words": "text"}, False, False),
    ]
    old = {"_id": 1, "status": "open", "flag": 1, "serial": "S", "at": now, "notes": []}
    new = {"_id": 1, "status": "open", "flag": True, "at": now, "notes": ["n"]}
    changed = [name for name, *_ in indexes_that_may_differ(old, new, indexes, {})]
    assert changed == ["flag_1", "serial_1", "words_text"]  # 1 → true; serial gone; text always
