"""The build's graph as an Oxigraph on-disk store that opens in milliseconds, for the command line's queries.

Reading `dist/cckg.nq` into memory takes most of a cold `query` (and grows with the graph); an on-disk store
(RocksDB) opened read-only takes a few milliseconds whatever its size. The store is a cache of one release: it
is kept outside the release, in `$XDG_CACHE_HOME/cckg/stores/<sha256 of cckg.nq>/` (`~/.cache/…` by default),
named by the digest `dist/manifest.json` records for cckg.nq. So the release's files and `release.sha256` stay as
the build wrote them, a new release gets a new store, and two checkouts of the same release share one.

Safe as a cache: a store is loaded into a fresh temporary folder beside the others and renamed into place whole
(a rename is atomic), with a `complete` stamp written last; a process that loses the race to rename drops its copy
and opens the winner's; readers only ever open complete stores, read-only. Stores unused for STALE_DAYS days and
temporary folders left by a killed process are removed when a new store is made. Anything that goes wrong (no
cache folder, a full disk, a damaged store) falls back to reading the N-Quads into memory (the caller's job).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

#: A store nobody opened for this many days is removed when another store is made.
STALE_DAYS = 14
#: A temporary folder older than this (seconds) was left by a process that died while loading.
ABANDONED_AFTER = 3600
_STAMP = "complete"


def cache_root() -> Path:
    """Where the stores are kept: $XDG_CACHE_HOME/cckg/stores (default ~/.cache/cckg/stores)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cckg" / "stores"


def release_digest(dist: Path) -> str | None:
    """The SHA-256 of dist/cckg.nq as the release's manifest records it, or None (no manifest, or no entry)."""
    try:
        manifest = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
        digest = manifest["files"]["cckg.nq"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return digest if isinstance(digest, str) and len(digest) == 64 and digest.isalnum() else None


def open_release(nquads: Path, digest: str, *, root: Path | None = None) -> ox.Store | None:
    """The on-disk store of `nquads` (whose SHA-256 is `digest`), read-only: opened from the cache, or made
    there first; None if the cache cannot be used."""
    root = root or cache_root()
    final = root / digest
    store = _open(final, nquads)
    if store is not None:
        return store
    try:
        root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{digest[:12]}-", dir=root))
    except OSError:
        return None
    try:
        quads = _load(scratch, nquads)
        (scratch / _STAMP).write_text(json.dumps({"digest": digest, "quads": quads,
                                                  "size": nquads.stat().st_size}) + "\n", encoding="utf-8")
        try:
            os.rename(scratch, final)
        except OSError:  # another process put its store there first: use that one
            shutil.rmtree(scratch, ignore_errors=True)
    except (OSError, SyntaxError):
        shutil.rmtree(scratch, ignore_errors=True)
        return None
    _remove_stale(root, keep=digest)
    return _open(final, nquads)


def _load(folder: Path, nquads: Path) -> int:
    """Bulk-load the N-Quads into a new store in `folder`, with the union of the named graphs as the default graph
    (each triple once, as engines.OxigraphStore.from_file does); closed on return."""
    store = ox.Store(str(folder))
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    named = (q for q in store.quads_for_pattern(None, None, None, None) if not isinstance(q.graph_name, ox.DefaultGraph))
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in named)
    store.flush()
    store.optimize()
    count = len(store)
    del store  # closes the database before the folder is renamed
    return count


def _open(folder: Path, nquads: Path) -> ox.Store | None:
    try:
        stamp = json.loads((folder / _STAMP).read_text(encoding="utf-8"))
        if stamp.get("size") != nquads.stat().st_size:  # not this file after all (edited by hand?)
            return None
        store = ox.Store.read_only(str(folder))
    except (OSError, ValueError, AttributeError):
        return None
    try:
        os.utime(folder)  # last used: what STALE_DAYS counts from
    except OSError:
        pass
    return store


def _remove_stale(root: Path, *, keep: str) -> None:
    now = time.time()
    try:
        entries = list(root.iterdir())
    except OSError:
        return
    for entry in entries:
        try:
            age = now - entry.stat().st_mtime
        except OSError:
            continue
        abandoned = entry.name.startswith(".") and age > ABANDONED_AFTER
        stale = not entry.name.startswith(".") and entry.name != keep and age > STALE_DAYS * 86400
        if abandoned or stale:
            shutil.rmtree(entry, ignore_errors=True)
