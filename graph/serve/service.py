"""The endpoint's state: the pool of query workers (graph.serve.workers) and its limits, the query page, the graph
view's page and policy, the Graph Store dump, and the SPARQL 1.1 Service Description."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import RDF

from graph.serve import gsp, page as yasgui
from graph.serve.workers import Answer, Pool, remove_data, write_data
from graph.store import library, sparql
from graph.store.engines import OxigraphStore
from graph.store.results import Result

#: The longest query accepted (characters).
MAX_QUERY_LENGTH = sparql.MAX_QUERY_LENGTH

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


DEFAULT_TIMEOUT = 30.0
DEFAULT_QUEUE_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 10_000
DEFAULT_WORKERS = 8
DEFAULT_MAX_MEMORY = 1024  # MB per query worker


class Service:
    """The endpoint's state: the worker pool, the limits, the query page and the service description."""

    def __init__(self, store: OxigraphStore, *, timeout: float, max_rows: int, cors: str | None,
                 graph_html: Path | None, workers: int, queue_timeout: float, max_memory: int, log: bool):
        self.timeout, self.max_rows, self.cors = timeout, max_rows, cors
        self.graph_html, self.log, self.workers, self.max_memory = graph_html, log, workers, max_memory
        self.graphs = store.graphs()
        examples = [{"name": q.name, "title": q.title, "question": q.question, "query": q.text}
                    for q in library.load("cq")]
        self.page, script = yasgui.render_page(examples, sparql.KNOWN_PREFIXES, graph_view=graph_html is not None)
        self.page_csp = yasgui.page_policy(_hash_source(script.encode("utf-8")))
        self._view: tuple[tuple[int, int], bytes, str] | None = None
        self.dump = gsp.Dump(store.store)
        self.data = workers_data = write_data(store.store)
        try:
            self.pool = Pool(workers_data, size=workers, timeout=timeout, queue_timeout=queue_timeout,
                             max_memory=max_memory, max_rows=max_rows, log=log)
        except BaseException:
            remove_data(workers_data)
            self.dump.close()
            raise

    def run(self, text: str, *, solution_format: str | None, graph_format: str | None) -> Answer:
        if len(text) > MAX_QUERY_LENGTH:
            return Answer(413, error=f"the query is longer than {MAX_QUERY_LENGTH} characters")
        return self.pool.run(text, solution_format=solution_format, graph_format=graph_format)

    def graph_view(self) -> tuple[bytes, str] | None:
        """dist/graph.html and its policy: its own inline scripts (by hash), inline styles, data: images."""
        path = self.graph_html
        if path is None or not path.is_file():
            return None
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        if self._view is None or self._view[0] != key:
            body = path.read_bytes()
            hashes = " ".join(sorted({_hash_source(m.group(1)) for m in _INLINE_SCRIPT.finditer(body)})) or "'none'"
            csp = (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data:; "
                   "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
            self._view = (key, body, csp)
        return self._view[1], self._view[2]

    def description(self, base: str) -> Result:
        """The SPARQL 1.1 Service Description of this endpoint, as triples."""
        endpoint = URIRef(base + "sparql")
        dataset = URIRef(base + "sparql#dataset")
        triples = [
            (endpoint, RDF.type, SD.Service),
            (endpoint, SD.endpoint, endpoint),
            (endpoint, SD.supportedLanguage, SD.SPARQL11Query),
            (endpoint, SD.feature, SD.UnionDefaultGraph),
            (endpoint, SD.defaultDataset, dataset),
            (dataset, RDF.type, SD.Dataset),
        ]
        triples += gsp.describe(base, endpoint, dataset)
        for graph in self.graphs:
            node = URIRef(f"{base}sparql#graph-{len(triples)}")
            triples += [(dataset, SD.namedGraph, node), (node, RDF.type, SD.NamedGraph), (node, SD.name, graph)]
        triples.append((endpoint, URIRef("http://purl.org/dc/terms/description"),
                        Literal("Read-only SPARQL endpoint of the China–Central Asia knowledge graph; the default "
                                "graph is the union of all graphs.", lang="en")))
        return Result("construct", triples=triples)

    def close(self) -> None:
        pool = getattr(self, "pool", None)
        if pool is not None:
            pool.close()
        remove_data(self.data)
        self.dump.close()


def _hash_source(code: bytes) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(code).digest()).decode()}'"
