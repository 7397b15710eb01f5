"""The full-text index of the graph's quotes and names: every distinct `oa:exact` of a TextQuoteSelector, and
every distinct rdfs:label and skos:altLabel literal, in SQLite FTS5 tables (trigram tokens, so that any substring of
three characters or more is found, as SPARQL's CONTAINS finds it).

The phrase search (queries/cq/statements-by-phrase.rq) tests `CONTAINS(LCASE(STR(?exact)), LCASE(STR(?phrase)))`
on every quote of the graph: 41,300 quotes at 1M triples, about a second on Oxigraph. On the embedded store the
`query` command asks this index first for the quotes that contain the phrase and binds them with a `VALUES ?exact`
block in front of the quote pattern; the query's own FILTER stays, so the answer is the plain query's, row for row
(tests/test_fulltext.py checks it). The index holds each quote lower-cased by Python's `str.lower` (the full
Unicode lower-case mapping, as SPARQL's LCASE) with case-sensitive trigrams, and every candidate is checked again
with `in`, so the index can only narrow the quotes the FILTER sees, never drop one it would keep. A phrase of fewer
than three characters (no trigram) runs the plain query. The name search (queries/cq/name-lookup.rq, which tests
every label and other spelling of the graph: 181 ms at 1M) gets its candidate spellings the same way, as a
`VALUES ?spelling` block of the literals themselves (language tag included), when its spelling property is limited
to rdfs:label and skos:altLabel.

The build writes the index into the release beside the dumps (`fulltext.sqlite`, graph.api.MAIN_WRITERS), from
the built graph's quotes and names (with those of the release's VoID description, which cckg.nq also holds),
as the bytes of an SQLite database made in memory from the sorted quotes and names: the same
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
from graph.store import dbfile, rewrite

FILENAME = "fulltext.sqlite"
FORMAT = "cckg-fulltext 2"
OA_EXACT = "http://www.w3.org/ns/oa#exact"
#: The properties whose literals the name table holds (the spellings of queries/cq/name-lookup.rq).
NAME_PROPERTIES = ("http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#altLabel")
MIN_PHRASE = 3  # characters: a trigram index finds nothing shorter

_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE VIRTUAL TABLE quote USING fts5(folded, exact UNINDEXED, tokenize='trigram case_sensitive 1')",
    # every rdfs:label and skos:altLabel literal: its lexical form folded, and the literal in N-Triples syntax
    "CREATE VIRTUAL TABLE name USING fts5(folded, term UNINDEXED, tokenize='trigram case_sensitive 1')",
)

#: FILTER (CONTAINS(LCASE(STR(?exact)), LCASE(STR(?phrase)))) — the phrase test the index can answer.
_PHRASE_FILTER = re.compile(
    r"FILTER\s*\(\s*CONTAINS\s*\(\s*LCASE\s*\(\s*STR\s*\(\s*\?(\w+)\s*\)\s*\)\s*,\s*"
    r"LCASE\s*\(\s*STR\s*\(\s*\?(\w+)\s*\)\s*\)\s*\)\s*\)", re.IGNORECASE)
_EXACT_PATTERN = r"\?\w+\s+(?:oa:exact|<http://www\.w3\.org/ns/oa#exact>)\s+\?{var}\s*\."
#: `?resource ?property ?spelling .` whose ?property a VALUES block limits to rdfs:label and skos:altLabel.
_NAME_PATTERN = r"\?\w+\s+\?(\w+)\s+\?{var}\s*\."
_NAME_VALUES = (r"VALUES\s+\?{prop}\s*\{{\s*(?:(?:rdfs:label|skos:altLabel|<http://www\.w3\.org/2000/01/rdf-schema#label>"
                r"|<http://www\.w3\.org/2004/02/skos/core#altLabel>)\s*)+\}}")


def fold(text: str) -> str:
    return text.lower()


def database(quotes: Iterable[str], names: Iterable[tuple[str, str]] = (), *,
             dump_size: int | None = None) -> sqlite3.Connection:
    """An in-memory index of `quotes` and of `names` ((lexical form, N-Triples literal) pairs), each distinct one
    once, in sorted order."""
    connection = sqlite3.connect(":memory:")
    for statement in _SCHEMA:
        connection.execute(statement)
    distinct = sorted(set(quotes))
    connection.executemany("INSERT INTO quote (folded, exact) VALUES (?, ?)", ((fold(q), q) for q in distinct))
    spellings = sorted(set(names), key=lambda pair: pair[1])
    connection.executemany("INSERT INTO name (folded, term) VALUES (?, ?)", ((fold(t), n) for t, n in spellings))
    connection.execute("INSERT INTO name (name) VALUES ('optimize')")
    meta = {"format": FORMAT, "quotes": str(len(distinct)), "names": str(len(spellings))}
    if dump_size is not None:
        meta[dbfile.DUMP_BYTES] = str(dump_size)
    connection.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
    connection.execute("INSERT INTO quote (quote) VALUES ('optimize')")  # one b-tree segment: compact and fast
    connection.commit()
    return connection


def database_bytes(quotes: Iterable[str], names: Iterable[tuple[str, str]] = (), *,
                   dump_size: int | None = None) -> bytes:
    """The index as the bytes of an SQLite database file (VACUUMed: the same quotes give the same bytes)."""
    return dbfile.serialized(database(quotes, names, dump_size=dump_size))


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
        return self._containing("SELECT folded, exact FROM quote WHERE folded MATCH ?", phrase)

    def names(self, phrase: str) -> list[str] | None:
        """Every label or other spelling (an N-Triples literal) whose lower-case form contains the phrase's,
        sorted; None if the phrase is too short for the index."""
        return self._containing("SELECT folded, term FROM name WHERE folded MATCH ?", phrase)

    def _containing(self, select: str, phrase: str) -> list[str] | None:
        """The second column of the rows of `select` (a trigram MATCH of the folded phrase) whose folded text
        really contains it, sorted."""
        needle = fold(phrase)
        if len(needle) < MIN_PHRASE:
            return None
        rows = self.connection.execute(select, ('"' + needle.replace('"', '""') + '"',))
        return sorted(value for folded, value in rows if needle in folded)


def store_quotes(store) -> list[str]:
    """The quotes of a pyoxigraph store's default graph (the union of the build's graphs)."""
    import pyoxigraph as ox

    return [q.object.value for q in store.quads_for_pattern(None, ox.NamedNode(OA_EXACT), None, ox.DefaultGraph())
            if isinstance(q.object, ox.Literal)]


def store_names(store) -> list[tuple[str, str]]:
    """(lexical form, N-Triples literal) of every rdfs:label and skos:altLabel literal of a pyoxigraph store's
    default graph."""
    import pyoxigraph as ox

    return [(q.object.value, str(q.object)) for iri in NAME_PROPERTIES
            for q in store.quads_for_pattern(None, ox.NamedNode(iri), None, ox.DefaultGraph())
            if isinstance(q.object, ox.Literal)]


def write_build_outputs(result, out_dir: Path, *, quiet: bool = True) -> dict[str, Path]:
    """graph.api.MAIN_WRITERS: fulltext.sqlite in the release, after the dumps (it records cckg.nq's size)."""
    dump = out_dir / "cckg.nq"
    path = out_dir / FILENAME
    names = store_names(result.store) + _void_names(out_dir / "void.ttl")
    content = database_bytes(store_quotes(result.store), names, dump_size=dump.stat().st_size if dump.is_file() else None)
    output.write_atomically({path: content})
    return {"fulltext": path}


write_build_outputs.reads_default_graph_only = True  # pipeline.write_outputs need not wait for a clean store
# Not `runs_beside`: SQLite lets the GIL go at every row it inserts and Python folds every row, so in a thread beside
# the view's Python work the two passed the GIL to and fro (bench/run.py at 1M: 1.2 s on the main thread, 5.1 s in a
# thread, with viz.writers 5.7 -> 7.7 s beside it; two A/B pairs of whole builds after it: no difference shown).


def _void_names(path: Path) -> list[tuple[str, str]]:
    """The names of the release's VoID description (void.ttl, also a graph of cckg.nq): the dump the index serves
    has them beside the build's."""
    if not path.is_file():
        return []
    import pyoxigraph as ox

    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store_names(store)


def index_path(data: Path) -> Path:
    """Where the endpoint keeps the index of the data file its query workers load (graph/serve/workers.py)."""
    return data.with_suffix(".fulltext.sqlite")


def write_index(store, path: Path) -> None:
    """The index of a pyoxigraph store's quotes and names, written to `path` (the endpoint's, for its workers)."""
    path.write_bytes(database_bytes(store_quotes(store), store_names(store)))


def attach(store, path: Path) -> bool:
    """Give an OxigraphStore the index at `path` (made from the same data) if there is one."""
    if not path.is_file():
        return False
    store._fulltext_index = open_file(path)
    return True


def open_file(path: Path) -> Index:
    return Index(dbfile.open_readonly(path), str(path))


def index_for(store) -> Index:
    """The index in step with an OxigraphStore: the release's fulltext.sqlite beside the cckg.nq the store was read
    from if it was made from that dump, else one built in memory from the store's quotes (kept on the store)."""
    found = getattr(store, "_fulltext_index", None)
    if found is not None:
        return found
    origin = Path(store.origin)
    connection = dbfile.open_beside(origin, FILENAME, FORMAT)
    found = None if connection is None else Index(connection, str(origin.with_name(FILENAME)))
    if found is None:
        connection = database(store_quotes(store.store), store_names(store.store))
        found = Index(connection, f"in memory, from {store.origin}")
    store._fulltext_index = found
    return found


def phrase_test(text: str) -> re.Match | None:
    """Where a query tests its phrase (the FILTER `phrase_variables` reads), or None."""
    return _PHRASE_FILTER.search(text)


def phrase_variables(text: str) -> tuple[str, str, str] | None:
    """(table, ?matched, ?phrase) of a query the index can serve: it tests
    CONTAINS(LCASE(STR(?matched)), LCASE(STR(?phrase))) and ?matched is a quote (a pattern `?selector oa:exact
    ?matched`: table "quote") or a spelling (`?resource ?property ?matched` with a `VALUES ?property` of rdfs:label
    and skos:altLabel only: table "name")."""
    match = _PHRASE_FILTER.search(text)
    if not match:
        return None
    matched, phrase = match.groups()
    if re.search(_EXACT_PATTERN.format(var=re.escape(matched)), text):
        return "quote", matched, phrase
    found = re.search(_NAME_PATTERN.format(var=re.escape(matched)), text)
    if found and re.search(_NAME_VALUES.format(prop=re.escape(found.group(1))), text):
        return "name", matched, phrase
    return None


def prepare(store, text: str, params: dict | None) -> str:
    """The text to run on the embedded Oxigraph store: for a phrase query whose phrase is bound (in `params`, or in
    the text: `inline_phrase`), the quotes or the spellings that contain it bound by a VALUES block (from the index)
    and its top-level OPTIONALs made LATERAL; else `text`."""
    found = phrase_variables(text)
    if found is None:
        return text
    table, matched, phrase_var = found
    phrase = (params or {}).get(phrase_var)
    if phrase is None:  # bound in the text, as remote clients and the endpoint's users bind it
        phrase = inline_phrase(text, phrase_var)
    if not isinstance(phrase, Literal):
        return text
    index = index_for(store)
    if table == "name":  # the literals themselves, in N-Triples syntax (SPARQL reads them as they are)
        terms, pattern = index.names(str(phrase)), _NAME_PATTERN
    else:
        from graph.build.output import _quoted

        quotes = index.candidates(str(phrase))
        terms, pattern = None if quotes is None else [_quoted(q) for q in quotes], _EXACT_PATTERN
    return text if terms is None else _bind(text, matched, pattern, " ".join(terms))


#: A VALUES block's head: its one variable or its parenthesized variables, and the opening brace of its data.
_VALUES_HEAD = re.compile(r"VALUES\s*(\?\w+|\([^)]*\))\s*\{", re.IGNORECASE)
_STRING = r'"(?:[^"\\\n\r]|\\.)*"'
#: Strings and IRIs (kept) and comments (dropped): a comment cannot bind the phrase.
_COMMENTS = re.compile(r'("(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>)|#[^\n]*')


def inline_phrase(text: str, variable: str) -> Literal | None:
    """The phrase a query binds in its text: every VALUES block naming ?variable gives it the same one simple string
    (`VALUES ?phrase { "…" }` or `VALUES (?phrase) { ("…") }`, as graph.store.sparql.bind_inline writes it) and no
    BIND assigns it; else None (the query then runs as written)."""
    import pyoxigraph as ox

    text = _COMMENTS.sub(lambda m: m.group(1) or "", text)
    found = set()
    for head in _VALUES_HEAD.finditer(text):
        names = re.findall(r"\?(\w+)", head.group(1))
        if variable not in names:
            continue
        body = re.match(rf"\s*(?:\(\s*({_STRING})\s*\)|({_STRING}))\s*\}}", text[head.end():])
        if names != [variable] or body is None:
            return None
        found.add(body.group(1) or body.group(2))
    if len(found) != 1 or re.search(rf"\bAS\s+\?{re.escape(variable)}\b", text, re.IGNORECASE):
        return None
    try:  # SPARQL's escapes in a "…" string are N-Triples' (\u and \U included)
        quad = next(iter(ox.parse(f"<urn:x:s> <urn:x:p> {found.pop()} .".encode("utf-8"),
                                  format=ox.RdfFormat.N_TRIPLES)))
    except (SyntaxError, StopIteration):
        return None
    return Literal(quad.object.value)


def _bind(text: str, variable: str, pattern: str, terms: str) -> str:
    before, after = _rewritten(text, variable, pattern)
    return before + f"VALUES ?{variable} {{ {terms} }}\n" + after


@functools.lru_cache(maxsize=64)
def _rewritten(text: str, variable: str, pattern: str) -> tuple[str, str]:
    """The phrase query rewritten for the candidates (its sub-SELECT inlined, its OPTIONALs LATERAL), split where
    the VALUES block goes: the text before the pattern that binds `variable` and from it on. Made once per text: the
    rewrites scan the text character by character, and the block of a common phrase runs to tens of kilobytes."""
    text = rewrite.lateral_optionals(rewrite.inline_sub_select(text, _PHRASE_FILTER.search(text).start()))
    found = re.search(pattern.format(var=re.escape(variable)), text)
    return text[:found.start()], text[found.start():]
