"""The endpoint as a neighbour of Fuseki and Oxigraph server, tested with the clients people use: SPARQLWrapper's and
rdflib SPARQLStore's defaults (CONSTRUCT as RDF/XML), content negotiation with q-values, the W3C CSV/TSV results read
back by Python's csv module and by Oxigraph's results parser, HEAD and gzip over raw HTTP (http.client), /query, the
read-only Graph Store Protocol GET at /data, the dump at /dump.nq declared as void:dataDump, and the YASGUI page in
headless Chromium with every request that is not to the endpoint recorded and refused."""

from __future__ import annotations

import csv
import gzip
import http.client
import io
import json
import urllib.parse

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TSV, XML, SPARQLWrapper

from graph.store import engines as stores

from conftest import require_tool
from endpoint_server import EndpointServer, fetch, serving

CONSTRUCT = """PREFIX schema: <https://schema.org/>
CONSTRUCT { ?meeting schema:attendee ?person } WHERE { ?meeting schema:attendee ?person }"""
SELECT = "SELECT ?meeting ?person WHERE { ?meeting schema:attendee ?person } ORDER BY ?meeting ?person"
#: Every kind of cell the results formats must escape: line breaks, a tab, quotes, a comma, a backslash, a language
#: tag, datatypes (some written bare in TSV, some not), an unbound value and a blank node.
AWKWARD = r"""SELECT ?n ?text ?other ?blank WHERE {
  VALUES (?n ?text ?other) {
    (1 "first line\nsecond line\r\nthird" "tab\there")
    (2 "say \"hi\", then go" "back\\slash"@en)
    (3 "2020-07-16"^^xsd:date UNDEF)
    (4 "1.5"^^xsd:decimal "1.0E3"^^xsd:double)
    (5 "true"^^xsd:boolean "   spaced   ")
  }
  BIND(IF(?n = 5, BNODE(), ?unbound) AS ?blank)
} ORDER BY ?n"""


@pytest.fixture(scope="module")
def oxstore(built):
    return stores.OxigraphStore.from_build(built)


@pytest.fixture(scope="module")
def server(oxstore, tmp_path_factory):
    yield from serving(oxstore, tmp_path_factory, max_rows=100_000)


def _raw(server, method, path, headers=None, body=None):
    """One request over http.client: (status, headers with lower-case names, body as received, undecoded)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def _get_query(path, text):
    return f"{path}?{urllib.parse.urlencode({'query': text})}"


# --- CONSTRUCT / DESCRIBE: RDF/XML and Turtle, negotiation


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # inside SPARQLWrapper
def test_sparqlwrapper_construct_default_is_rdfxml(server, oxstore):
    client = SPARQLWrapper(server.sparql)
    client.setQuery(CONSTRUCT)
    client.setReturnFormat(XML)  # SPARQLWrapper's default: RDF/XML for CONSTRUCT
    result = client.query()
    assert result.response.headers["Content-Type"].startswith("application/rdf+xml")
    graph = result.convert()
    assert isinstance(graph, Graph)
    assert len(graph) == len(stores.run(oxstore, CONSTRUCT).triples) >= 6


def test_rdflib_sparqlstore_select_and_construct(server, oxstore):
    graph = Graph(store=SPARQLStore(server.sparql, returnFormat="xml", method="POST"))
    rows = list(graph.query("PREFIX schema: <https://schema.org/>\n" + SELECT))
    assert [(str(m), str(p)) for m, p in rows] == [(str(m), str(p)) for m, p in stores.run(oxstore, SELECT).rows]
    constructed = graph.query(CONSTRUCT).graph  # SPARQLStore asks for RDF/XML
    assert len(constructed) == len(stores.run(oxstore, CONSTRUCT).triples)
    label = list(graph.query("SELECT ?l WHERE { <https://w3id.org/cckg/id/wang-yi> rdfs:label ?l }"))
    assert label == [(Literal("Wang Yi", lang="en"),)] or label == [(Literal("Wang Yi"),)]


@pytest.mark.parametrize("accept, media, parse", [
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    ("text/turtle", "text/turtle", "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("text/turtle;q=0.5, application/rdf+xml;q=0.9", "application/rdf+xml", "xml"),
    ("application/rdf+xml;q=0.2, text/*;q=0.8", "text/turtle", "turtle"),
    ("application/rdf+xml;q=0, */*;q=0.1", "text/turtle", "turtle"),
    ("image/png, application/n-triples;q=0.01", "application/n-triples", "nt"),
])
def test_construct_negotiation(server, oxstore, accept, media, parse):
    status, headers, body = fetch(server.base + _get_query("sparql", CONSTRUCT), headers={"Accept": accept})
    assert status == 200 and headers["Content-Type"].split(";")[0] == media
    assert len(Graph().parse(data=body, format=parse)) == len(stores.run(oxstore, CONSTRUCT).triples)


def test_describe_as_rdfxml(server):
    text = "DESCRIBE <https://w3id.org/cckg/id/wang-yi>"
    status, headers, body = fetch(server.base + _get_query("sparql", text), headers={"Accept": "application/rdf+xml"})
    graph = Graph().parse(data=body, format="xml")
    assert status == 200 and (URIRef("https://w3id.org/cckg/id/wang-yi"), None, None) in graph


def test_nothing_acceptable_is_406_and_only_then(server):
    status, _, body = fetch(server.base + _get_query("sparql", CONSTRUCT), headers={"Accept": "image/png, text/html"})
    assert status == 406 and "application/rdf+xml" in json.loads(body)["error"]
    status, _, _ = fetch(server.base + _get_query("sparql", SELECT), headers={"Accept": "application/rdf+xml"})
    assert status == 406
    status, _, _ = fetch(server.base + _get_query("sparql", SELECT), headers={"Accept": "text/csv;q=0.1, */*;q=0"})
    assert status == 200


# --- CSV and TSV per https://www.w3.org/TR/sparql11-results-csv-tsv/


def _awkward(server, accept):
    status, headers, body = fetch(server.sparql, data=AWKWARD.encode(), headers={
        "Content-Type": "application/sparql-query", "Accept": accept})
    assert status == 200, body
    return headers, body


def test_csv_is_rfc4180_and_reads_back_with_the_csv_module(server):
    headers, body = _awkward(server, "text/csv")
    assert headers["Content-Type"].startswith("text/csv")
    assert body.endswith(b"\r\n") and body.count(b"\r\n") >= 6
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    assert rows[0] == ["n", "text", "other", "blank"]
    assert rows[1] == ["1", "first line\nsecond line\r\nthird", "tab\there", ""]
    assert rows[2] == ["2", 'say "hi", then go', "back\\slash", ""]
    assert rows[3] == ["3", "2020-07-16", "", ""]
    assert rows[4][:2] == ["4", "1.5"] and float(rows[4][2]) == 1000.0  # the engine's lexical form of the double
    assert rows[5][:3] == ["5", "true", "   spaced   "] and rows[5][3].startswith("_:")
    assert len(rows) == 6


def test_tsv_reads_back_with_oxigraph_and_matches_json(server):
    headers, body = _awkward(server, "text/tab-separated-values")
    assert headers["Content-Type"].startswith("text/tab-separated-values")
    lines = body.decode("utf-8").split("\n")
    assert lines[0] == "?n\t?text\t?other\t?blank" and lines[-1] == "" and len(lines) == 7  # one line per row
    assert lines[1].split("\t")[:3] == ["1", '"first line\\nsecond line\\r\\nthird"', '"tab\\there"']
    assert lines[2].split("\t")[2] == '"back\\\\slash"@en'
    assert lines[3].split("\t")[1] == '"2020-07-16"^^<http://www.w3.org/2001/XMLSchema#date>'
    parsed = list(ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV))
    _, _, as_json = fetch(server.sparql, data=AWKWARD.encode(), headers={
        "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    expected = list(ox.parse_query_results(as_json, format=ox.QueryResultsFormat.JSON))
    assert len(parsed) == len(expected) == 5
    for got, want in zip(parsed, expected):
        for var in ("n", "text", "other"):
            assert got[var] == want[var], var
        assert (got["blank"] is None) == (want["blank"] is None)
        assert want["blank"] is None or isinstance(got["blank"], ox.BlankNode)


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select_formats(server, oxstore, fmt):
    client = SPARQLWrapper(server.base + "query")  # the /query alias
    client.setQuery("PREFIX schema: <https://schema.org/>\n" + SELECT)
    client.setReturnFormat(fmt)
    converted = client.query().convert()
    expected = len(stores.run(oxstore, SELECT).rows)
    if fmt == JSON:
        assert len(converted["results"]["bindings"]) == expected
    elif fmt == XML:
        assert len(converted.getElementsByTagName("result")) == expected
    else:
        text = converted.decode("utf-8")
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter="," if fmt == CSV else "\t"))
        assert len(rows) - 1 == expected


# --- HEAD, gzip, /query


HEAD_PATHS = ["/", "/sparql", "/query", "/graph.html", "/dump.nq", "/dump.nq.gz", "/data",
              "/static/yasgui.min.js", "/static/yasgui.min.css", "/nowhere",
              "/" + _get_query("sparql", SELECT), "/" + _get_query("query", "ASK { ?s ?p ?o }"),
              "/data?graph=" + urllib.parse.quote("https://w3id.org/cckg/id/chinanews-2020-07-16")]


@pytest.mark.parametrize("path", HEAD_PATHS)
@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_head_has_the_get_headers_and_no_body(server, path, encoding):
    accept = {"Accept": "text/html" if path == "/" else "*/*", "Accept-Encoding": encoding}
    status, headers, body = _raw(server, "GET", path, accept)
    head_status, head_headers, head_body = _raw(server, "HEAD", path, accept)
    assert head_status == status and head_body == b""
    assert int(head_headers["content-length"]) == len(body)
    for name in ("content-type", "content-encoding", "content-security-policy", "vary"):
        assert head_headers.get(name) == headers.get(name), name


def test_gzip_when_asked_with_vary(server):
    path = "/" + _get_query("sparql", SELECT)
    status, plain_headers, plain = _raw(server, "GET", path, {"Accept": "text/csv"})
    assert status == 200 and "content-encoding" not in plain_headers
    status, headers, body = _raw(server, "GET", path, {"Accept": "text/csv", "Accept-Encoding": "gzip, br;q=0.5"})
    assert headers["content-encoding"] == "gzip" and "Accept-Encoding" in headers["vary"]
    assert gzip.decompress(body) == plain and len(body) < len(plain)
    status, headers, _ = _raw(server, "GET", path, {"Accept": "text/csv", "Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in headers
    status, headers, _ = _raw(server, "GET", "/" + _get_query("sparql", "ASK {}"), {"Accept-Encoding": "gzip"})
    assert status == 200 and "content-encoding" not in headers  # a tiny body is sent as it is


def test_query_alias_answers_like_sparql(server):
    for path in ("sparql", "query"):
        status, _, body = fetch(server.base + path, data=b"ASK { ?s ?p ?o }",
                                headers={"Content-Type": "application/sparql-query"})
        assert status == 200 and json.loads(body)["boolean"] is True
    assert fetch(server.base + "query", data=b"DROP ALL",
                 headers={"Content-Type": "application/sparql-update"})[0] == 403


# --- Graph Store Protocol GET and the dump


def _graph_triples(oxstore, iri):
    return len(list(oxstore.store.quads_for_pattern(None, None, None, ox.NamedNode(iri))))


@pytest.mark.parametrize("accept, parse", [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                                           ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld")])
def test_gsp_get_a_named_graph(server, oxstore, accept, parse):
    iri = str(oxstore.graphs()[0])
    status, headers, body = fetch(server.base + "data?" + urllib.parse.urlencode({"graph": iri}),
                                  headers={"Accept": accept})
    assert status == 200 and headers["Content-Type"].split(";")[0] == accept
    assert len(Graph().parse(data=body, format=parse)) == _graph_triples(oxstore, iri) > 0


def test_gsp_default_graph_is_the_union(server, oxstore):
    status, _, body = fetch(server.base + "data?default", headers={"Accept": "application/n-triples"})
    assert status == 200
    union = len(list(oxstore.store.quads_for_pattern(None, None, None, ox.DefaultGraph())))
    assert len(Graph().parse(data=body, format="nt")) == union


def test_gsp_refusals_and_the_row_cap(server, oxstore):
    assert fetch(server.base + "data?graph=" + urllib.parse.quote("https://example.org/none"))[0] == 404
    assert fetch(server.base + "data?default&graph=x")[0] == 400
    for method in ("PUT", "POST", "DELETE"):
        status, _, _ = fetch(server.base + "data?default", data=b"<a> <b> <c> .", method=method,
                             headers={"Content-Type": "text/turtle"})
        assert status == 405, method
    small = EndpointServer(oxstore, max_rows=10)
    try:
        status, _, body = fetch(small.base + "data?default", headers={"Accept": "text/turtle"})
        assert status == 413 and "/dump.nq" in json.loads(body)["error"]
        status, _, body = fetch(small.base + "dump.nq")  # the dump is not a query: no row cap
        assert status == 200 and body.count(b"\n") > 10
    finally:
        small.close()


def test_dump_and_whole_dataset(server, oxstore):
    named = [q for q in oxstore.store if not isinstance(q.graph_name, ox.DefaultGraph)]
    status, headers, body = fetch(server.base + "dump.nq")
    assert status == 200 and headers["Content-Type"].startswith("application/n-quads")
    quads = set(ox.parse(body, format=ox.RdfFormat.N_QUADS))
    assert quads == set(named)
    assert body.splitlines() == sorted(body.splitlines())  # deterministic: sorted lines
    status, headers, packed = fetch(server.base + "dump.nq.gz")
    assert status == 200 and headers["Content-Type"] == "application/gzip" and gzip.decompress(packed) == body
    status, headers, trig = fetch(server.base + "data", headers={"Accept": "application/trig"})
    assert status == 200 and set(ox.parse(trig, format=ox.RdfFormat.TRIG)) == quads
    status, _, nq = fetch(server.base + "data", headers={"Accept": "application/n-quads"})
    assert nq == body


def test_service_description_declares_the_dump_and_formats(server):
    status, _, body = fetch(server.base, headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=body, format="turtle")
    void = "http://rdfs.org/ns/void#"
    dumps = list(graph.objects(None, URIRef(void + "dataDump")))
    assert dumps == [URIRef(server.base + "dump.nq")]
    formats = {str(o) for o in graph.objects(None, URIRef("http://www.w3.org/ns/sparql-service-description#"
                                                           "resultFormat"))}
    assert {"http://www.w3.org/ns/formats/RDF_XML", "http://www.w3.org/ns/formats/SPARQL_Results_TSV"} <= formats
    status, headers, rdfxml = fetch(server.sparql, headers={"Accept": "application/rdf+xml"})
    assert headers["Content-Type"].startswith("application/rdf+xml")
    assert len(Graph().parse(data=rdfxml, format="xml")) == len(graph)


# --- the YASGUI page in headless Chromium


CHROMIUM = "/usr/bin/chromium"


@pytest.mark.browser
def test_yasgui_page_runs_a_library_query_offline(server):
    executable = require_tool(CHROMIUM)
    from playwright.sync_api import sync_playwright

    outside, errors = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

            def route(r):
                if r.request.url.startswith(server.base):
                    r.continue_()
                else:
                    outside.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.goto(server.base)
            page.wait_for_function("() => window.cckgYasgui && !!window.cckgYasgui.yasgui.getTab()", timeout=30_000)
            names = page.evaluate("window.cckgYasgui.examples.map(e => e.name)")
            assert "meeting-participants" in names
            page.select_option("#example", str(names.index("meeting-participants")))
            page.evaluate("window.cckgYasgui.yasgui.getTab().query()")
            page.wait_for_selector(".yasr table tbody tr", timeout=30_000)
            rows = page.locator(".yasr table tbody tr").count()
            hrefs = page.eval_on_selector_all(".yasr table a", "as => as.map(a => a.getAttribute('href'))")
            text = page.locator(".yasr table").inner_text()
        finally:
            browser.close()
    assert rows >= 6
    assert any(h.startswith("graph.html#kg:") for h in hrefs), hrefs[:5]
    assert "kg:" in text  # IRIs shortened with the known prefixes
    assert outside == [], outside
    assert errors == [], errors
