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
equal to the engine's answers on the real graph and on a generated one. A phrase query (`phrase_key`) is kept per
quote, its phrase test taken out: a bound phrase reads the rows of the quotes the full-text index finds
(graph.store.fulltext), the phrase put in its column. Anything else runs on the engine (graph.store.paging.fetch);
so does every query on a store built in memory or read from another file.

Made at build time by graph/store/materialize.py (the writer of graph.api.MAIN_WRITERS). The database: `term_page` (every distinct term of the answers as the engine writes it in SPARQL TSV, which is
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
from array import array
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from graph.store import dbfile, library, paging
from graph.store.results import Result, collector_paused

FILENAME = "listings.sqlite"
FORMAT = "cckg-listings 3"
#: Pages of terms asked of SQLite at once (under its limit of host parameters).
CHUNK = 500
#: Most converted terms a release's tables keep for the next queries (as engines.TERM_CACHE), and most rows made
#: of them (a tuple of terms each: at 1M, every listing's rows are 110k, about 12 MB).
TERM_CACHE = 200_000
ROW_CACHE = 400_000


def digest(query: library.LibraryQuery) -> str:
    return hashlib.sha256(query.text.encode("utf-8")).hexdigest()


#: Terms a page of the term table holds (the tables: graph/store/materialize.py, _SCHEMA).
PAGE = 256


def phrase_key(query: library.LibraryQuery) -> tuple[str, str] | None:
    """(?matched, ?phrase) of a materialized phrase query (its phrase test is one the full-text index answers, on
    quotes: graph.store.fulltext.phrase_variables): its listing is its answer without the phrase test, kept per
    quote (the one variable its header names), and a phrase's answer is the rows of the quotes the index finds."""
    from graph.store import fulltext

    found = fulltext.phrase_variables(query.text) if query.materialized is not None else None
    return None if found is None or found[0] != "quote" else (found[1], found[2])


#: The type of a packed cell or position: an unsigned integer of 4 bytes, stored little-endian.
_CELL = next(code for code in "IL" if array(code).itemsize == 4)


def _unpacked(data: bytes) -> array:
    values = array(_CELL)
    values.frombytes(data)
    if sys.byteorder == "big":
        values.byteswap()
    return values


def _tsv_cells(terms) -> list[str]:
    """Terms (pyoxigraph's) as the engine writes them in SPARQL TSV, in their order: one small query binding them
    (a term by substitution; several in a VALUES block of their N-Triples forms, as SPARQL reads them)."""
    terms = list(terms)
    if len(terms) == 1:
        answer = ox.Store().query("SELECT ?x WHERE {}", substitutions={ox.Variable("x"): terms[0]})
    else:
        answer = ox.Store().query("SELECT ?x WHERE { VALUES ?x { " + " ".join(map(str, terms)) + " } }")
    return answer.serialize(format=ox.QueryResultsFormat.TSV).decode("utf-8").split("\n")[1:len(terms) + 1]


def _flat(cells: array, positions: list[int], width: int) -> array:
    """The cells of the rows at `positions` (ascending), in order: one slice for a run of rows."""
    if positions[-1] - positions[0] + 1 == len(positions):
        return cells[positions[0] * width:(positions[-1] + 1) * width]
    flat = array(_CELL)
    for pos in positions:
        flat.extend(cells[pos * width:(pos + 1) * width])
    return flat


def _holding(posting: tuple[array, array, array], number: int | None) -> array:
    """The positions of the rows holding term `number` in a posting (terms, starts, positions); none if no row does."""
    terms, starts, positions = posting
    at = bisect.bisect_left(terms, number) if number is not None else len(terms)
    if at == len(terms) or terms[at] != number:
        return positions[:0]
    return positions[starts[at]:starts[at + 1]]


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
        self._firsts: list[str] | None = None  # the first cell of each page of terms
        self._terms: dict = {0: None}  # term number -> rdflib term (0: unbound)
        self._made: dict[str, list] = {}  # listing -> its rows made so far (a tuple of terms, or None), by position
        self._kept = 0  # rows in _made

    def meta(self) -> dict[str, str]:
        return dict(self.connection.execute("SELECT key, value FROM meta"))

    def rows(self, store, query: library.LibraryQuery, params: dict, limit: int | None,
             offset: int | None) -> Result | None:
        """The rows `offset`… (at most `limit`) of `query`'s answer with `params` bound, or None if the tables
        cannot give it (no listing of that query, an older version of the query, a parameter it does not declare)."""
        found = self.listings.get(query.name)
        if found is None or found[0] != digest(query):
            return None
        key = phrase_key(query)
        if key is not None:  # a phrase query: the rows of the quotes that contain the phrase
            return self._phrase_rows(store, query, key, params, limit, offset)
        if not set(params) <= set(found[2]):
            return None
        return self._rows(store, query.name, self._positions(query.name, params) if params else None, limit, offset)

    def _phrase_rows(self, store, query: library.LibraryQuery, key: tuple[str, str], params: dict,
                     limit: int | None, offset: int | None) -> Result | None:
        """A phrase query's answer for its bound phrase: the quotes that contain it from the full-text index (the
        phrase query's own test: graph.store.fulltext), their rows read by the posting of the quote, in the stored
        order, and the phrase in its column. None where the engine answers instead (no phrase bound, other
        parameters, a phrase too short for the index)."""
        from rdflib import Literal

        from graph.store import fulltext
        from graph.terms import to_oxigraph

        matched, variable = key
        phrase = params.get(variable)
        if set(params) != {variable} or not isinstance(phrase, Literal):
            return None
        quotes = fulltext.index_for(store).candidates(str(phrase))
        if quotes is None:
            return None
        posting = self._posting(query.name, matched)
        at = []
        for number in self._numbers(_tsv_cells(ox.Literal(quote) for quote in quotes)).values():
            at.extend(_holding(posting, number))
        at.sort()
        found = self._rows(store, query.name, at, limit, offset)
        column, term = found.variables.index(variable), store._term(to_oxigraph(phrase))
        found.rows = [row[:column] + (term,) + row[column + 1:] for row in found.rows]
        return found

    def _rows(self, store, name: str, positions: list[int] | None, limit: int | None,
              offset: int | None) -> Result:
        """The rows of a listing at `positions` (None: every row), cut to `offset`… (at most `limit`). Each row is
        made once, its cells' terms converted once (`_convert`), and kept (`_made`) for the next queries: a listing
        read again is a copy of its rows (at 1M, about-country's 28,410 rows: 15-20 ms made from the terms again,
        a fraction of a ms as kept rows)."""
        found = self.listings[name]
        variables, count, width = found[1], found[3], len(found[1])
        first = offset or 0
        last = count if limit is None else min(count, first + limit)
        wanted = range(first, last) if positions is None else positions[first:last]
        made = self._made.get(name)
        if made is None:
            made = self._made[name] = [None] * count
        self._make(store, name, made, wanted, width)
        rows = made[first:last] if positions is None else [made[pos] for pos in wanted]
        return Result("select", list(variables), rows, normal=True)

    def _make(self, store, name: str, made: list, wanted, width: int) -> None:
        """Make the rows of listing `name` at positions `wanted` (ascending) not made yet into `made`, converting
        the terms not converted yet. Every kept row is dropped first once more than ROW_CACHE rows would be kept,
        and every converted term with them once more than TERM_CACHE terms would be (the rows hold terms)."""
        todo = [pos for pos in wanted if made[pos] is None]
        if not todo:
            return
        if self._kept + len(todo) > ROW_CACHE:
            self._drop_rows()
            todo = list(wanted)
        cells = self._cells.get(name)
        if cells is None:
            data = self.connection.execute("SELECT cells FROM listing WHERE name = ?", (name,)).fetchone()[0]
            cells = self._cells[name] = _unpacked(data)
        flat = _flat(cells, todo, width)
        terms = self._terms
        missing = set(flat) - terms.keys()
        if len(terms) + len(missing) > TERM_CACHE:
            terms.clear()
            terms[0] = None
            self._drop_rows()
            if len(todo) != len(wanted):
                todo = list(wanted)
                flat = _flat(cells, todo, width)
            missing = set(flat)
        if missing:
            self._convert(store, sorted(missing))
        self._kept += len(todo)
        values = map(terms.__getitem__, flat)
        with collector_paused():
            for pos, row in zip(todo, zip(*[values] * width)):
                made[pos] = row

    def _drop_rows(self) -> None:
        for rows in self._made.values():
            rows[:] = [None] * len(rows)
        self._kept = 0

    def _positions(self, name: str, params: dict) -> list[int]:
        """The positions of the rows holding every parameter's term, in order."""
        found = None
        for variable, value in sorted(params.items()):
            positions = _holding(self._posting(name, variable), self._number(value))
            if not positions:  # a term no row holds
                return []
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
        terms), and that cell is looked for in the table."""
        from graph.terms import to_oxigraph

        cell = _tsv_cells([to_oxigraph(term)])[0]
        return self._numbers([cell]).get(cell)

    def _numbers(self, cells) -> dict[str, int]:
        """The numbers of those of `cells` the table holds: each looked for by a binary search of its page (the
        pages' first cells read once)."""
        if self._firsts is None:
            self._firsts = [first for first, in self.connection.execute("SELECT first FROM term_page ORDER BY page")]
        wanted: dict[int, list[str]] = {}
        for cell in cells:
            page = bisect.bisect_right(self._firsts, cell) - 1
            if page >= 0:
                wanted.setdefault(page, []).append(cell)
        found = {}
        for page, lines in self._pages(wanted):
            for cell in wanted[page]:
                at = bisect.bisect_left(lines, cell)
                if at < len(lines) and lines[at] == cell:
                    found[cell] = page * PAGE + at + 1
        return found

    def _pages(self, pages) -> Iterator[tuple[int, list[str]]]:
        """(page, its cells) of each of `pages` of the term table, read in chunks."""
        pages = sorted(pages)
        for start in range(0, len(pages), CHUNK):
            chunk = pages[start:start + CHUNK]
            for page, text in self.connection.execute(
                    f"SELECT page, cells FROM term_page WHERE page IN ({', '.join('?' * len(chunk))})", chunk):
                yield page, text.split("\n")

    def _convert(self, store, numbers: list[int]) -> None:
        """Terms `numbers` read from the table (in chunks) as rdflib terms, equal to those the store makes of the
        engine's (OxigraphStore._term): an IRI and a string without escapes directly (an IRI, and a simple literal,
        the plain literal xsd:string normalizes to), every other term parsed by pyoxigraph as an object of one
        Turtle document and converted by the store."""
        from rdflib import Literal, URIRef

        terms = self._terms
        by_page: dict[int, list[int]] = {}
        for n in numbers:
            by_page.setdefault((n - 1) // PAGE, []).append(n)
        parsed = []
        for page, lines in self._pages(by_page):
            for n in by_page[page]:
                cell = lines[(n - 1) % PAGE]
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
