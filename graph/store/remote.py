"""Remote SPARQL servers: loading the graph through the SPARQL 1.1 Graph Store HTTP Protocol
(https://www.w3.org/TR/sparql11-http-rdf-update/) and querying through the SPARQL 1.1 Protocol
(https://www.w3.org/TR/sparql11-protocol/), with urllib and a timeout.

`push` PUTs each named graph of the build — one per source document, plus the ontology — to
`<store URL>?graph=<graph IRI>`, which replaces that graph on the server, and the union of them all (each triple
once) to `<store URL>?default`, so that queries without GRAPH see the whole graph on any server, with set semantics.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef

from graph.store import sparql
from graph.errors import UsageError
from graph.store.results import Result

USER_AGENT = "cckg (python build.py)"


@dataclass(frozen=True)
class Pushed:
    graph: URIRef | None  # None: the default graph
    triples: int
    status: int


def graph_payloads(build) -> list[tuple[URIRef, bytes]]:
    """(graph IRI, sorted N-Triples) for the ontology and each source document's graph."""
    return [(URIRef(name), chunk) for name, chunk in build.loaded.graphs()]


def push(build, endpoint: str, *, timeout: float = 60.0) -> list[Pushed]:
    """PUT every graph of the build to the Graph Store `endpoint`, then their union to its default graph; raise
    UsageError on the first failure. Returns what was sent (graph None = the default graph)."""
    _check_url(endpoint)
    done = []
    payloads = [*graph_payloads(build), (None, build.loaded.union_ntriples())]
    for graph, payload in payloads:
        query = urllib.parse.urlencode({"graph": str(graph)}) if graph is not None else "default"
        url = _with_query(endpoint, query)
        request = urllib.request.Request(url, data=payload, method="PUT", headers={
            "Content-Type": "application/n-triples", "User-Agent": USER_AGENT})
        status = _send(request, timeout)[0]
        done.append(Pushed(graph, payload.count(b"\n"), status))
    return done


def query(endpoint: str, text: str, *, params: dict | None = None, timeout: float = 60.0) -> Result:
    """Run `text` on a SPARQL endpoint (POST, form-encoded). Parameters are bound by a VALUES block at the start
    of the WHERE group (graph.sparql.bind_inline), since the protocol has no pre-bound variables."""
    _check_url(endpoint)
    info = sparql.inspect(text)
    text = sparql.bind_inline(text, params or {})
    accept = "application/n-triples" if info.is_graph else "application/sparql-results+json"
    body = urllib.parse.urlencode({"query": text}).encode("utf-8")
    request = urllib.request.Request(endpoint, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": accept, "User-Agent": USER_AGENT})
    _, payload = _send(request, timeout)
    if info.is_graph:
        graph = Graph()
        graph.parse(data=payload.decode("utf-8"), format="nt")
        return Result(info.form, triples=list(graph))
    return parse_json_results(payload, form=info.form)


def parse_json_results(payload: bytes, *, form: str) -> Result:
    """SPARQL 1.1 Query Results JSON → Result."""
    doc = json.loads(payload)
    if "boolean" in doc:
        return Result("ask", boolean=bool(doc["boolean"]))
    variables = doc["head"].get("vars", [])
    rows = [tuple(_term(b.get(v)) for v in variables) for b in doc["results"]["bindings"]]
    return Result(form, variables=variables, rows=rows)


def _term(binding: dict | None):
    if binding is None:
        return None
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if "xml:lang" in binding:
        return Literal(value, lang=binding["xml:lang"])
    datatype = binding.get("datatype")
    return Literal(value, datatype=URIRef(datatype) if datatype else None, normalize=False)


def _send(request: urllib.request.Request, timeout: float) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) checked
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode("utf-8", "replace").strip()
        raise UsageError(f"{request.get_method()} {request.full_url}: HTTP {exc.code} {exc.reason}: {detail}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UsageError(f"{request.get_method()} {request.full_url}: {reason}") from None


def _check_url(url: str) -> None:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise UsageError(f"{url}: an http(s) URL is required")


def _with_query(url: str, extra: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = "&".join(filter(None, [parts.query, extra]))
    return urllib.parse.urlunsplit(parts._replace(query=query))
