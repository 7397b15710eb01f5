"""The SPARQL endpoint (`python build.py serve`): the protocol with a real client, content negotiation, the page,
every refusal (proved by a listener that no request left), the time limit, the row cap and concurrent clients."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rdflib import Graph
from SPARQLWrapper import CSV, JSON, JSONLD, TSV, TURTLE, XML, SPARQLWrapper

from graph.store import results, engines as stores

from endpoint_server import EndpointServer, fetch, serving

PARTICIPANTS = """PREFIX schema: <https://schema.org/>
SELECT ?meeting ?person WHERE { ?meeting schema:attendee ?person } ORDER BY ?meeting ?person"""
CONSTRUCT = """PREFIX schema: <https://schema.org/>
CONSTRUCT { ?meeting schema:attendee ?person } WHERE { ?meeting schema:attendee ?person }"""


_Server = EndpointServer


@pytest.fixture(scope="module")
def oxstore(built):
    return stores.OxigraphStore.from_build(built)


@pytest.fixture(scope="module")
def server(oxstore, tmp_path_factory):
    yield from serving(oxstore, tmp_path_factory)


_request = fetch


def _post_query(url, text, accept="application/sparql-results+json"):
    return _request(url, data=text.encode(), headers={"Content-Type": "application/sparql-query", "Accept": accept})


# --- the protocol with a real client


def _wrapper(server, text, fmt):
    client = SPARQLWrapper(server.sparql)
    client.setQuery(text)
    client.setReturnFormat(fmt)
    client.setMethod("POST")
    return client.query()


def test_sparqlwrapper_json_matches_the_store(server, oxstore):
    expected = stores.run(oxstore, PARTICIPANTS)
    data = _wrapper(server, PARTICIPANTS, JSON).convert()
    got = [(b["meeting"]["value"], b["person"]["value"]) for b in data["results"]["bindings"]]
    assert got == [(str(m), str(p)) for m, p in expected.rows]
    assert len(got) >= 6


def test_sparqlwrapper_xml(server, oxstore):
    doc = _wrapper(server, PARTICIPANTS, XML).convert()  # an xml.dom.minidom Document
    uris = [n.firstChild.data for n in doc.getElementsByTagName("uri")]
    assert len(uris) == 2 * len(stores.run(oxstore, PARTICIPANTS).rows)


@pytest.mark.parametrize("fmt, sep", [(CSV, ","), (TSV, "\t")])
def test_sparqlwrapper_csv_and_tsv(server, oxstore, fmt, sep):
    text = _wrapper(server, PARTICIPANTS, fmt).convert().decode("utf-8")
    lines = text.strip().splitlines()
    assert lines[0].replace("?", "").split(sep) == ["meeting", "person"]
    assert len(lines) - 1 == len(stores.run(oxstore, PARTICIPANTS).rows)


def test_sparqlwrapper_ask(server):
    assert _wrapper(server, "ASK { ?s ?p ?o }", JSON).convert()["boolean"] is True


@pytest.mark.parametrize("fmt", [TURTLE, JSONLD])
def test_sparqlwrapper_construct(server, oxstore, fmt):
    graph = _wrapper(server, CONSTRUCT, fmt).convert()
    if isinstance(graph, bytes):
        graph = Graph().parse(data=graph, format="turtle" if fmt == TURTLE else "json-ld")
    assert len(graph) == len(stores.run(oxstore, CONSTRUCT).triples) >= 6


def test_get_and_form_post_and_ntriples(server, oxstore):
    url = server.sparql + "?" + urllib.parse.urlencode({"query": CONSTRUCT})
    status, headers, body = _request(url, headers={"Accept": "application/n-triples"})
    assert status == 200 and headers["Content-Type"].startswith("application/n-triples")
    assert body.decode().count(" .\n") == len(stores.run(oxstore, CONSTRUCT).triples)
    form = urllib.parse.urlencode({"query": PARTICIPANTS}).encode()
    status, headers, body = _request(server.sparql, data=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/csv"})
    assert status == 200 and headers["Content-Type"].startswith("text/csv")


def test_unacceptable_media_type_is_406(server):
    status, _, body = _post_query(server.sparql, PARTICIPANTS, accept="image/png")
    assert status == 406 and "available" in json.loads(body)["error"]


def test_malformed_query_is_400_with_line_and_column(server):
    status, _, body = _post_query(server.sparql, "SELECT * WHERE {\n  ?s ?p \n}")
    assert status == 400
    assert re.search(r"line \d+, column \d+", json.loads(body)["error"])


def test_known_prefixes_may_be_omitted_and_errors_point_into_the_text_as_sent(server, oxstore):
    bare = "SELECT ?name WHERE { kg:wang-yi rdfs:label ?name }"
    status, _, body = _post_query(server.sparql, bare, accept="text/csv")
    assert status == 200 and body.decode().splitlines()[1:] == ["Wang Yi"]
    status, _, body = _post_query(server.sparql, "SELECT ?s WHERE {\n  ?s foaf:name \n}")
    assert status == 400
    error = json.loads(body)["error"]
    first, shown, caret = error.splitlines()
    assert "line 3, column 1" in first and len(first) < 250 and shown == "  }" and caret == "  ^"


# --- service description, page, graph view, CORS


def test_service_description(server):
    for url in (server.base, server.sparql):
        status, headers, body = _request(url, headers={"Accept": "text/turtle"})
        assert status == 200 and headers["Content-Type"].startswith("text/turtle")
        graph = Graph().parse(data=body, format="turtle")
        sd = "http://www.w3.org/ns/sparql-service-description#"
        services = list(graph.subjects(predicate=None, object=None))
        assert services
        assert (None, None, None) in graph
        assert any(str(o) == sd + "Service" for o in graph.objects())
        assert any(str(o) == "http://www.w3.org/ns/formats/SPARQL_Results_JSON" for o in graph.objects())


def test_query_page_is_offline_and_safe(server):
    status, headers, body = _request(server.base, headers={"Accept": "text/html"})
    page = body.decode("utf-8")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "external resource in the page"
    assert "innerHTML" not in page and "textContent" in page
    assert "script-src 'self' 'sha256-" in headers["Content-Security-Policy"]
    config = json.loads(re.search(r'<script type="application/json" id="cckg-config">(.*?)</script>', page, re.S)[1])
    examples = config["examples"]
    assert len(examples) >= 15 and all(e["query"].strip() for e in examples)


def test_graph_view_is_served(server):
    status, _, body = _request(server.base + "graph.html")
    assert status == 200 and b"graph view" in body


def test_no_cors_unless_configured(server, oxstore):
    _, headers, _ = _post_query(server.sparql, "ASK {}")
    assert not any(h.lower().startswith("access-control-") for h in headers)
    srv = _Server(oxstore, cors="https://example.org")
    try:
        _, headers, _ = _post_query(srv.sparql, "ASK {}")
        assert headers["Access-Control-Allow-Origin"] == "https://example.org"
    finally:
        srv.close()


# --- refusals: nothing leaves the machine


class _Listener:
    """A throwaway HTTP server on loopback that counts every request it receives."""

    def __init__(self):
        self.hits: list[str] = []
        hits = self.hits

        class Count(BaseHTTPRequestHandler):
            def _hit(self):
                hits.append(f"{self.command} {self.path}")
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.end_headers()
                self.wfile.write(b'{"head":{"vars":[]},"results":{"bindings":[{}]}}')

            do_GET = do_POST = _hit

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Count)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d/x" % self.httpd.server_address[1]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def listener():
    found = _Listener()
    yield found
    found.close()


REFUSED_QUERIES = {
    "service": ("SELECT * WHERE {{ SERVICE <{u}> {{ ?s ?p ?o }} }}", 400),
    "service-silent": ("SELECT * WHERE {{ SERVICE SILENT <{u}> {{ ?s ?p ?o }} }}", 400),
    "service-var": ("SELECT * WHERE {{ VALUES ?e {{ <{u}> }} SERVICE ?e {{ ?s ?p ?o }} }}", 400),
    "service-in-optional": ("SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ SERVICE <{u}> {{ ?s ?p ?o }} }} }} LIMIT 1", 400),
    "service-in-subquery": ("SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{u}> {{ ?s ?p ?o }} }} }} }}", 400),
    "service-in-exists": ("ASK {{ FILTER EXISTS {{ SERVICE <{u}> {{ ?s ?p ?o }} }} }}", 400),
    # FROM names a graph of this store (Oxigraph never fetches one): an outside IRI matches nothing.
    "from": ("SELECT * FROM <{u}> WHERE {{ ?s ?p ?o }}", 200),
    "from-named": ("SELECT * FROM NAMED <{u}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", 200),
    "load": ("LOAD <{u}>", 403),
    "insert": ("INSERT DATA {{ <{u}> <{u}> <{u}> }}", 403),
    "drop": ("DROP ALL", 403),
}


@pytest.mark.parametrize("name", sorted(REFUSED_QUERIES))
def test_refused_queries_make_no_outbound_request(server, listener, name):
    template, expected = REFUSED_QUERIES[name]
    text = template.format(u=listener.url)
    for status, _, body in (
        _post_query(server.sparql, text),
        _request(server.sparql + "?" + urllib.parse.urlencode({"query": text})),
        _request(server.sparql, data=urllib.parse.urlencode({"query": text}).encode(),
                 headers={"Content-Type": "application/x-www-form-urlencoded"}),
    ):
        assert status == expected, body
        if status == 200:
            assert json.loads(body)["results"]["bindings"] == []
        else:
            assert json.loads(body)["error"]
    time.sleep(0.2)
    assert listener.hits == []


def test_update_requests_and_dataset_parameters_are_refused(server, listener):
    update = f"LOAD <{listener.url}>"
    answers = [
        _request(server.sparql, data=urllib.parse.urlencode({"update": update}).encode(),
                 headers={"Content-Type": "application/x-www-form-urlencoded"}),
        _request(server.sparql, data=update.encode(), headers={"Content-Type": "application/sparql-update"}),
        _request(server.sparql + "?" + urllib.parse.urlencode({"update": update})),
        _request(server.sparql + "?" + urllib.parse.urlencode({"query": "ASK {}", "default-graph-uri": listener.url})),
        _request(server.sparql + "?" + urllib.parse.urlencode({"query": "ASK {}", "named-graph-uri": listener.url})),
        _request(server.sparql, data=b"<a> <b> <c> .", method="PUT", headers={"Content-Type": "text/turtle"}),
    ]
    assert [a[0] for a in answers] == [403, 403, 403, 400, 400, 405]
    time.sleep(0.2)
    assert listener.hits == []


def test_listener_counts_requests(listener):
    """The proof above is only as good as the listener: it does see a request sent to it."""
    _request(listener.url)
    assert listener.hits == ["GET /x"]


# --- limits


def test_time_limit_answers_503_and_the_server_stays_responsive(oxstore):
    srv = _Server(oxstore, timeout=1.0, max_rows=10**9)
    try:
        started = time.monotonic()
        status, _, body = _post_query(srv.sparql, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
        elapsed = time.monotonic() - started
        assert status == 503 and "time limit" in json.loads(body)["error"]
        assert elapsed < 5, elapsed
        status, _, body = _post_query(srv.sparql, "ASK { ?s ?p ?o }")
        assert status == 200 and json.loads(body)["boolean"] is True
    finally:
        srv.close()


def test_row_cap_answers_413_never_a_cut_200(oxstore):
    srv = _Server(oxstore, max_rows=5)
    try:
        status, _, body = _post_query(srv.sparql, "SELECT * WHERE { ?s ?p ?o }")
        assert status == 413 and "5 rows" in json.loads(body)["error"]
        status, _, body = _post_query(srv.sparql, "CONSTRUCT WHERE { ?s ?p ?o }", accept="text/turtle")
        assert status == 413
        status, _, body = _post_query(srv.sparql, "SELECT * WHERE { ?s ?p ?o } LIMIT 5")
        assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 5
    finally:
        srv.close()


def test_eight_concurrent_clients_fifty_queries_each(server, oxstore):
    expected = results.to_json(stores.run(oxstore, PARTICIPANTS), indent=None)  # the endpoint writes one line
    queries = [PARTICIPANTS, "ASK { ?s ?p ?o }", CONSTRUCT]

    def client(n: int) -> list[str]:
        errors = []
        for i in range(50):
            text = queries[(n + i) % len(queries)]
            accept = "text/turtle" if text is CONSTRUCT else "application/sparql-results+json"
            status, _, body = _post_query(server.sparql, text, accept=accept)
            if status != 200:
                errors.append(f"{status} {body[:100]!r}")
            elif text is PARTICIPANTS and body != expected:
                errors.append("different answer")
        return errors

    with ThreadPoolExecutor(max_workers=8) as pool:
        errors = [e for found in pool.map(client, range(8)) for e in found]
    assert errors == []


# --- the full-text index behind the endpoint


@pytest.mark.parametrize("name, variable, value", [("statements-by-phrase", "phrase", "health community"),
                                                   ("name-lookup", "name", "Meledov")])
def test_searches_bound_in_the_text_ask_the_index_and_answer_as_plain_sparql(server, oxstore, name, variable,
                                                                            value):
    """A phrase or name search sent with its words inline (as every SPARQL client binds them) is answered through
    the full-text index the endpoint writes beside its workers' data: the same rows as the plain query."""
    from rdflib import Literal

    from graph.store import fulltext, library, sparql

    data = server.httpd.sparql.data
    index = fulltext.index_path(data)
    assert index.is_file()
    text = sparql.bind_inline(sparql.prepare(library.find(name).text)[0], {variable: Literal(value)})
    worker_like = stores.OxigraphStore(oxstore.store, origin=str(data))
    assert fulltext.attach(worker_like, index)
    assert "VALUES ?exact {" in fulltext.prepare(worker_like, text, None) or \
        "VALUES ?spelling {" in fulltext.prepare(worker_like, text, None)
    plain = stores.run(stores.OxigraphStore(oxstore.store, origin="plain", fulltext=False), text)
    status, _, body = _post_query(server.sparql, text)
    assert status == 200
    bindings = json.loads(body)["results"]["bindings"]
    columns = plain.variables
    got = [tuple(b[c]["value"] if c in b else None for c in columns) for b in bindings]
    assert got == [tuple(None if t is None else str(t) for t in row) for row in plain.rows]
    assert got  # the example finds something on the real graph


def test_the_index_goes_with_the_workers_data(oxstore, tmp_path_factory):
    from graph.store import fulltext

    srv = EndpointServer(oxstore)
    data = srv.httpd.sparql.data
    assert data.is_file() and fulltext.index_path(data).is_file()
    srv.close()
    assert not data.exists() and not fulltext.index_path(data).exists()
