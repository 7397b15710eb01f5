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

The database: `term_page` (every distinct term of the answers as the engine writes it in SPARQL TSV, which is
Turtle's syntax, numbered from 1 in sorted order, PAGE terms a row: a parameter's term is found by a binary search of
its page), `listing` (name, file digest, columns, parameters, rows, and the cells: the rows one after the other as
4-byte little-endian term numbers, 0 where a column is unbound) and `posting` (for each declared parameter, its
distinct terms and the positions of the rows holding each, packed the same way). A whole listing or a page is a
slice of the cells, a bound run the cells at its positions; each term is converted once a process. A few hundred
rows in all, so that the writer, beside the view's Python, seldom hands the GIL to and fro.
The same sources give the same bytes (the answers' order is the ORDER BY of each query, total by design; see
queries/README.md).
"""

from __future__ import annotations

import bisect
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
FORMAT = "cckg-listings 3"
#: Pages of terms asked of SQLite at once (under its limit of host parameters).
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
    ids: dict[str, int] = {"": 0}  # a cell as the engine writes it -> its number while the answers are read
    answers = []
    with tempfile.TemporaryDirectory(prefix="cckg-listing-") as folder:
        for query in queries:
            text = sparql.prepare(query.text)[0]  # as the library path runs it unbound
            # written by the engine to a file named by its path: the engine writes without the GIL (into a Python
            # file object it takes the GIL back for every write: beside a busy Python thread, the statement-source
            # answer took 14.7 s instead of 1.0 s)
            spool = Path(folder) / "answer.tsv"
            store.query(text).serialize(str(spool), format=ox.QueryResultsFormat.TSV)
            with open(spool, encoding="utf-8", newline="\n") as lines:
                answers.append(_answer(ids, query, lines))
    # the terms numbered in their sorted order (so a parameter's number is found by a binary search of the pages)
    cells = sorted(ids)[1:]
    final = array(_CELL, [0]) * len(ids)
    for number, cell in enumerate(cells, 1):
        final[ids[cell]] = number
    connection = sqlite3.connect(":memory:")
    for statement in _SCHEMA:
        connection.execute(statement)
    for query, variables, count, found in answers:
        numbers = array(_CELL, map(final.__getitem__, found))
        connection.execute("INSERT INTO listing VALUES (?, ?, ?, ?, ?, ?)", (
            query.name, digest(query), json.dumps(variables), json.dumps(list(query.materialized)), count,
            _packed(numbers)))
        connection.executemany("INSERT INTO posting VALUES (?, ?, ?, ?, ?)", (
            (query.name, name, *_posting(numbers[variables.index(name)::len(variables)]))
            for name in query.materialized))
    connection.executemany("INSERT INTO term_page VALUES (?, ?, ?)", (
        (page, cells[start], "\n".join(cells[start:start + PAGE]))
        for page, start in enumerate(range(0, len(cells), PAGE))))
    meta = {"format": FORMAT, "terms": str(len(cells))}
    if dump_size is not None:
        meta[dbfile.DUMP_BYTES] = str(dump_size)
    connection.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
    connection.commit()
    return connection


#: The tables. A term's cell (SPARQL TSV: Turtle's syntax, with no line break) is on the page (number - 1) // PAGE,
#: line (number - 1) % PAGE. A listing's cells are its rows one after the other as term numbers (0: unbound); a
#: posting's `terms` the distinct terms of one declared parameter, ascending, `starts` where each term's run of
#: `positions` (the rows holding it, ascending) begins, with the end last. All packed as 4-byte little-endian numbers:
#: a few hundred rows in all (a row per term and posting, 114k at 1M, had SQLite take the GIL back as often).
_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE term_page (page INTEGER PRIMARY KEY, first TEXT NOT NULL UNIQUE, cells TEXT NOT NULL)",
    "CREATE TABLE listing (name TEXT PRIMARY KEY, digest TEXT NOT NULL, variables TEXT NOT NULL, "
    "filters TEXT NOT NULL, rows INTEGER NOT NULL, cells BLOB NOT NULL)",
    "CREATE TABLE posting (name TEXT NOT NULL, variable TEXT NOT NULL, terms BLOB NOT NULL, starts BLOB NOT NULL, "
    "positions BLOB NOT NULL, PRIMARY KEY (name, variable))",
)
#: Terms a page of the term table holds.
PAGE = 256
#: About this many characters of an answer are split into cells at once.
BLOCK = 1 << 20


def _answer(ids: dict[str, int], query: library.LibraryQuery, lines) -> tuple:
    """(query, its columns, its rows, its cells) of an answer in SPARQL TSV, from its `lines` (a header line, then a
    row a line, each ended by a line break: a string's tab and line break are escaped): the cells, row after row,
    as numbers of `ids` (where a new term is given the next), checked: no blank node, no declared parameter unbound,
    no unknown one. Read a block of lines at a time (memory stays flat), each block split into its cells at once."""
    header = lines.readline().rstrip("\n")
    variables = [v[1:] for v in header.split("\t")] if header else []
    where = f"{query.path}:{_header_line(query)}: materialized:"
    unknown = [f for f in query.materialized if f not in variables]
    if unknown:
        raise ListingError(f"{where} ?{unknown[0]} is not a column of the query")
    width, columns = len(variables), [variables.index(f) for f in query.materialized]
    found, count = array(_CELL), 0
    while block := lines.readlines(BLOCK):
        text = "".join(block)
        flat = text[:-1].replace("\n", "\t").split("\t") if width else []
        if len(flat) != len(block) * width:
            raise ValueError(f"{where} the engine's answer has {len(flat)} cells, not {len(block)} rows of {width}")
        for cell in dict.fromkeys(flat):  # the new terms, in order of first appearance
            if cell not in ids:
                if cell.startswith("_:"):
                    raise ListingError(f"{where} row {count + flat.index(cell) // width + 1} has a blank node "
                                       f"({cell}), which names nothing outside one answer")
                ids[cell] = len(ids)
        numbers = array(_CELL, map(ids.__getitem__, flat))
        for column in columns:
            if 0 in numbers[column::width]:
                raise ListingError(f"{where} ?{variables[column]} is unbound in row "
                                   f"{count + numbers[column::width].index(0) + 1} of the whole answer (a run "
                                   "binding it is not a filter of those rows)")
        found.extend(numbers)
        count += len(block)
    return query, variables, count, found


def _posting(column: array) -> tuple[bytes, bytes, bytes]:
    """(terms, starts, positions) packed, of one parameter's column of a listing."""
    order = sorted(range(len(column)), key=column.__getitem__)  # stable: each term's rows stay in their order
    terms, starts = array(_CELL), array(_CELL)
    for at, pos in enumerate(order):
        if not terms or column[pos] != terms[-1]:
            terms.append(column[pos])
            starts.append(at)
    starts.append(len(order))
    return _packed(terms), _packed(starts), _packed(array(_CELL, order))


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
        self._postings: dict[tuple[str, str], tuple] = {}  # (listing, parameter) -> its posting, read once
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
            posting = self._posting(name, variable)
            at = bisect.bisect_left(posting[0], number) if number is not None else len(posting[0])
            if at == len(posting[0]) or posting[0][at] != number:  # a term no row holds
                return []
            positions = posting[2][posting[1][at]:posting[1][at + 1]]
            found = positions.tolist() if found is None else sorted(set(found).intersection(positions))
        return found or []

    def _posting(self, name: str, variable: str) -> tuple[array, array, array]:
        """(terms, starts, positions) of a declared parameter of a listing, read once."""
        found = self._postings.get((name, variable))
        if found is None:
            row = self.connection.execute("SELECT terms, starts, positions FROM posting WHERE name = ? AND "
                                          "variable = ?", (name, variable)).fetchone()
            found = self._postings[name, variable] = tuple(map(_unpacked, row))
        return found

    def _number(self, term) -> int | None:
        """The number of a parameter's term: the engine writes it in TSV (its own canonical form, as it compares
        terms), and the page of the table where it would be is searched for that cell."""
        from graph.terms import to_oxigraph

        written = ox.Store().query("SELECT ?x WHERE {}", substitutions={ox.Variable("x"): to_oxigraph(term)})
        cell = written.serialize(format=ox.QueryResultsFormat.TSV).decode("utf-8").split("\n")[1]
        found = self.connection.execute("SELECT page, cells FROM term_page WHERE first <= ? ORDER BY first DESC "
                                        "LIMIT 1", (cell,)).fetchone()
        if found is None:
            return None
        cells = found[1].split("\n")
        at = bisect.bisect_left(cells, cell)
        return found[0] * PAGE + at + 1 if at < len(cells) and cells[at] == cell else None

    def _convert(self, store, numbers: list[int]) -> None:
        """Terms `numbers` read from the table (in chunks) as rdflib terms, equal to those the store makes of the
        engine's (OxigraphStore._term): an IRI and a string without escapes directly (an IRI, and a simple literal,
        the plain literal xsd:string normalizes to), every other term parsed by pyoxigraph as an object of one
        Turtle document and converted by the store."""
        from rdflib import Literal, URIRef

        terms = self._terms
        pages = sorted({(n - 1) // PAGE for n in numbers})
        for start in range(0, len(pages), CHUNK):
            chunk = pages[start:start + CHUNK]
            read = dict(self.connection.execute(
                f"SELECT page, cells FROM term_page WHERE page IN ({', '.join('?' * len(chunk))})", chunk))
            lines = {page: text.split("\n") for page, text in read.items()}
            cells = [(n, lines[(n - 1) // PAGE][(n - 1) % PAGE]) for n in numbers if (n - 1) // PAGE in lines]
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
