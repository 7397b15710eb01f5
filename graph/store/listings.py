"""Materialized listings: the whole answer of each library query whose header has a `# materialized:` line, worked
out by the engine once, when the release is built, and kept beside the dumps (`listings.sqlite`); the `query`
command reads a listing, a page of it or the rows of one of its declared parameters from there instead of
evaluating the query again, and so does the API for a graph read from a release (graph.api.load).

Why: a release never changes once written, and Oxigraph cannot read a whole listing of the 1M-triple graph at the
issue's 100k rows a second. It evaluates them at 17k–68k: about 1.2 us a row for each triple pattern joined, and
about 5 us a row to sort by an IRI, so a listing of nine columns from nine patterns stays under 100k rows/s however
the query is written. Read from the table, a row is a slice of packed term numbers.

In step with the data and the query: the table records the size of the release's `cckg.nq` (a store read from a
`cckg.nq` uses the tables beside it only if the size matches, as the full-text index does) and each listing the
SHA-256 of its query file (an edited query runs on the engine until the next build). Read from the table: the
whole answer or a page of it (a slice of the stored order), with no parameter or with parameters among
those its header names. Each of those is bound in every row of the whole answer (the build checks it), so the
answer of a run that binds it is the rows that hold that term, in the same order; tests/test_listings.py holds both
equal to the engine's answers on the real graph and on a generated one. Anything else runs on the engine
(graph.store.paging.fetch); so does every query on a store built in memory or read from another file.

The database: `term` (every distinct term of the answers as the engine writes it in SPARQL TSV, which is Turtle's
syntax, numbered from 1 in order of first appearance), `listing` (name, file digest, columns, parameters, rows, and
the cells: the rows one after the other as 4-byte little-endian term numbers, 0 where a column is unbound) and
`posting` (for each parameter and term, the positions of the rows holding it, packed the same way). A whole listing
or a page is a slice of the cells, a bound run the cells at its positions; each term is converted once a process.
The same sources give the same bytes (the answers' order is the ORDER BY of each query, total by design; see
queries/README.md).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
import tempfile
from array import array
from pathlib import Path

import pyoxigraph as ox

from graph.errors import UsageError
from graph.store import dbfile, library, paging, sparql
from graph.store.results import Result, collector_paused

FILENAME = "listings.sqlite"
FORMAT = "cckg-listings 2"
#: Term numbers asked of SQLite at once (under its limit of host parameters).
CHUNK = 500
#: Most converted terms a release's tables keep for the next queries (as engines.TERM_CACHE).
TERM_CACHE = 200_000


class ListingError(UsageError):
    """A materialized query whose answer the table cannot hold (a parameter unbound in a row, a blank node), named
    by its file and the line of its `# materialized:` header; exit code 2."""


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
                       "filters TEXT NOT NULL, rows INTEGER NOT NULL, cells BLOB NOT NULL)")
    connection.execute("CREATE TABLE posting (name TEXT NOT NULL, variable TEXT NOT NULL, term INTEGER NOT NULL, "
                       "positions BLOB NOT NULL, PRIMARY KEY (name, variable, term))")
    ids: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="cckg-listing-") as folder:
        for query in queries:
            text = sparql.prepare(query.text)[0]  # as the library path runs it unbound
            # written by the engine to a file named by its path, read back a line at a time: memory stays flat, and
            # the engine writes without the GIL (into a Python file object it takes the GIL back for every write:
            # beside a busy Python thread, the statement-source answer took 14.7 s instead of 1.0 s)
            spool = Path(folder) / "answer.tsv"
            store.query(text).serialize(str(spool), format=ox.QueryResultsFormat.TSV)
            with open(spool, encoding="utf-8", newline="\n") as lines:
                _add_listing(connection, ids, query, lines)
    connection.executemany("INSERT INTO term VALUES (?, ?)", ((i, cell) for cell, i in ids.items()))
    meta = {"format": FORMAT, "terms": str(len(ids))}
    if dump_size is not None:
        meta[dbfile.DUMP_BYTES] = str(dump_size)
    connection.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
    connection.commit()
    return connection


def _add_listing(connection: sqlite3.Connection, ids: dict[str, int], query: library.LibraryQuery, lines) -> None:
    """One listing from the lines of its answer in SPARQL TSV (a header line, then a row a line: a string's tab and
    newline are escaped): its cells, row after row, as term numbers (0: unbound; new terms numbered in `ids`), and
    for each declared parameter the positions of the rows holding each of its terms."""
    header = next(lines, "").rstrip("\n")
    variables = [v[1:] for v in header.split("\t")] if header else []
    filters = list(query.materialized)
    where = f"{query.path}:{_header_line(query)}: materialized:"
    unknown = [f for f in filters if f not in variables]
    if unknown:
        raise ListingError(f"{where} ?{unknown[0]} is not a column of the query")
    columns = [variables.index(f) for f in filters]
    postings: list[dict[int, array]] = [{} for _ in columns]
    cells = array(_CELL)
    get = ids.get
    count = 0
    for pos, line in enumerate(lines):
        row = []
        for cell in line.rstrip("\n").split("\t"):
            if not cell:
                row.append(0)
                continue
            found = get(cell)
            if found is None:
                if cell.startswith("_:"):
                    raise ListingError(f"{where} row {pos + 1} has a blank node ({cell}), "
                                       "which names nothing outside one answer")
                found = ids[cell] = len(ids) + 1
            row.append(found)
        for column, posting in zip(columns, postings):
            if not row[column]:
                raise ListingError(f"{where} ?{variables[column]} is unbound in row {pos + 1} "
                                   "of the whole answer (a run binding it is not a filter of those rows)")
            posting.setdefault(row[column], array(_CELL)).append(pos)
        cells.extend(row)
        count = pos + 1
    connection.execute("INSERT INTO listing VALUES (?, ?, ?, ?, ?, ?)", (
        query.name, digest(query), json.dumps(variables), json.dumps(filters), count, _packed(cells)))
    connection.executemany("INSERT INTO posting VALUES (?, ?, ?, ?)", (
        (query.name, name, term, _packed(positions))
        for name, posting in zip(filters, postings) for term, positions in sorted(posting.items())))


def _header_line(query: library.LibraryQuery) -> int:
    """The line of the query file's `# materialized:` header (1-based)."""
    return next(n for n, line in enumerate(query.text.splitlines(), 1) if line.startswith("# materialized:"))


#: The type of a packed cell or position: an unsigned integer of 4 bytes, stored little-endian.
_CELL = next(code for code in "IL" if array(code).itemsize == 4)


def _packed(values: array) -> bytes:
    if sys.byteorder == "big":
        values = array(_CELL, values)
        values.byteswap()
    return values.tobytes()


def _unpacked(data: bytes) -> array:
    values = array(_CELL)
    values.frombytes(data)
    if sys.byteorder == "big":
        values.byteswap()
    return values


def database_bytes(store: ox.Store, queries: list[library.LibraryQuery], *, dump_size: int | None = None) -> bytes:
    """The tables as the bytes of an SQLite database file (VACUUMed: the same answers give the same bytes)."""
    return dbfile.serialized(database(store, queries, dump_size=dump_size))


def write_build_outputs(result, out_dir: Path, *, quiet: bool = True) -> dict[str, Path]:
    """graph.api.MAIN_WRITERS: listings.sqlite in the release, after the dumps (it records cckg.nq's size)."""
    from graph.build import output

    dump = out_dir / "cckg.nq"
    path = out_dir / FILENAME
    content = database_bytes(result.store, materialized(), dump_size=dump.stat().st_size if dump.is_file() else None)
    output.write_atomically({path: content})
    return {"listings": path}


# Begun once the validation has taken its inferred graph out of the store (not `reads_default_graph_only`: the
# release's peak of memory is while it is there), in a thread beside the writers after it (`runs_beside`): the
# engine's evaluation, most of its time, holds no GIL (the answers are written to a file named by its path), so it
# runs on the core the view's Python leaves idle. Only the packing of the rows takes the GIL.
write_build_outputs.runs_beside = True


class Tables:
    """A release's listings.sqlite, open: the rows of a listing, converted to rdflib terms as the store converts
    the engine's (each distinct term once)."""

    def __init__(self, connection: sqlite3.Connection, origin: str):
        self.connection = connection
        self.origin = origin
        self.listings = {name: (dig, json.loads(variables), json.loads(filters), rows) for name, dig, variables, filters,
                         rows in connection.execute("SELECT name, digest, variables, filters, rows FROM listing")}
        self._cells: dict[str, array] = {}  # listing -> its cells, read once
        self._terms: dict = {0: None}  # term number -> rdflib term (0: unbound)
        self._warm: set[str] = set()  # the listings whose every term is in _terms

    def meta(self) -> dict[str, str]:
        return dict(self.connection.execute("SELECT key, value FROM meta"))

    def rows(self, store, query: library.LibraryQuery, params: dict, limit: int | None,
             offset: int | None) -> Result | None:
        """The rows `offset`… (at most `limit`) of `query`'s answer with `params` bound, or None if the tables
        cannot give it (no listing of that query, an older version of the query, a parameter it does not declare)."""
        found = self.listings.get(query.name)
        if found is None or found[0] != digest(query) or not set(params) <= set(found[2]):
            return None
        variables, count, width = found[1], found[3], len(found[1])
        name = query.name
        cells = self._cells.get(name)
        if cells is None:
            data = self.connection.execute("SELECT cells FROM listing WHERE name = ?", (name,)).fetchone()[0]
            cells = self._cells[name] = _unpacked(data)
        first = offset or 0
        last = count if limit is None else min(count, first + limit)
        if params:
            positions = self._positions(name, params)[first:last]
            flat = array(_CELL)
            for pos in positions:
                flat.extend(cells[pos * width:(pos + 1) * width])
        else:
            flat = cells[first * width:last * width]
        terms = self._terms
        if name not in self._warm:
            missing = set(flat) - terms.keys()
            if len(terms) + len(missing) > TERM_CACHE:
                terms.clear()
                terms[0] = None
                self._warm.clear()
                missing = set(flat)
            if missing:
                self._convert(store, sorted(missing))
            if len(flat) == len(cells):
                self._warm.add(name)
        values = map(terms.__getitem__, flat)
        with collector_paused():
            rows = list(zip(*[values] * width))
        return Result("select", list(variables), rows, normal=True)

    def _positions(self, name: str, params: dict) -> list[int]:
        """The positions of the rows holding every parameter's term, in order."""
        found = None
        for variable, value in sorted(params.items()):
            number = self._number(value)
            data = None if number is None else self.connection.execute(
                "SELECT positions FROM posting WHERE name = ? AND variable = ? AND term = ?",
                (name, variable, number)).fetchone()
            if data is None:  # a term no row holds
                return []
            positions = _unpacked(data[0])
            found = positions.tolist() if found is None else sorted(set(found).intersection(positions))
        return found or []

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
    return Tables(dbfile.open_readonly(path), str(path))


def tables_for(store) -> Tables | None:
    """The listing tables in step with an OxigraphStore: those `attach`ed to it, or those beside the release's
    cckg.nq the store was read from (`in_step`), kept on the store; else None."""
    from graph.store.engines import OxigraphStore

    if not isinstance(store, OxigraphStore):
        return None
    if not hasattr(store, "_listing_tables"):
        store._listing_tables = in_step(Path(store.origin))
    return store._listing_tables


def attach(store, nquads: Path) -> Tables | None:
    """Give an OxigraphStore holding the data of the release's `nquads` (graph.api.load: a build read back from
    it) the listing tables beside that dump, if they are in step with it."""
    store._listing_tables = in_step(nquads)
    return store._listing_tables


def in_step(nquads: Path) -> Tables | None:
    """The listings.sqlite beside a release's cckg.nq if it was made from that dump (its recorded size), else None."""
    connection = dbfile.open_beside(nquads, FILENAME, FORMAT)
    if connection is None:
        return None
    try:
        return Tables(connection, str(nquads.with_name(FILENAME)))
    except (sqlite3.Error, ValueError):
        connection.close()
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
