"""The build's side of the materialized listings (graph/store/listings.py): each `# materialized:` query's whole
answer worked out by the engine and packed into the release's listings.sqlite (format and reading: listings.py).

Each answer is written by the engine in SPARQL TSV to a file named by its path (the engine then writes without the
GIL), read back a block of lines at a time (memory stays flat) and split into cells; the distinct terms are
numbered in their sorted order once every answer is read. A query the tables cannot hold (a declared parameter
unbound in a row, a blank node, an unknown variable, a phrase query not kept per its quote) is a ListingError naming
its file and the line of its header.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
from array import array
from pathlib import Path

import pyoxigraph as ox

from graph.errors import UsageError
from graph.store import dbfile, library, sparql
from graph.store.listings import _CELL, FILENAME, FORMAT, PAGE, digest, phrase_key

#: About this many characters of an answer are split into cells at once.
BLOCK = 1 << 20


class ListingError(UsageError):
    """A materialized query whose answer the table cannot hold (a parameter unbound in a row, a blank node), named
    by its file and the line of its `# materialized:` header; exit code 2."""


def materialized(queries_dir: Path | None = None) -> list[library.LibraryQuery]:
    """The library's queries with a `# materialized:` header line, by name."""
    found = library.load("cq") if queries_dir is None else library.load("cq", queries_dir)
    return [q for q in found if q.materialized is not None]


def database(store: ox.Store, queries: list[library.LibraryQuery], *,
             dump_size: int | None = None) -> sqlite3.Connection:
    """An in-memory database of the whole answer of each of `queries` on `store` (a pyoxigraph store whose default
    graph is the union of the data, as the library's queries read it)."""
    ids: dict[str, int] = {"": 0}  # a cell as the engine writes it -> its number while the answers are read
    answers = []
    with tempfile.TemporaryDirectory(prefix="cckg-listing-") as folder:
        for query in queries:
            text = _listed_text(query)
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


def _listed_text(query: library.LibraryQuery) -> str:
    """The text whose whole answer is the listing: the query as the library path runs it unbound, less its phrase
    test for a phrase query (so every quote's rows are kept; the phrase variable is then unbound in every row)."""
    from graph.store import fulltext

    text = sparql.prepare(query.text)[0]
    key = phrase_key(query)
    if key is None:
        return text
    if list(query.materialized) != [key[0]]:
        raise ListingError(f"{query.path}:{_header_line(query)}: materialized: a phrase query is kept per quote: "
                           f"name ?{key[0]} alone")
    test = fulltext.phrase_test(text)
    return text[:test.start()] + text[test.end():]


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


def _packed(values: array) -> bytes:
    if sys.byteorder == "big":
        values = array(_CELL, values)
        values.byteswap()
    return values.tobytes()


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
