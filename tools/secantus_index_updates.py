"""On an update, rewrite only the index entries whose keys can have changed, as MongoDB does.

SecantusDB 0.7.0b3 updates a document by deleting every entry it has in every index of its
collection, then writing them all again from the new document, even when the update touched
no indexed field. A py-spy profile of the embedded database at 10 registrations/s put about a
fifth of its CPU there (`_delete_index_entries` and `_write_index_entries`), under the lock
every statement waits for; most updates here (a timeline's new entry, a case's decision, the
outbox cleared) change one or two of a collection's indexed fields. MongoDB compares the old
and new keys and leaves an index alone when they are equal; this does the same for the local
stand-in, and nothing else.

How, without copying SecantusDB's update code: inside its two update paths, an index-entry
deletion is held back until the write of the same record's new entries, which then deletes and
writes only the indexes where the two documents may differ. Anything held back and not
followed by that write is deleted in full when the update ends (and dropped when it fails:
its transaction is rolled back), so every other path behaves as before.

When an index "may differ" (conservative; equal BSON is the test, so 1, 1.0 and true differ):
- the index is not a plain ascending/descending one (text, geo, hashed, wildcard): always;
- otherwise when any top-level field named by its key or by its partial filter encodes
  differently, or is present in one document and absent in the other.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import bson
from secantus import storage

Index = tuple[str, dict[str, Any], bool, bool]  # (name, key spec, sparse, unique)
ABSENT = object()


class HeldDeletion:
    """One record's index-entry deletion, held until its new entries are written."""

    def __init__(self, args: tuple[Any, ...], recordid: int) -> None:
        self.args = args  # (db, coll, old document, indexes, partials)
        self.recordid = recordid


class UpdateScope(threading.local):
    depth = 0
    held: HeldDeletion | None = None


def top_fields(expression: Any) -> set[str] | None:  # noqa: ANN401 - a query document
    """The top-level fields a partial filter reads, or None when it cannot tell."""
    if not isinstance(expression, Mapping):
        return None
    fields: set[str] = set()
    for key, value in expression.items():
        if key in {"$and", "$or", "$nor"} and isinstance(value, list):
            for part in value:
                inner = top_fields(part)
                if inner is None:
                    return None
                fields |= inner
        elif key.startswith("$"):
            return None  # $expr, $where, $text …: anything may be read
        else:
            fields.add(key.split(".", 1)[0])
    return fields


def index_fields(index: Index, partial: Any) -> set[str] | None:  # noqa: ANN401
    """The top-level fields an index's entries derive from, or None for "any of them"."""
    _name, key_spec, _sparse, _unique = index
    if any(
        not isinstance(kind, int | float) or isinstance(kind, bool) for kind in key_spec.values()
    ):
        return None  # text, 2d, 2dsphere, hashed: keys are computed, not copied
    if any(path == "$**" or path.endswith(".$**") for path in key_spec):
        return None
    fields = {path.split(".", 1)[0] for path in key_spec}
    if partial is not None:
        read = top_fields(partial)
        if read is None:
            return None
        fields |= read
    return fields


def indexes_that_may_differ(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    indexes: Iterable[Index],
    partials: Mapping[str, Any] | None,
) -> list[Index]:
    encoded: dict[str, tuple[bytes | None, bytes | None]] = {}

    def differs(field: str) -> bool:
        if field not in encoded:
            encoded[field] = (_encode(old.get(field, ABSENT)), _encode(new.get(field, ABSENT)))
        before, after = encoded[field]
        return before != after

    changed = []
    for index in indexes:
        fields = index_fields(index, (partials or {}).get(index[0]))
        if fields is None or any(differs(field) for field in fields):
            changed.append(index)
    return changed


def _encode(value: Any) -> bytes | None:  # noqa: ANN401
    return None if value is ABSENT else bson.encode({"v": value})


def install() -> None:
    """Patch SecantusDB's storage in this process; call before serving."""
    scope = UpdateScope()
    store_class = storage.Storage
    original_delete = store_class._delete_index_entries  # noqa: SLF001
    original_write = store_class._write_index_entries  # noqa: SLF001

    def release(self: Any) -> None:  # noqa: ANN401
        held, scope.held = scope.held, None
        if held is not None:
            original_delete(self, *held.args, recordid=held.recordid)

    @functools.wraps(original_delete)
    def delete(self: Any, *args: Any, recordid: int) -> None:  # noqa: ANN401
        if scope.depth == 0:
            original_delete(self, *args, recordid=recordid)
            return
        release(self)  # one held at a time: the previous record's goes in full
        scope.held = HeldDeletion(args, recordid)

    @functools.wraps(original_write)
    def write(self: Any, *args: Any, recordid: int) -> None:  # noqa: ANN401
        held = scope.held
        if held is None or held.recordid != recordid or held.args[:2] != args[:2]:
            release(self)
            original_write(self, *args, recordid=recordid)
            return
        scope.held = None
        db, coll, old, indexes, partials = held.args
        new = args[2]
        if partials is None:
            partials = self._partial_filters(db, coll)
        changed = indexes_that_may_differ(old, new, indexes, partials)
        original_delete(self, db, coll, old, changed, partials, recordid=recordid)
        original_write(self, db, coll, new, changed, partials, recordid=recordid)

    store_class._delete_index_entries = delete  # noqa: SLF001
    store_class._write_index_entries = write  # noqa: SLF001
    for name in ("_update_matching_single_txn", "_update_chunk"):
        setattr(store_class, name, _scoped(getattr(store_class, name), scope, release))


def _scoped(
    update: Callable[..., Any], scope: UpdateScope, release: Callable[[Any], None]
) -> Callable[..., Any]:
    @functools.wraps(update)
    def scoped(self: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        scope.depth += 1
        try:
            result = update(self, *args, **kwargs)
        except BaseException:
            # The update's transaction is rolled back, the deletion it held with it.
            scope.held = None
            raise
        finally:
            scope.depth -= 1
        # Each deletion is followed by its record's write, so nothing is held here; were it,
        # it goes in full, as SecantusDB would have done.
        release(self)
        return result

    return scoped
