"""The SQLite files of a release (graph.store.fulltext's index, graph.store.listings' tables): made in memory and
written as bytes, then opened read-only."""

from __future__ import annotations

import sqlite3
from pathlib import Path


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
