"""Materialized listings: the whole answer of each library query whose header has a `# materialized:` line, worked
out by the engine once, when the release is built, and kept beside the dumps (`listings.sqlite`); the `query`
command reads a listing, a page of it or the rows of one of its declared parameters from there instead of
evaluating the query again.

Why: a release never changes once written, and Oxigraph cannot read a whole listing of the 1M-triple graph at the
issue's 100k rows a second. It evaluates them at 19k–68k: about 1.2 us a row for each triple pattern joined, and
about 5 us a row to sort by an IRI, so a listing of nine columns from nine patterns stays under 100k rows/s however
the query is written. Read from the table, a row costs an SQLite row of term numbers.

In step with the data and the query: the table records the size of the release's `cckg.nq` (a store read from a
`cckg.nq` uses the tables beside it only if the size matches, as the full-text index does) and each listing the
SHA-256 of its query file (an edited query runs on the engine until the next build). Read from the table: the
whole answer or a page of it (LIMIT and OFFSET over the stored order), with no parameter or with parameters among
those its header names. Each of those is bound in every row of the whole answer (the build checks it), so the
answer of a run that binds it is the rows that hold that term, in the same order; tests/test_listings.py holds both
equal to the engine's answers on the real graph and on a generated one. Anything else runs on the engine
(graph.store.paging.fetch); so does every query on a store built in memory or read from another file.

The database: `term` (every distinct term of the answers as the engine writes it in SPARQL TSV, which is Turtle's
syntax, numbered in order of first appearance), `listing` (name, file digest, columns, parameters, rows, table) and
one table a listing, `rows_N` (pos, then one term number a column; NULL where a column is unbound), with an index on
(column, pos) for each parameter. The same sources give the same bytes (the answers' order is the ORDER BY of each
query, total by design; see queries/README.md).
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import tempfile
from pathlib import Path

import pyoxigraph as ox

from graph.store import library, paging, sparql
from graph.store.results import Result

FILENAME = "listings.sqlite"
FORMAT = "cckg-listings 1"
#: Term numbers asked of SQLite at once (under its limit of host parameters).
CHUNK = 500
#: Rows inserted at once while a listing is read.
BATCH = 5_000
#: Most converted terms a release's tables keep for the next queries (as engines.TERM_CACHE).
TERM_CACHE = 200_000


class ListingError(ValueError):
    """A materialized query whose answer the table cannot hold (a parameter unbound in a row, a blank node)."""


def materialized(queries_dir: Path | None = None) -> list[library.LibraryQuery]:
    """The library's queries with a `# materialized:` header line, by name."""
    found = library.load("cq") if queries_dir is None else library.load("cq", queries_dir)
    return [q for q in found if q.materialized is not None]


def digest(query: library.LibraryQuery) -> str:
    return hashlib.sha256(query.text.encode("utf-8")).hexdigest()


def database(store: ox.Store, queries: list[library.LibraryQuery], *,
             dump_size: int | None = None) -> sqlite3.Connection:
    """An in-memory database of the whole answer of each of `queries` on `store` (a pyoxigraph store whose default
    graph is the union of the data, as the library's queries read it)."""
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    connection.execute("CREATE TABLE term (id INTEGER PRIMARY KEY, cell TEXT NOT NULL UNIQUE)")
    connection.execute("CREATE TABLE listing (name TEXT PRIMARY KEY, digest TEXT NOT NULL, variables TEXT NOT NULL, "
                       "filters TEXT NOT NULL, rows INTEGER NOT NULL, tab TEXT NOT NULL)")
    ids: dict[str, int] = {}
    for n, query in enumerate(queries):
        text = sparql.prepare(query.text)[0]  # as the library path runs it unbound
        with tempfile.TemporaryFile() as spool:  # written by the engine, read a line at a time: memory stays flat
            store.query(text).serialize(spool, format=ox.QueryResultsFormat.TSV)
            spool.seek(0)
            lines = io.TextIOWrapper(spool, encoding="utf-8", newline="\n")
            _add_listing(connection, ids, n, query, lines)
    connection.executemany("INSERT INTO term VALUES (?, ?)", ((i, cell) for cell, i in ids.items()))
    meta = {"format": FORMAT, "terms": str(len(ids))}
    if dump_size is not None:
        meta["cckg.nq bytes"] = str(dump_size)
    connection.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
    connection.commit()
    return connection


def _add_listing(connection: sqlite3.Connection, ids: dict[str, int], n: int, query: library.LibraryQuery,
                 lines) -> None:
    """The table of one listing from the lines of its answer in SPARQL TSV (a header line, then a row a line: a
    string's tab and newline are escaped); its new terms numbered in `ids`."""
    header = next(lines, "").rstrip("\n")
    variables = [v[1:] for v in header.split("\t")] if header else []
    filters = list(query.materialized)
    unknown = [f for f in filters if f not in variables]
    if unknown:
        raise ListingError(f"{query.path}: materialized: ?{unknown[0]} is not a column of the query")
    columns = [variables.index(f) for f in filters]
    tab = f"rows_{n}"
    names = [f"c{i}" for i in range(len(variables))]
    connection.execute(f"CREATE TABLE {tab} (pos INTEGER PRIMARY KEY, {', '.join(f'{c} INTEGER' for c in names)})")
    insert, count = f"INSERT INTO {tab} VALUES ({', '.join('?' * (len(names) + 1))})", 0
    rows = []
    get = ids.get
    for pos, line in enumerate(lines):
        row = [pos]
        for cell in line.rstrip("\n").split("\t"):
            if not cell:
                row.append(None)
                continue
            found = get(cell)
            if found is None:
                if cell.startswith("_:"):
                    raise ListingError(f"{query.path}: materialized: row {pos + 1} has a blank node ({cell}), "
                                       "which names nothing outside one answer")
                found = ids[cell] = len(ids) + 1
            row.append(found)
        for column in columns:
            if row[column + 1] is None:
                raise ListingError(f"{query.path}: materialized: ?{variables[column]} is unbound in row {pos + 1} "
                                   "of the whole answer (a run binding it is not a filter of those rows)")
        rows.append(row)
        if len(rows) == BATCH:
            connection.executemany(insert, rows)
            rows.clear()
        count = pos + 1
    connection.executemany(insert, rows)
    for column in columns:
        connection.execute(f"CREATE INDEX {tab}_c{column} ON {tab} (c{column}, pos)")
    connection.execute("INSERT INTO listing VALUES (?, ?, ?, ?, ?, ?)",
                       (query.name, digest(query), json.dumps(variables), json.dumps(filters), count, tab))


def database_bytes(store: ox.Store, queries: list[library.LibraryQuery], *, dump_size: int | None = None) -> bytes:
    """The tables as the bytes of an SQLite database file (VACUUMed: the same answers give the same bytes)."""
    connection = database(store, queries, dump_size=dump_size)
    try:
        connection.execute("VACUUM")
        return connection.serialize()
    finally:
        connection.close()


def write_build_outputs(result, out_dir: Path, *, quiet: bool = True) -> dict[str, Path]:
    """graph.api.MAIN_WRITERS: listings.sqlite in the release, after the dumps (it records cckg.nq's size)."""
    from graph.build import output

    dump = out_dir / "cckg.nq"
    path = out_dir / FILENAME
    content = database_bytes(result.store, materialized(), dump_size=dump.stat().st_size if dump.is_file() else None)
    output.write_atomically({path: content})
    return {"listings": path}


# Begun once the validation has taken its inferred graph out of the store (not `reads_default_graph_only`): the
# release's peak of memory is while it is there.
write_build_outputs.runs_beside = True  # the engine evaluates and SQLite stores: neither holds the GIL throughout


class Tables:
    """A release's listings.sqlite, open: the rows of a listing, converted to rdflib terms as the store converts
    the engine's (each distinct term once)."""

    def __init__(self, connection: sqlite3.Connection, origin: str):
        self.connection = connection
        self.origin = origin
        self.listings = {name: (dig, json.loads(variables), json.loads(filters), tab) for name, dig, variables, filters,
                         _, tab in connection.execute("SELECT * FROM listing")}
        self._terms: dict = {None: None}  # term number -> rdflib term

    def meta(self) -> dict[str, str]:
        return dict(self.connection.execute("SELECT key, value FROM meta"))

    def rows(self, store, query: library.LibraryQuery, params: dict, limit: int | None,
             offset: int | None) -> Result | None:
        """The rows `offset`… (at most `limit`) of `query`'s answer with `params` bound, or None if the tables
        cannot give it (no listing of that query, an older version of the query, a parameter it does not declare)."""
        found = self.listings.get(query.name)
        if found is None or found[0] != digest(query) or not set(params) <= set(found[2]):
            return None
        _, variables, _, tab = found
        where, values = [], []
        for name, value in sorted(params.items()):
            number = self._number(value)
            if number is None:  # a term no row holds
                return Result("select", list(variables), [], normal=True)
            where.append(f"c{variables.index(name)} = ?")
            values.append(number)
        select = (f"SELECT {', '.join(f'c{i}' for i in range(len(variables)))} FROM {tab}"
                  + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY pos")
        if limit is not None or offset is not None:
            select += " LIMIT ? OFFSET ?"
            values += [-1 if limit is None else limit, offset or 0]
        rows = self.connection.execute(select, values).fetchall()
        terms = self._terms
        missing = {n for row in rows for n in row} - terms.keys()
        if missing:
            if len(terms) + len(missing) > TERM_CACHE:
                terms.clear()
                terms[None] = None
                missing = {n for row in rows for n in row} - terms.keys()
            self._convert(store, sorted(missing))
        get = terms.__getitem__
        return Result("select", list(variables), [tuple(map(get, row)) for row in rows], normal=True)

    def _number(self, term) -> int | None:
        """The number of a parameter's term: the engine writes it in TSV (its own canonical form, as it compares
        terms), and the table is asked for that cell."""
        from graph.terms import to_oxigraph

        written = ox.Store().query("SELECT ?x WHERE {}", substitutions={ox.Variable("x"): to_oxigraph(term)})
        cell = written.serialize(format=ox.QueryResultsFormat.TSV).decode("utf-8").split("\n")[1]
        found = self.connection.execute("SELECT id FROM term WHERE cell = ?", (cell,)).fetchone()
        return found[0] if found else None

    def _convert(self, store, numbers: list[int]) -> None:
        """Terms `numbers` read from the table (in chunks) as rdflib terms, equal to those the store makes of the
        engine's (OxigraphStore._term): an IRI and a string without escapes directly (an IRI, and a simple literal,
        the plain literal xsd:string normalizes to), every other term parsed by pyoxigraph as an object of one
        Turtle document and converted by the store."""
        from rdflib import Literal, URIRef

        terms = self._terms
        for start in range(0, len(numbers), CHUNK):
            chunk = numbers[start:start + CHUNK]
            cells = self.connection.execute(
                f"SELECT id, cell FROM term WHERE id IN ({', '.join('?' * len(chunk))})", chunk).fetchall()
            parsed = []
            for n, cell in cells:
                if cell[0] == "<":
                    terms[n] = URIRef(cell[1:-1])
                elif cell[-1] == '"' and "\\" not in cell:
                    terms[n] = Literal(cell[1:-1])
                else:
                    parsed.append((n, cell))
            if parsed:
                document = "".join(f"<urn:x:{n}> <urn:x:v> {cell} .\n" for n, cell in parsed)
                for (n, _), triple in zip(parsed, ox.parse(document.encode("utf-8"), format=ox.RdfFormat.TURTLE)):
                    terms[n] = store._term(triple.object)


def open_file(path: Path) -> Tables:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False)
    return Tables(connection, str(path))


def tables_for(store) -> Tables | None:
    """The listing tables in step with an OxigraphStore: those `attach`ed to it, or those beside the release's
    cckg.nq the store was read from (`in_step`), kept on the store; else None."""
    from graph.store.engines import OxigraphStore

    if not isinstance(store, OxigraphStore):
        return None
    if not hasattr(store, "_listing_tables"):
        origin = Path(store.origin)
        store._listing_tables = in_step(origin) if origin.name == "cckg.nq" else None
    return store._listing_tables


def attach(store, nquads: Path) -> Tables | None:
    """Give an OxigraphStore holding the data of the release's `nquads` (graph.api.load: a build read back from
    it) the listing tables beside that dump, if they are in step with it."""
    store._listing_tables = in_step(nquads)
    return store._listing_tables


def in_step(nquads: Path) -> Tables | None:
    """The listings.sqlite beside a release's cckg.nq if it was made from that dump (its recorded size), else None."""
    beside = nquads.with_name(FILENAME)
    if not (beside.is_file() and nquads.is_file()):
        return None
    try:
        candidate = open_file(beside)
        meta = candidate.meta()
    except (sqlite3.Error, ValueError):
        return None
    if meta.get("format") == FORMAT and meta.get("cckg.nq bytes") == str(nquads.stat().st_size):
        return candidate
    candidate.connection.close()
    return None


def fetch(store, query: library.LibraryQuery | None, text: str, info, limit: int | None, offset: int | None, *,
          params: dict | None = None, bind=None, added: int = 0) -> Result:
    """Rows `offset`… (at most `limit`) of a library query (`text` prepared from it, `params` its parameters), as
    the `query` command gives them: from the release's listing table when it holds them, else from the engine
    (graph.store.paging.fetch, with the query's page key and its own binding `bind`)."""
    paging.paginate(text, info, limit, offset)  # the same usage errors on either path
    tables = tables_for(store) if query is not None else None
    found = tables.rows(store, query, dict(params or {}), limit, offset) if tables is not None else None
    if found is not None:
        return found.normalized(ordered=info.ordered)
    return paging.fetch(store, text, info, limit, offset, params=params, bind=bind, added=added,
                        key=query.page_key if query is not None else None)
