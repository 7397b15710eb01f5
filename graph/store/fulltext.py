"""The full-text index of the graph's quotes: every distinct `oa:exact` of a TextQuoteSelector in an SQLite FTS5
table (trigram tokens, so that any substring of three characters or more is found, as SPARQL's CONTAINS finds it).

The phrase search (queries/cq/statements-by-phrase.rq) tests `CONTAINS(LCASE(STR(?exact)), LCASE(STR(?phrase)))`
on every quote of the graph: 41,300 quotes at 1M triples, about a second on Oxigraph. On the embedded store the
`query` command asks this index first for the quotes that contain the phrase and binds them with a `VALUES ?exact`
block in front of the quote pattern; the query's own FILTER stays, so the answer is the plain query's, row for row
(tests/test_fulltext.py checks it). The index holds each quote lower-cased by Python's `str.lower` (the full
Unicode lower-case mapping, as SPARQL's LCASE) with case-sensitive trigrams, and every candidate is checked again
with `in`, so the index can only narrow the quotes the FILTER sees, never drop one it would keep. A phrase of fewer
than three characters (no trigram) runs the plain query.

The build writes the index into the release beside the dumps (`fulltext.sqlite`, graph.api.MAIN_WRITERS), from
the built graph's quotes, as the bytes of an SQLite database made in memory from the sorted quotes: the same
sources give the same bytes. Its `meta` table records the size of the release's `cckg.nq`; a store read from a
`cckg.nq` uses the index beside it only if that size matches, and a store built in memory (or read from another
dump) gets an index built in memory from its own quotes (about half a second at 1M triples).

Also on the embedded store only: the OPTIONAL groups at the top level of such a query are evaluated LATERAL
(graph.store.rewrite.lateral_optionals: once per row already found rather than once over the whole graph and then
joined; for an OPTIONAL whose shared variables are all bound by the patterns before it, as in the library's
phrase search, the answer is the same). The endpoint and rdflib run the query as written.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from rdflib import Literal

from graph.build import output
from graph.store import rewrite

FILENAME = "fulltext.sqlite"
FORMAT = "cckg-fulltext 1"
OA_EXACT = "http://www.w3.org/ns/oa#exact"
MIN_PHRASE = 3  # characters: a trigram index finds nothing shorter

_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE VIRTUAL TABLE quote USING fts5(folded, exact UNINDEXED, tokenize='trigram case_sensitive 1')",
)

#: FILTER (CONTAINS(LCASE(STR(?exact)), LCASE(STR(?phrase)))) — the phrase test the index can answer.
_PHRASE_FILTER = re.compile(
    r"FILTER\s*\(\s*CONTAINS\s*\(\s*LCASE\s*\(\s*STR\s*\(\s*\?(\w+)\s*\)\s*\)\s*,\s*"
    r"LCASE\s*\(\s*STR\s*\(\s*\?(\w+)\s*\)\s*\)\s*\)\s*\)", re.IGNORECASE)
_EXACT_PATTERN = r"\?\w+\s+(?:oa:exact|<http://www\.w3\.org/ns/oa#exact>)\s+\?{var}\s*\."


def fold(text: str) -> str:
    return text.lower()


def database(quotes: Iterable[str], *, dump_size: int | None = None) -> sqlite3.Connection:
    """An in-memory index of `quotes` (each distinct quote once, in sorted order)."""
    connection = sqlite3.connect(":memory:")
    for statement in _SCHEMA:
        connection.execute(statement)
    distinct = sorted(set(quotes))
    connection.executemany("INSERT INTO quote (folded, exact) VALUES (?, ?)", ((fold(q), q) for q in distinct))
    meta = {"format": FORMAT, "quotes": str(len(distinct))}
    if dump_size is not None:
        meta["cckg.nq bytes"] = str(dump_size)
    connection.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
    connection.execute("INSERT INTO quote (quote) VALUES ('optimize')")  # one b-tree segment: compact and fast
    connection.commit()
    return connection


def database_bytes(quotes: Iterable[str], *, dump_size: int | None = None) -> bytes:
    """The index as the bytes of an SQLite database file (VACUUMed: the same quotes give the same bytes)."""
    connection = database(quotes, dump_size=dump_size)
    try:
        connection.execute("VACUUM")
        return connection.serialize()
    finally:
        connection.close()


class Index:
    """An open index: the quotes that contain a phrase."""

    def __init__(self, connection: sqlite3.Connection, origin: str):
        self.connection = connection
        self.origin = origin

    def meta(self) -> dict[str, str]:
        return dict(self.connection.execute("SELECT key, value FROM meta"))

    def candidates(self, phrase: str) -> list[str] | None:
        """Every quote whose lower-case form contains the phrase's, sorted; None if the phrase is too short for the
        index (the caller then runs the plain query)."""
        needle = fold(phrase)
        if len(needle) < MIN_PHRASE:
            return None
        rows = self.connection.execute("SELECT folded, exact FROM quote WHERE folded MATCH ?",
                                       ('"' + needle.replace('"', '""') + '"',))
        return sorted(exact for folded, exact in rows if needle in folded)


def store_quotes(store) -> list[str]:
    """The quotes of a pyoxigraph store's default graph (the union of the build's graphs)."""
    import pyoxigraph as ox

    return [q.object.value for q in store.quads_for_pattern(None, ox.NamedNode(OA_EXACT), None, ox.DefaultGraph())
            if isinstance(q.object, ox.Literal)]


def build_quotes(result) -> list[str]:
    """The quotes of a graph.pipeline.Build: from its store on the large path, else from its dataset."""
    if result.store is not None:
        return store_quotes(result.store)
    from graph.namespaces import OA

    return [str(o) for _, _, o in result.dataset.triples((None, OA.exact, None)) if isinstance(o, Literal)]


def write_build_outputs(result, out_dir: Path, *, quiet: bool = True) -> dict[str, Path]:
    """graph.api.MAIN_WRITERS: fulltext.sqlite in the release, after the dumps (it records cckg.nq's size)."""
    dump = out_dir / "cckg.nq"
    path = out_dir / FILENAME
    content = database_bytes(build_quotes(result), dump_size=dump.stat().st_size if dump.is_file() else None)
    output.write_atomically({path: content})
    return {"fulltext": path}


def open_file(path: Path) -> Index:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True,
                                 check_same_thread=False)
    return Index(connection, str(path))


def index_for(store) -> Index:
    """The index in step with an OxigraphStore: the release's fulltext.sqlite beside the cckg.nq the store was read
    from if it was made from that dump, else one built in memory from the store's quotes (kept on the store)."""
    found = getattr(store, "_fulltext_index", None)
    if found is not None:
        return found
    origin = Path(store.origin)
    beside = origin.with_name(FILENAME)
    found = None
    if origin.name == "cckg.nq" and beside.is_file() and origin.is_file():
        try:
            candidate = open_file(beside)
            meta = candidate.meta()
            if meta.get("format") == FORMAT and meta.get("cckg.nq bytes") == str(origin.stat().st_size):
                found = candidate
            else:
                candidate.connection.close()
        except sqlite3.Error:
            found = None
    if found is None:
        connection = database(store_quotes(store.store))
        found = Index(connection, f"in memory, from {store.origin}")
    store._fulltext_index = found
    return found


def phrase_variables(text: str) -> tuple[str, str] | None:
    """(?exact, ?phrase) of a query the index can serve: it tests CONTAINS(LCASE(STR(?exact)), LCASE(STR(?phrase)))
    and has a pattern `?selector oa:exact ?exact`."""
    match = _PHRASE_FILTER.search(text)
    if not match:
        return None
    exact, phrase = match.groups()
    if not re.search(_EXACT_PATTERN.format(var=re.escape(exact)), text):
        return None
    return exact, phrase


def prepare(store, text: str, params: dict | None) -> str:
    """The text to run on the embedded Oxigraph store: for a phrase query whose phrase is bound, the quotes that
    contain it bound by a VALUES block (from the index) and its top-level OPTIONALs made LATERAL; else `text`."""
    found = phrase_variables(text)
    if found is None:
        return text
    exact, phrase_var = found
    phrase = (params or {}).get(phrase_var)
    if not isinstance(phrase, Literal):
        return text
    candidates = index_for(store).candidates(str(phrase))
    if candidates is None:
        return text
    return bind_candidates(text, exact, candidates)


def bind_candidates(text: str, exact: str, candidates: list[str]) -> str:
    from graph.build.output import _quoted

    before, after = _rewritten(text, exact)
    return before + f"VALUES ?{exact} {{ {' '.join(_quoted(c) for c in candidates)} }}\n" + after


@functools.lru_cache(maxsize=64)
def _rewritten(text: str, exact: str) -> tuple[str, str]:
    """The phrase query rewritten for the candidates (its sub-SELECT inlined, its OPTIONALs LATERAL), split where
    the VALUES block goes: the text before the quote pattern and from it on. Made once per text: the rewrites
    scan the text character by character, and the block of a common phrase runs to tens of kilobytes."""
    text = rewrite.lateral_optionals(rewrite.inline_sub_select(text, _PHRASE_FILTER.search(text).start()))
    pattern = re.search(_EXACT_PATTERN.format(var=re.escape(exact)), text)
    return text[:pattern.start()], text[pattern.start():]
