"""Pages read by seek (graph/store/paging.py, `# page-key:`): on the real graph, every page of every library query
that declares a page key, left unbound and with its example parameters, is the page LIMIT/OFFSET cuts from the
whole answer, row for row; and the parts it is made of (the header line, the ORDER BY it must start, the VALUES
block of several rows) do what they say."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef

from conftest import run_cli
from graph import errors
from graph.store import engines, library, paging, sparql

KEYED = [q for q in library.load("cq") if q.page_key]


@pytest.fixture(scope="module")
def store(built):
    return engines.OxigraphStore.from_build(built)


def test_some_listings_are_read_by_seek():
    assert {"about-country", "statement-source", "meeting-participants", "proposals-and-measures"} <= {
        q.name for q in KEYED}


@pytest.mark.parametrize("query", KEYED, ids=lambda q: q.name)
def test_page_key_starts_the_order_by(query):
    query.page_key.check(query.text)  # else a usage error names the key and the ORDER BY


@pytest.mark.parametrize("bound", [False, True], ids=["all", "example"])
@pytest.mark.parametrize("query", KEYED, ids=lambda q: q.name)
@pytest.mark.parametrize("size", [7, 100])
def test_every_page_by_seek_is_the_page_of_limit_offset(store, query, bound, size):
    text, info = sparql.prepare(query.text)
    params = {p.name: sparql.parse_term(p.example) for p in query.params if p.example} if bound else {}

    def bind(t, p):
        return query.bind(t, p, engine="oxigraph")

    whole = paging.fetch(store, text, info, None, None, params=params, bind=bind).rows
    assert whole, "the example has no rows: nothing is compared"
    seen = []
    for number in range(len(whole) // size + 2):  # one page past the end too
        by_seek = paging.fetch(store, text, info, size, number * size, params=params, bind=bind, key=query.page_key)
        cut = paging.fetch(store, text, info, size, number * size, params=params, bind=bind)
        assert by_seek.variables == cut.variables
        assert by_seek.rows == cut.rows, f"page {number + 1} of {size} rows"
        seen += by_seek.rows
    assert seen == whole


def test_cli_pages_by_seek(built, tmp_path):
    from graph import api

    api.write_release(built, tmp_path)
    args = ("query", "statement-source", "--format", "csv", "--data", str(tmp_path / "cckg.nq"))
    whole = run_cli(*args).stdout.splitlines()
    second = run_cli(*args, "--limit", "25", "--page", "2")
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines() == whole[:1] + whole[26:51]


def test_page_key_header():
    key = paging.PageKey.parse('?a ?b { ?a <urn:p> ?b }')
    assert key == paging.PageKey(("a", "b"), "{ ?a <urn:p> ?b }")
    for bad in ("?a", "{ ?a <urn:p> ?b }", "?a, ?b { ?a <urn:p> ?b }", "?a { ?a <urn:p> ?b"):
        with pytest.raises(errors.UsageError, match="page-key"):
            paging.PageKey.parse(bad)
    text = 'SELECT ?a ?b WHERE { ?a <urn:p> ?b } ORDER BY ?a DESC(?b) LIMIT 3'
    assert paging.order_conditions(text) == ["?a", "DESC(?b)"]
    assert paging.order_conditions('SELECT * WHERE {} ORDER BY COALESCE(STR(?d), ")") ASC (?a)') == [
        'COALESCE(STR(?d), ")")', "ASC(?a)"]
    paging.PageKey(("a",), "{ }").check(text)
    with pytest.raises(errors.UsageError, match="not the start"):
        key.check(text)  # ?b is ordered descending


def test_values_block_of_several_rows_stays_out_of_sub_selects_that_do_not_bind_it():
    """A list binds several rows; a sub-SELECT that sees the variable only through a sub-SELECT nested in it gets
    no block (its answer would be multiplied by the rows), the nested one that binds it does."""
    text = ("SELECT ?m ?x WHERE { ?m <urn:p> ?x . { SELECT ?x ?l WHERE { { SELECT DISTINCT ?x WHERE { ?m <urn:p> ?x } }"
            " ?x <urn:l> ?l } } } ORDER BY ?m")
    keys = [URIRef("urn:m1"), URIRef("urn:m2"), URIRef("urn:m1")]
    block = " VALUES (?m) { (<urn:m1>) (<urn:m2>) } "  # a repeated row once
    bound = sparql.bind_inline(text, {"m": keys})
    assert bound.count(block) == 2
    assert "{ SELECT ?x ?l WHERE { {" in bound and "SELECT DISTINCT ?x WHERE {" + block in bound
    assert sparql.values_clause({"m": keys[:2], "n": Literal("k")}) == ' VALUES (?m ?n) { (<urn:m1> "k") (<urn:m2> "k") } '
    graph = Graph().parse(data="<urn:m1> <urn:p> <urn:x> . <urn:m2> <urn:p> <urn:x> . <urn:x> <urn:l> 'x' .",
                          format="turtle")
    assert len(list(graph.query(bound))) == len(list(graph.query(text))) == 2


def test_page_key_of_a_query_whose_header_says_select():
    """The keys' query keeps the query's PREFIX lines when a header comment names a SELECT before them."""
    import pyoxigraph as ox

    raw = ox.Store()
    raw.load(b"<urn:a> <urn:p> <urn:x> .\n<urn:b> <urn:p> <urn:y> .\n<urn:c> <urn:q> <urn:z> .\n", ox.RdfFormat.N_TRIPLES)
    store = engines.OxigraphStore(raw, origin="test")
    text = ("# title: a listing whose labels come from a sub-SELECT\n# page-key: ?s { ?s ex:p ?o }\n"
            "PREFIX ex: <urn:>\nSELECT ?s ?o WHERE { ?s ex:p ?o } ORDER BY ?s ?o\n")
    key = paging.PageKey.parse(library.parse_header(text)["page-key"])
    prepared, info = sparql.prepare(text)
    assert [tuple(map(str, row)) for row in paging.key_values(store, prepared, key, {})] == [("urn:a",), ("urn:b",)]
    page = paging.fetch(store, prepared, info, 1, 1, key=key)
    assert [tuple(map(str, row)) for row in page.rows] == [("urn:b", "urn:y")]
