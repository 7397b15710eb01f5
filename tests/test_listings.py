"""The materialized listings (graph/store/listings.py, `# materialized:`): read from the release's listing tables, the
whole answer of every materialized query, its pages and its answer for each value of each declared parameter are
the engine's, row for row and in order (on the real graph and on a generated one); tables of another dump or of an
older query text are not read; a query the tables cannot hold stops the build with its file named; the same
answers give the same bytes."""

from __future__ import annotations

import csv
import io
import itertools
import shutil

import pytest

from conftest import run_cli
from graph import api
from graph.store import library, listings, materialize, sparql, engines as stores

MATERIALIZED = materialize.materialized()


@pytest.fixture(scope="module")
def real(built, tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    api.write_release(built, out)
    return out


@pytest.fixture(scope="module")
def generated(generated_build, tmp_path_factory):
    out = tmp_path_factory.mktemp("generated-release")
    api.write_release(generated_build, out)
    return out


def _engine(store, query, params, limit=None, offset=None):
    """The answer as the engine gives it: the library's binding, the query run (no table)."""
    text, info = sparql.prepare(query.text)
    text, params = query.bind(text, dict(params), engine="oxigraph")
    from graph.store import paging

    text = paging.paginate(text, info, limit, offset)
    return store.query(text, params=params).normalized(ordered=info.ordered)


def _tables(store, query, params, limit=None, offset=None):
    """The answer from the tables only (None if they cannot give it)."""
    text, info = sparql.prepare(query.text)
    found = listings.tables_for(store).rows(store, query, dict(params), limit, offset)
    return None if found is None else found.normalized(ordered=info.ordered)


def _values(answer, name, most=None):
    """The distinct values of a column, in order of appearance."""
    column = answer.variables.index(name)
    seen = list(dict.fromkeys(row[column] for row in answer.rows))
    return seen if most is None else seen[:most]


def _same_everywhere(store, most=None):
    checked = 0
    for query in MATERIALIZED:
        if listings.phrase_key(query) is not None:  # kept per quote: test_a_phrase_search_reads_the_quotes_rows
            assert _tables(store, query, {}) is None
            continue
        whole = _tables(store, query, {})
        plain = _engine(store, query, {})
        assert whole is not None, query.name
        assert whole.variables == plain.variables and whole.rows == plain.rows, query.name
        values = {name: _values(plain, name, most) for name in query.materialized}
        for name, found in values.items():
            for value in found:
                params = {name: value}
                assert _tables(store, query, params).rows == _engine(store, query, params).rows, (query.name, params)
                checked += 1
        if len(values) == 2:  # both parameters at once, on the pairs a row holds and one it does not
            (a, b), columns = values, [plain.variables.index(n) for n in values]
            pairs = list(dict.fromkeys((row[columns[0]], row[columns[1]]) for row in plain.rows))[:most or 20]
            if values[a] and values[b]:
                pairs.append((values[a][0], values[b][-1]))
            for pair in pairs:
                params = dict(zip((a, b), pair))
                assert _tables(store, query, params).rows == _engine(store, query, params).rows, (query.name, params)
                checked += 1
    return checked


def test_the_release_holds_tables_in_step_with_its_dump(real):
    store = stores.OxigraphStore.from_file(real / "cckg.nq")
    tables = listings.tables_for(store)
    assert tables is not None and tables.origin == str(real / listings.FILENAME)
    assert listings.FILENAME in (real / "release.sha256").read_text(encoding="utf-8")
    assert sorted(tables.listings) == sorted(q.name for q in MATERIALIZED) and len(MATERIALIZED) >= 8


def test_every_materialized_answer_is_the_engines_on_the_real_graph(real):
    store = stores.OxigraphStore.from_file(real / "cckg.nq")
    assert _same_everywhere(store) > 50


def test_every_materialized_answer_is_the_engines_on_a_generated_graph(generated):
    store = stores.OxigraphStore.from_file(generated / "cckg.nq")
    assert _same_everywhere(store, most=25) > 50


def test_a_term_no_row_holds_gives_no_rows(real):
    from rdflib import URIRef

    store = stores.OxigraphStore.from_file(real / "cckg.nq")
    query = library.find("country-stances")
    params = {"country": URIRef("https://w3id.org/cckg/id/no-such-country")}
    found = _tables(store, query, params)
    assert found is not None and found.rows == [] == _engine(store, query, params).rows
    assert found.variables == _engine(store, query, {}).variables


@pytest.mark.parametrize("name", ["statement-source", "country-stances", "meeting-delegations"])
def test_pages_from_the_tables_are_the_engines_pages(real, name):
    store = stores.OxigraphStore.from_file(real / "cckg.nq")
    query = library.find(name)
    whole = _engine(store, query, {}).rows
    assert len(whole) > 40
    for size, offset in [(17, 0), (17, 17), (100, 5), (1, len(whole) - 1), (10, len(whole) + 3)]:
        page = _tables(store, query, {}, size, offset)
        assert page.rows == whole[offset:offset + size] == _engine(store, query, {}, size, offset).rows
    assert _tables(store, query, {}, None, 10).rows == whole[10:]
    column = query.materialized[0]  # the pages of a bound run: its rows cut the same way
    value = _values(_engine(store, query, {}), column)[0]
    bound = _engine(store, query, {column: value}).rows
    assert len(bound) > 3
    for size, offset in [(3, 0), (3, 3), (2, len(bound) - 1)]:
        assert _tables(store, query, {column: value}, size, offset).rows == bound[offset:offset + size]


def test_kept_rows_and_terms_are_dropped_at_their_bounds_and_the_answers_stay_the_engines(real, monkeypatch):
    """Rows made are kept for the next queries, and dropped (with the terms they hold) at ROW_CACHE rows or
    TERM_CACHE terms: with both bounds far below one listing, pages, bound runs and whole reads in turn are still
    the engine's."""
    store = stores.OxigraphStore.from_file(real / "cckg.nq")
    query = library.find("statement-source")
    whole = _engine(store, query, {}).rows
    column = query.materialized[0]
    value = _values(_engine(store, query, {}), column)[1]
    bound = _engine(store, query, {column: value}).rows
    monkeypatch.setattr(listings, "ROW_CACHE", 40)
    monkeypatch.setattr(listings, "TERM_CACHE", 90)
    assert len(whole) > 2 * 40 and bound
    for _ in range(2):
        assert _tables(store, query, {}, 17, 30).rows == whole[30:47]
        assert _tables(store, query, {column: value}).rows == bound
        assert _tables(store, query, {}).rows == whole  # beyond both bounds: made, then dropped by the next
        assert _tables(store, query, {}, 5, 3).rows == whole[3:8]
        assert _tables(store, query, {}, 30, 0).rows == whole[:30]
    tables = listings.tables_for(store)

    def kept():
        return sum(row is not None for rows in tables._made.values() for row in rows)

    assert tables._kept == kept() == len(whole)  # a read beyond the bound stays until rows are made again
    other = library.find("meeting-delegations")
    assert _tables(store, other, {}, 10, 0).rows == _engine(store, other, {}, 10, 0).rows
    assert tables._kept == kept() == 10


def test_a_listing_read_again_is_made_of_its_kept_rows(real, monkeypatch):
    store = stores.OxigraphStore.from_file(real / "cckg.nq")
    query = library.find("meeting-delegations")
    whole = _tables(store, query, {}).rows
    tables = listings.tables_for(store)
    monkeypatch.setattr(tables, "_convert", lambda *args: pytest.fail("terms converted again"))
    monkeypatch.setattr(listings, "_flat", lambda *args: pytest.fail("a row made again"))
    assert _tables(store, query, {}).rows == whole == _engine(store, query, {}).rows
    value = _values(_engine(store, query, {}), query.materialized[0])[0]
    assert _tables(store, query, {query.materialized[0]: value}).rows == \
        _engine(store, query, {query.materialized[0]: value}).rows
    assert tables._kept == len(whole)


def test_other_parameters_an_edited_query_or_another_dump_run_on_the_engine(real, tmp_path):
    from rdflib import Literal

    store = stores.OxigraphStore.from_file(real / "cckg.nq")
    tables = listings.tables_for(store)
    query = library.find("country-stances")
    assert tables.rows(store, query, {"label": Literal("x")}, None, None) is None  # not a declared parameter
    edited = library.LibraryQuery(query.name, query.category, query.path, query.text + "\n# edited\n", query.header)
    assert tables.rows(store, edited, {}, None, None) is None
    text, info = sparql.prepare(edited.text)
    assert listings.fetch(store, edited, text, info, 5, None).rows == _engine(store, query, {}).rows[:5]
    dump = tmp_path / "cckg.nq"
    dump.write_bytes((real / "cckg.nq").read_bytes() + b"<urn:x> <urn:y> <urn:z> .\n")
    shutil.copy(real / listings.FILENAME, tmp_path / listings.FILENAME)
    assert listings.tables_for(stores.OxigraphStore.from_file(dump)) is None


def test_the_cli_answers_from_the_tables_as_from_the_engine(real, tmp_path):
    alone = tmp_path / "cckg.nq"
    shutil.copy(real / "cckg.nq", alone)  # the same dump without its tables beside it
    for args in [("country-stances", "--param", "country=kg:china"),
                 ("statement-source", "--page", "2", "--limit", "7"), ("meeting-participants",)]:
        with_tables = run_cli("query", *args, "--format", "csv", "--data", str(real / "cckg.nq"))
        without = run_cli("query", *args, "--format", "csv", "--data", str(alone))
        assert with_tables.returncode == 0 == without.returncode, with_tables.stderr + without.stderr
        assert with_tables.stdout == without.stdout
        assert len(list(csv.reader(io.StringIO(with_tables.stdout)))) > 2


def _query_file(tmp_path, name, materialized, where):
    folder = tmp_path / "queries" / "cq"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.rq").write_text(
        f"# title: t\n# question: q\n# returns: r\n# params: ?s — a subject; unbound: all\n"
        f"# materialized: {materialized}\nSELECT ?s ?o WHERE {{ {where} }} ORDER BY ?s ?o\n", encoding="utf-8")
    return tmp_path / "queries"


def test_a_query_the_tables_cannot_hold_is_an_error_naming_its_file(tmp_path):
    import pyoxigraph as ox

    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.BlankNode("b1")))
    unbound = _query_file(tmp_path / "1", "unbound", "?s", "OPTIONAL { ?s <urn:q> ?o }")
    with pytest.raises(materialize.ListingError, match=r"unbound\.rq:5: materialized: \?s is unbound in row 1"):
        materialize.database(store, materialize.materialized(unbound))
    blank = _query_file(tmp_path / "2", "blank", "?s", "?s <urn:p> ?o")
    with pytest.raises(materialize.ListingError, match=r"blank\.rq:5: materialized: row 1 has a blank node"):
        materialize.database(store, materialize.materialized(blank))
    unknown = _query_file(tmp_path / "3", "unknown", "?x", "?s <urn:p> ?o")
    with pytest.raises(materialize.ListingError, match=r"unknown\.rq:5: materialized: \?x is not a column"):
        materialize.database(store, materialize.materialized(unknown))


def test_the_same_answers_give_the_same_bytes_and_terms_round_trip(tmp_path):
    import pyoxigraph as ox

    store = ox.Store()
    xsd = "http://www.w3.org/2001/XMLSchema#"
    def typed(value, name):
        return ox.Literal(value, datatype=ox.NamedNode(xsd + name))

    objects = [ox.Literal("tab\there \"quoted\"\nline \\ é \U0001F600"), typed("7", "integer"), typed("1.50", "decimal"),
               typed("true", "boolean"), typed("2e3", "double"), ox.Literal("Астана", language="ru"),
               typed("2020-07-16", "date"), ox.NamedNode("urn:x:o"), ox.Literal("plain words"),
               typed("typed words", "string"), ox.Literal('ends with "a quote"'), ox.Literal("", language="en")]
    for i, o in enumerate(objects):
        store.add(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), o))
    queries = materialize.materialized(_query_file(tmp_path, "all", "?s", "?s <urn:p> ?o"))
    data = materialize.database_bytes(store, queries)
    assert data == materialize.database_bytes(store, queries)
    path = tmp_path / "release"
    path.mkdir()
    (path / listings.FILENAME).write_bytes(data)
    tables = listings.open_file(path / listings.FILENAME)
    ours = stores.OxigraphStore(store, origin="test")
    found = tables.rows(ours, queries[0], {}, None, None).rows
    expected = stores.run(ours, queries[0].text).rows
    assert found == expected and len(found) == len(objects)
    for row in itertools.islice(expected, 3):  # a parameter is found by its term, as the engine compares them
        assert tables.rows(ours, queries[0], {"s": row[0]}, None, None).rows == [row]


def test_terms_on_many_pages_are_found_by_their_sorted_order(tmp_path):
    """The terms are kept sorted, PAGE a row, and a parameter's term is found by a binary search: with terms on
    several pages, in scripts whose UTF-8 bytes and code points must sort alike (SQLite compares the bytes, Python
    the code points), each value of ?o gives exactly the engine's rows, and a term no row holds gives none."""
    import pyoxigraph as ox
    from rdflib import Literal

    store = ox.Store()
    words = ["Astana", "Астана", "阿斯塔纳", "\U0001F600 smile", "é", "z", "\uFFFD", "Ω tab\tin"]
    count = 3 * listings.PAGE + 5
    for i in range(count):
        store.add(ox.Quad(ox.NamedNode(f"urn:s{i % 7}"), ox.NamedNode("urn:p"),
                          ox.Literal(f"{words[i % len(words)]} {i}", language="en" if i % 3 else None)))
    queries = materialize.materialized(_query_file(tmp_path, "pages", "?s ?o", "?s <urn:p> ?o"))
    path = tmp_path / "release"
    path.mkdir()
    (path / listings.FILENAME).write_bytes(materialize.database_bytes(store, queries))
    tables = listings.open_file(path / listings.FILENAME)
    assert int(tables.meta()["terms"]) > 3 * listings.PAGE  # on four pages
    ours = stores.OxigraphStore(store, origin="test")
    expected = stores.run(ours, queries[0].text).rows
    assert tables.rows(ours, queries[0], {}, None, None).rows == expected and len(expected) == count
    for row in expected:
        assert tables.rows(ours, queries[0], {"o": row[1]}, None, None).rows == [row]
    assert tables.rows(ours, queries[0], {"o": Literal("Астана 0")}, None, None).rows == []  # not a term held
    by_subject = tables.rows(ours, queries[0], {"s": expected[0][0], "o": expected[1][1]}, None, None).rows
    assert by_subject == [row for row in expected if row[0] == expected[0][0] and row[1] == expected[1][1]]


@pytest.mark.parametrize("where", ["real", "generated"])
def test_a_phrase_search_reads_the_quotes_rows(where, request):
    """statements-by-phrase is kept per quote, its phrase test taken out: a phrase's answer is the rows of the quotes
    the full-text index finds, with the phrase in its column; equal to the engine's, row for row, whole and in
    pages. No phrase, another parameter or a phrase too short for the index run on the engine."""
    from rdflib import Literal, URIRef

    store = stores.OxigraphStore.from_file(request.getfixturevalue(where) / "cckg.nq")
    query = library.find("statements-by-phrase")
    assert listings.phrase_key(query) == ("exact", "phrase")
    checked = 0
    for phrase in ["health", "Health Community", "proposed", "the", "will", "Астана", "no such words here", "called for", "working groups",
                   Literal("cooperation", lang="en")]:
        params = {"phrase": phrase if isinstance(phrase, Literal) else Literal(phrase)}
        found, expected = _tables(store, query, params), _engine(store, query, params)
        assert found is not None and found.variables == expected.variables and found.rows == expected.rows, phrase
        checked += len(found.rows)
        for size, offset in [(5, 0), (5, 5), (1, max(len(expected.rows) - 1, 0))]:
            page = _tables(store, query, params, size, offset)
            assert page.rows == expected.rows[offset:offset + size] == _engine(store, query, params, size, offset).rows
    assert checked > 100
    tables = listings.tables_for(store)
    assert tables.rows(store, query, {}, None, None) is None  # no phrase: the engine's (empty) answer
    assert tables.rows(store, query, {"phrase": Literal("co")}, None, None) is None  # too short for the index
    assert tables.rows(store, query, {"phrase": Literal("health"), "statement": URIRef("urn:x")}, None, None) is None
    assert tables.rows(store, query, {"exact": Literal("x")}, None, None) is None


def test_a_phrase_query_is_kept_per_its_quote_alone(tmp_path):
    import pyoxigraph as ox

    folder = tmp_path / "queries" / "cq"
    folder.mkdir(parents=True)
    (folder / "phrases.rq").write_text(
        "# title: t\n# question: q\n# returns: r\n# params: ?phrase — words\n# materialized: ?s\n"
        "PREFIX oa: <http://www.w3.org/ns/oa#>\nSELECT ?s ?exact WHERE { ?s oa:exact ?exact . "
        "FILTER (CONTAINS(LCASE(STR(?exact)), LCASE(STR(?phrase)))) } ORDER BY ?s\n", encoding="utf-8")
    with pytest.raises(materialize.ListingError, match=r"phrases\.rq:5: materialized: a phrase query is kept per quote"):
        materialize.database(ox.Store(), materialize.materialized(tmp_path / "queries"))
