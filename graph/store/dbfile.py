"""The SQLite files of a release (graph.store.fulltext's index, graph.store.listings' tables): made in memory and
written as bytes, then opened read-only, and only beside the dump they were made from (its size, recorded in their
`meta` table)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

#: The key of a file's `meta` table that records the size of the release's cckg.nq it was made from.
DUMP_BYTES = "cckg.nq bytes"


def serialized(connection: sqlite3.Connection) -> bytes:
    """The bytes of an in-memory database as a file, VACUUMed (the same content gives the same bytes); closes it."""
    try:
        connection.execute("VACUUM")
        return connection.serialize()
    finally:
        connection.close()


def open_readonly(path: Path) -> sqlite3.Connection:
    """`path` opened read-only and immutable (a release's file is never written again), usable from any thread."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False)


def open_beside(nquads: Path, filename: str, fmt: str) -> sqlite3.Connection | None:
    """The release's file `filename` beside its dump `nquads` (a cckg.nq), opened read-only, if its `meta` table
    gives the format `fmt` and the dump's size (it was made from that dump); else None."""
    beside = nquads.with_name(filename)
    if nquads.name != "cckg.nq" or not (beside.is_file() and nquads.is_file()):
        return None
    connection = None
    try:
        connection = open_readonly(beside)
        meta = dict(connection.execute("SELECT key, value FROM meta"))
    except sqlite3.Error:
        meta = {}
    if meta.get("format") == fmt and meta.get(DUMP_BYTES) == str(nquads.stat().st_size):
        return connection
    if connection is not None:
        connection.close()
    return None
