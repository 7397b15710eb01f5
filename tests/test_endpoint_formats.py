"""The endpoint's fast paths give what the general code gives: SPARQL JSON written from the engine's terms
(graph.serve.formats.solutions_json) against results.to_json over rdflib terms, on every term of the real graph and
on literals chosen to be awkward; ORDER BY found by formats.is_ordered against sparql.inspect; query strings decoded
by graph.serve.connections.parse_query against urllib.parse.parse_qs."""

from __future__ import annotations

import random
import urllib.parse

import pyoxigraph as ox
import pytest

from graph.serve import formats
from graph.serve.connections import parse_query
from graph.store import engines, library, results, sparql

XSD = "http://www.w3.org/2001/XMLSchema#"

#: Every row of the graph, unbound cells included (?none is never bound), by named graph.
EVERY_TERM = """SELECT ?s ?p ?o ?g ?none WHERE { GRAPH ?g { ?s ?p ?o } OPTIONAL { ?s <urn:x-nothing> ?none } }"""


def _both(store: engines.OxigraphStore, text: str, ordered: bool) -> tuple[bytes, bytes]:
    """(results.to_json of the normalized rdflib result, solutions_json of the engine's terms) for `text`."""
    general = results.to_json(store.query(text).normalized(ordered=ordered), indent=None)
    fast = store.query(text, engine_terms=True)
    rows = fast.rows if ordered else sorted(fast.rows, key=store.row_key)
    return general, formats.solutions_json(fast.variables, rows)


@pytest.fixture(scope="module")
def oxstore(built):
    return engines.OxigraphStore.from_build(built)


@pytest.mark.parametrize("ordered", [True, False])
def test_json_from_engine_terms_is_the_general_writers_on_every_term_of_the_graph(oxstore, ordered):
    general, fast = _both(oxstore, EVERY_TERM, ordered)
    assert len(general) > 1_000_000  # the whole graph, not an empty answer
    assert fast == general


def test_json_from_engine_terms_on_awkward_literals():
    raw = ox.Store()
    awkward = [
        ox.Literal("5", datatype=ox.NamedNode(XSD + "decimal")),  # whole decimals get ".0", as normalize_term does
        ox.Literal("-12", datatype=ox.NamedNode(XSD + "decimal")),
        ox.Literal("1.50", datatype=ox.NamedNode(XSD + "decimal")),
        ox.Literal("x", datatype=ox.NamedNode(XSD + "string")),  # a simple literal: no datatype written
        ox.Literal('quote " backslash \\ line\nbreak tab\t control \x01 é — \u2028 \U0001F600', language="zh-Hans"),
        ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")),
        ox.Literal("2020-01-01", datatype=ox.NamedNode(XSD + "date")),
        ox.NamedNode("http://example.org/é?a=1&b=\u00e9"),
        ox.BlankNode("b0"),
    ]
    for i, term in enumerate(awkward):
        raw.add(ox.Quad(ox.NamedNode(f"http://example.org/{i}"), ox.NamedNode("http://example.org/p"), term))
    store = engines.OxigraphStore(raw, origin="test")
    for text in ["SELECT ?s ?o ?none WHERE { ?s ?p ?o OPTIONAL { ?o <urn:x-nothing> ?none } }",
                 "SELECT ?x WHERE { ?s <urn:x-nothing> ?x }",  # no rows
                 "SELECT * WHERE { }",  # one empty row, no variables
                 "SELECT (7.0 AS ?d) (5 AS ?i) ('x' AS ?s) ('é'@EN-gb AS ?l) WHERE { }"]:
        for ordered in (True, False):
            general, fast = _both(store, text, ordered)
            assert fast == general, text


def test_is_ordered_agrees_with_inspect():
    texts = [sparql.prepare(q.text)[0] for q in library.load("cq")]
    texts += [
        "SELECT * { ?s ?p ?o } ORDER BY ?s",
        "SELECT * { { SELECT * { ?s ?p ?o } ORDER BY ?s } }",  # a subquery's order only
        "SELECT * { ?s ?p ?o } order\n# a comment\n by ?s",
        "SELECT * { ?s <urn:order> 'ORDER BY {' }",
        "SELECT ?order { ?s ?p ?order }",
        "SELECT * { ?s ?p ?o } # ORDER BY ?s",
        "PREFIX ex: <urn:x:> SELECT * { ?s ex:order ?by }",
        "SELECT * { ?s ?p ?o } ORDER BY(?s)",
        "SELECT * { ?s ?p ?o }ORDER BY DESC(?s)",
        'SELECT * { ?s ?p "}" } ORDER BY ?s',
        "SELECT * { ?s ?p ?o } ORDERS BY ?s",
    ]
    assert sum(formats.is_ordered(t) for t in texts) > 10
    for text in texts:
        assert formats.is_ordered(text) == sparql.inspect(text).ordered, text


def test_parse_query_agrees_with_urllib():
    cases = ["", "query=", "query", "a=1&a=2&&b", "q=%E2%80%94%20x", "q=100%", "q=%zz%4", "q=a+b%2Bc", "q=%3D=%26",
             "q=é%C3%A9", "q=%FF%FE", "=x", "q=" + urllib.parse.quote(sparql.prepare(library.load("cq")[0].text)[0])]
    alphabet = list("%%%0123456789abcdefABxyz_-.+&&==;\t") + ["%C3%A9", "%FF", "%20", "%3D", "é", "%26", "%0A"]
    generator = random.Random(14)
    cases += ["".join(generator.choice(alphabet) for _ in range(generator.randint(0, 30))) for _ in range(20_000)]
    for case in cases:
        assert parse_query(case) == urllib.parse.parse_qs(case, keep_blank_values=True), case
