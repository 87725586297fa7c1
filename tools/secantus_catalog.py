"""Keep SecantusDB's catalogue in memory for the embedded database, as MongoDB does.

SecantusDB 0.7.0b3 reads a collection's index catalogue, its options and the database's
profiler settings from WiredTiger for every statement, each read a cursor walk with
pure-Python key unpacking and a BSON decode. A py-spy profile of the database at 10
registrations/s put 29% of its CPU in `Storage._iter_indexes` alone, under the storage lock
that every statement waits for (docs/benchmark.md, fifteenth round). MongoDB keeps its
catalogue in memory; this does the same for the local stand-in, and nothing else.

Correctness rules, since a stale catalogue would skip an index's entries on write:
- A cached entry is the stored row; each use gets fresh copies (an index's key and options
  anew, nested lists and documents deep-copied), so callers may change what they get. Index
  rows are kept decoded: decoding every index's row for every statement was 5% of the
  database's CPU at 10 registrations/s (py-spy, seventeenth round).
- Any write to a catalogue table (through a storage cursor) empties the cache and marks the
  writing thread; a marked thread reads the tables itself, seeing its own uncommitted change.
- When the command a marked thread was running ends (committed or not), the cache is emptied
  again, so what others cached while that change was in flight is dropped.
- A fill reads through a session of its own (the committed state), and is kept only if no
  catalogue write happened while it read.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any

import bson
from secantus import server, storage

CATALOGUE_TABLES = frozenset(
    {storage._IDX_TABLE, storage._COLL_TABLE, storage._PROFILE_TABLE}  # noqa: SLF001
)
CURSOR_WRITES = ("insert", "update", "remove", "modify", "reserve")
ABSENT = object()  # "not from the cache": the caller reads the table itself


class Catalogue:
    """What each (table, key) held when last read, valid until the next catalogue write."""

    def __init__(self) -> None:
        self.generation = 0
        self.rows: dict[tuple[str, tuple[str, ...]], Any] = {}
        self.writers: set[int] = set()  # threads whose command changed the catalogue
        self.lock = threading.Lock()
        self.store: Any = None  # the storage, known from its first catalogue read

    def changed(self) -> None:
        with self.lock:
            self.generation += 1
            self.rows.clear()
            self.writers.add(threading.get_ident())

    def command_ended(self) -> None:
        if threading.get_ident() not in self.writers:
            return
        if getattr(getattr(self.store, "_tls", None), "user_txn", None) is not None:
            return  # its change is not committed before the transaction is
        with self.lock:
            self.writers.discard(threading.get_ident())
            self.generation += 1
            self.rows.clear()

    def read(self, store: Any, table: str, key: tuple[str, ...], fill: Callable[[Any], Any]) -> Any:  # noqa: ANN401
        """The cached rows for `key`, or `fill(cursor)` on a session of its own."""
        self.store = store
        if threading.get_ident() in self.writers:
            return ABSENT  # the caller reads through its own session
        found = self.rows.get((table, key), ABSENT)
        if found is not ABSENT:
            return found
        generation = self.generation
        with store._lock:  # noqa: SLF001 - a session is used by one thread at a time
            session = store._conn.open_session()  # noqa: SLF001
            try:
                value = fill(session.open_cursor(table, None))
            finally:
                session.close()
        with self.lock:
            if self.generation == generation:
                self.rows[(table, key)] = value
        return value


class WatchedCursor:
    """A storage cursor on a catalogue table that reports every write."""

    def __init__(self, cursor: Any, catalogue: Catalogue) -> None:  # noqa: ANN401
        self._cursor = cursor
        self._catalogue = catalogue

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401
        attribute = getattr(self._cursor, name)
        if name in CURSOR_WRITES:
            self._catalogue.changed()
        return attribute

    def __setitem__(self, key: Any, value: Any) -> None:  # noqa: ANN401
        self._catalogue.changed()
        self._cursor[key] = value

    def __delitem__(self, key: Any) -> None:  # noqa: ANN401
        self._catalogue.changed()
        del self._cursor[key]

    def __getitem__(self, key: Any) -> Any:  # noqa: ANN401
        return self._cursor[key]


# (name, key, options, whether an option is a list or a document: a partial filter, weights)
IndexRow = tuple[str, dict[str, Any], dict[str, Any], bool]


def _index_rows(db: str, coll: str) -> Callable[[Any], tuple[IndexRow, ...]]:
    def fill(cursor: Any) -> tuple[IndexRow, ...]:  # noqa: ANN401
        rows: list[IndexRow] = []
        cursor.set_key(db, coll, "")
        found = cursor.search_near()
        if found == storage.wt.WT_NOTFOUND or (found < 0 and cursor.next() != 0):
            return ()
        while True:
            stored_db, stored_coll, name = cursor.get_key()
            if (stored_db, stored_coll) != (db, coll):
                return tuple(rows)
            payload = bson.decode(bytes(cursor.get_value()))
            options = payload.get("options", {})
            nested = any(isinstance(v, dict | list) for v in options.values())
            rows.append((name, payload.get("key", {}), options, nested))
            if cursor.next() != 0:
                return tuple(rows)

    return fill


def _row(*key: str) -> Callable[[Any], bytes | None]:
    def fill(cursor: Any) -> bytes | None:  # noqa: ANN401
        cursor.set_key(*key)
        return bytes(cursor.get_value()) if cursor.search() == 0 else None

    return fill


def install() -> Catalogue:
    """Patch SecantusDB's storage and command dispatch in this process; call before serving."""
    catalogue = Catalogue()
    _watch_catalogue_writes(catalogue)
    _read_catalogue_from_memory(catalogue)
    original_dispatch = server.dispatch

    @functools.wraps(original_dispatch)
    def dispatch(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        try:
            return original_dispatch(*args, **kwargs)
        finally:
            catalogue.command_ended()

    server.dispatch = dispatch
    return catalogue


def _watch_catalogue_writes(catalogue: Catalogue) -> None:
    original_cursor = storage.Storage._cursor  # noqa: SLF001

    @functools.wraps(original_cursor)
    def cursor(self: Any, table: str, *, overwrite: bool = True) -> Any:  # noqa: ANN401
        opened = original_cursor(self, table, overwrite=overwrite)
        return WatchedCursor(opened, catalogue) if table in CATALOGUE_TABLES else opened

    storage.Storage._cursor = cursor  # noqa: SLF001


def _read_catalogue_from_memory(catalogue: Catalogue) -> None:
    store_class = storage.Storage
    original_iter_indexes = store_class._iter_indexes  # noqa: SLF001
    original_coll_options = store_class._coll_options  # noqa: SLF001
    original_get_profile = store_class.get_profile

    @functools.wraps(original_iter_indexes)
    def iter_indexes(self: Any, db: str, coll: str) -> Iterator[tuple[str, Any, Any]]:  # noqa: ANN401
        rows = catalogue.read(self, storage._IDX_TABLE, (db, coll), _index_rows(db, coll))  # noqa: SLF001
        if rows is ABSENT:
            yield from original_iter_indexes(self, db, coll)
            return
        for name, key, options, nested in rows:
            yield name, dict(key), copy.deepcopy(options) if nested else dict(options)

    @functools.wraps(original_coll_options)
    def coll_options(self: Any, db: str, coll: str) -> dict[str, Any] | None:  # noqa: ANN401
        raw = catalogue.read(self, storage._COLL_TABLE, (db, coll), _row(db, coll))  # noqa: SLF001
        if raw is ABSENT:
            return original_coll_options(self, db, coll)  # type: ignore[no-any-return]
        if raw is None:
            return None
        return bson.decode(raw) if raw else {}

    @functools.wraps(original_get_profile)
    def get_profile(self: Any, db: str) -> dict[str, Any]:  # noqa: ANN401
        raw = catalogue.read(self, storage._PROFILE_TABLE, (db,), _row(db))  # noqa: SLF001
        if raw is ABSENT or raw:
            return original_get_profile(self, db)  # type: ignore[no-any-return]
        return {"level": 0, "slowms": 100, "sampleRate": 1.0}  # none set: mongod's defaults

    store_class._iter_indexes = iter_indexes  # noqa: SLF001
    store_class._coll_options = coll_options  # noqa: SLF001
    store_class.get_profile = get_profile
