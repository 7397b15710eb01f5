"""The endpoint's downloads: the read-only SPARQL 1.1 Graph Store HTTP Protocol GET at /data
(https://www.w3.org/TR/sparql11-http-rdf-update/: `?default`, `?graph=IRI`, neither = the whole dataset) and the dump
at /dump.nq (also /dump.nq.gz), declared as void:dataDump in the service description.

A graph is read by a query worker like any query (a fixed CONSTRUCT over the graph the server has checked is one of
its own: an unknown graph is 404 before any worker is asked), so the worker's limits hold: a graph with more triples
than --max-rows is 413, and the answer names the dump. The dump is the N-Quads of the dataset the server serves
(its named graphs; the default graph is their union, as the service description says; a store with no named graph
is dumped as its default graph), written once at start with its lines sorted (the same bytes for the same data),
with a gzip copy; TriG is made from it when first asked for. Nothing here runs a client's text.
"""

from __future__ import annotations

import gzip
import os
import tempfile
import threading
from pathlib import Path

from rdflib import Namespace, URIRef
from rdflib.namespace import RDF

from graph.serve import formats

#: Where the Graph Store Protocol GET and the dump live.
GSP_PATH = "/data"
DUMP_PATH = "/dump.nq"
DUMP_GZ_PATH = "/dump.nq.gz"

VOID = Namespace("http://rdfs.org/ns/void#")
DCTERMS = Namespace("http://purl.org/dc/terms/")


class Dump:
    """The dataset's N-Quads (sorted lines) and their gzip in two temporary files; close() deletes them."""

    def __init__(self, store):
        import pyoxigraph as ox

        named = [q for q in store.quads_for_pattern(None, None, None, None) if not isinstance(q.graph_name,
                                                                                             ox.DefaultGraph)]
        quads = named or list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        text = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
        data = b"".join(sorted({line + b"\n" for line in text.splitlines() if line.strip()}))
        self.quads = len(quads)
        self.path = _temporary(data, ".nq")
        self.gz_path = _temporary(gzip.compress(data, compresslevel=9, mtime=0), ".nq.gz")
        self._trig: bytes | None = None
        self._lock = threading.Lock()

    def nquads(self) -> bytes:
        return self.path.read_bytes()

    def gzipped(self) -> bytes:
        return self.gz_path.read_bytes()

    def trig(self) -> bytes:
        """The same dataset as TriG (made once, on first use)."""
        with self._lock:
            if self._trig is None:
                import pyoxigraph as ox

                from graph.namespaces import PREFIXES

                quads = list(ox.parse(path=str(self.path), format=ox.RdfFormat.N_QUADS))
                self._trig = ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=dict(sorted(PREFIXES.items())))
            return self._trig

    def close(self) -> None:
        self.path.unlink(missing_ok=True)
        self.gz_path.unlink(missing_ok=True)


def _temporary(data: bytes, suffix: str) -> Path:
    handle, name = tempfile.mkstemp(prefix="cckg-endpoint-dump-", suffix=suffix)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    return Path(name)


class Request:
    """What a GET on /data asks for: a graph query to run (`query`), the whole dataset (`dataset`), or an error."""

    def __init__(self, *, query: str | None = None, dataset: bool = False, status: int = 200, error: str = ""):
        self.query, self.dataset, self.status, self.error = query, dataset, status, error


def read_request(params: dict[str, list[str]], graphs: list[URIRef]) -> Request:
    """The Graph Store Protocol request in `params`, checked against the store's named graphs."""
    wanted = params.get("graph", [])
    if "default" in params and wanted:
        return Request(status=400, error="give either ?default or ?graph=IRI, not both")
    if len(wanted) > 1:
        return Request(status=400, error="give one ?graph=IRI")
    if "default" in params:
        return Request(query="CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    if wanted:
        iri = wanted[0]
        if URIRef(iri) not in set(graphs):  # only a graph of this store: its IRI is then safe inside <…>
            return Request(status=404, error=f"no such graph in this store: {iri[:200]}")
        return Request(query=f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
    return Request(dataset=True)


def too_big(max_rows: int) -> str:
    return (f"the graph has more than {max_rows} triples, the most this endpoint returns (--max-rows); download "
            f"everything from {DUMP_PATH}")


def describe(base: str, service: URIRef, dataset: URIRef) -> list[tuple]:
    """Triples for the service description: the dataset as a void:Dataset with its dump and endpoint, the Graph
    Store Protocol URL, and every format the endpoint writes."""
    from rdflib import Literal

    formats_ns = Namespace("http://www.w3.org/ns/formats/")
    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    triples = [
        (dataset, RDF.type, VOID.Dataset),
        (dataset, VOID.dataDump, URIRef(base + DUMP_PATH.lstrip("/"))),
        (dataset, VOID.sparqlEndpoint, URIRef(base + "sparql")),
        (URIRef(base + DUMP_PATH.lstrip("/")), DCTERMS["format"], Literal("application/n-quads")),
        (service, sd.endpoint, URIRef(base + "query")),
        (URIRef(base + GSP_PATH.lstrip("/")), DCTERMS.description,
         Literal("Read-only SPARQL 1.1 Graph Store HTTP Protocol: GET ?default, ?graph=IRI, or neither for the "
                 "whole dataset", lang="en")),
    ]
    triples += [(service, sd.resultFormat, formats_ns[name]) for name in formats.SD_FORMATS]
    return triples


__all__ = ["DUMP_GZ_PATH", "DUMP_PATH", "GSP_PATH", "Dump", "Request", "describe", "read_request", "too_big"]
