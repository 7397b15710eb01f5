"""The read-only SPARQL endpoint: the SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/) over the
embedded Oxigraph store, with a service description and an offline query page, on the standard library's
ThreadingHTTPServer.

Safety: every query is parsed with rdflib's grammar before it runs (graph.sparql.inspect). Updates (and LOAD) are
refused with 403, SERVICE anywhere and FROM / FROM NAMED (and the protocol's default-graph-uri / named-graph-uri)
with 400 — before the engine sees the query, so no outbound request is ever made; queries the grammar cannot read
are refused too (fail closed). Each query runs in a worker thread with a deadline and a row cap: past the deadline
the client gets 503, over the cap 413, both with a JSON error body — never a silently cut 200. The worker stops at
the next row; a computation that yields no row before the deadline (a huge aggregate) finishes in the background
while holding one of the `workers` slots, so runaway queries cannot pile up. No CORS headers unless configured.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import RDF

from . import library, results, sparql
from .endpoint_page import render_page
from .output import fresh_graph
from .results import Result, RowLimitExceeded
from .store import Cancelled, OxigraphStore

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 10_000
DEFAULT_WORKERS = 8
MAX_BODY = 1_000_000

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")

#: Media types the endpoint writes, by result kind: media type -> results format name.
SOLUTION_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "ttl",
    "application/x-turtle": "ttl",
    "application/n-triples": "nt",
    "application/ld+json": "jsonld",
}
#: `format=` / `output=` parameter values some clients (SPARQLWrapper) send beside the Accept header.
FORMAT_PARAMS = {
    "json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv",
    "turtle": "ttl", "ttl": "ttl", "n-triples": "nt", "nt": "nt", "json-ld": "jsonld", "jsonld": "jsonld",
}
_SD_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
               "Turtle", "N-Triples", "JSON-LD")


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def make_server(store: OxigraphStore, *, host: str = "127.0.0.1", port: int = 0, timeout: float = DEFAULT_TIMEOUT,
                max_rows: int = DEFAULT_MAX_ROWS, cors: str | None = None, graph_html: Path | None = None,
                workers: int = DEFAULT_WORKERS, log: bool = False) -> ThreadingHTTPServer:
    """A server ready for serve_forever(); port 0 picks a free port (see server.server_address)."""
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    server.sparql = Service(store, timeout=timeout, max_rows=max_rows, cors=cors, graph_html=graph_html,
                            workers=workers, log=log)
    return server


class Service:
    """The endpoint's state: the store, the limits and the query page."""

    def __init__(self, store: OxigraphStore, *, timeout: float, max_rows: int, cors: str | None,
                 graph_html: Path | None, workers: int, log: bool):
        self.store, self.timeout, self.max_rows, self.cors = store, timeout, max_rows, cors
        self.graph_html, self.log = graph_html, log
        self.slots = threading.BoundedSemaphore(workers)
        examples = [{"name": q.name, "title": q.title, "question": q.question, "query": q.text}
                    for q in library.load("cq")]
        self.page, script = render_page(examples)
        digest = hashlib.sha256(script.encode("utf-8")).digest()
        import base64

        self.page_csp = ("default-src 'none'; style-src 'unsafe-inline'; connect-src 'self'; "
                         f"script-src 'sha256-{base64.b64encode(digest).decode()}'; form-action 'self'; "
                         "base-uri 'none'; frame-ancestors 'none'")

    def execute(self, text: str) -> tuple[Result, sparql.QueryInfo]:
        """Inspect, refuse or run one query within the time limit and the row cap."""
        try:
            info = sparql.inspect(text)
        except sparql.QueryError as exc:
            raise Refused(exc.status, str(exc)) from None
        if info.refusal:
            raise Refused(400, info.refusal)
        if not self.slots.acquire(timeout=self.timeout):
            raise Refused(503, f"the server is busy: no query slot freed within {self.timeout:g} s")
        outcome: dict[str, object] = {}
        cancel = threading.Event()

        def work() -> None:
            try:
                outcome["result"] = self.store.query(text, max_rows=self.max_rows, cancel=cancel)
            except BaseException as exc:  # noqa: BLE001 - handed to the request thread
                # Without its traceback: the frames hold Oxigraph's result iterator, which must be dropped
                # on the thread that made it.
                outcome["error"] = exc.with_traceback(None)
            finally:
                self.slots.release()

        worker = threading.Thread(target=work, name="sparql-query", daemon=True)
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive():
            cancel.set()
            raise Refused(503, f"the query did not finish within the time limit of {self.timeout:g} s")
        error = outcome.get("error")
        if isinstance(error, RowLimitExceeded):
            raise Refused(413, f"{error} (this endpoint returns at most {self.max_rows} rows)")
        if isinstance(error, sparql.QueryError):
            raise Refused(error.status, str(error))
        if isinstance(error, Cancelled):
            raise Refused(503, "the query was cancelled")
        if error is not None:
            raise Refused(500, f"the query failed: {error}")
        result = outcome["result"]
        return result.normalized(ordered=info.ordered), info

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
        triples += [(endpoint, SD.resultFormat, FORMATS[name]) for name in _SD_FORMATS]
        for graph in self.store.graphs():
            node = URIRef(f"{base}sparql#graph-{len(triples)}")
            triples += [(dataset, SD.namedGraph, node), (node, RDF.type, SD.NamedGraph), (node, SD.name, graph)]
        triples.append((endpoint, URIRef("http://purl.org/dc/terms/description"),
                        Literal("Read-only SPARQL endpoint of the China–Central Asia knowledge graph; the default "
                                "graph is the union of all graphs.", lang="en")))
        return Result("construct", triples=triples)


class Handler(BaseHTTPRequestHandler):
    server_version = "cckg-sparql"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    @property
    def service(self) -> Service:
        return self.server.sparql  # type: ignore[attr-defined]

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        if self.service.log:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    # --- routing

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        url = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if url.path == "/":
            if self._prefers_html():
                return self._send(200, self.service.page.encode("utf-8"), "text/html; charset=utf-8",
                                  {"Content-Security-Policy": self.service.page_csp})
            return self._description()
        if url.path == "/graph.html":
            path = self.service.graph_html
            if path is not None and path.is_file():
                return self._send(200, path.read_bytes(), "text/html; charset=utf-8")
            return self._error(404, "the graph view has not been built (dist/graph.html)")
        if url.path != "/sparql":
            return self._error(404, f"no such resource: {url.path}")
        if "update" in params:
            return self._error(403, "updates are not allowed: this endpoint is read-only")
        if "query" not in params:
            return self._description()
        return self._query(params["query"], params)

    def do_POST(self) -> None:  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/sparql":
            return self._error(404 if url.path != "/" else 405, f"POST {url.path}: use /sparql")
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self._error(413, f"the request body is larger than {MAX_BODY} bytes")
        body = self.rfile.read(length).decode("utf-8", "replace")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if ctype == "application/sparql-update":
            return self._error(403, "updates are not allowed: this endpoint is read-only")
        if ctype == "application/sparql-query":
            return self._query([body], params)
        if ctype == "application/x-www-form-urlencoded":
            form = urllib.parse.parse_qs(body, keep_blank_values=True)
            if "update" in form or "update" in params:
                return self._error(403, "updates are not allowed: this endpoint is read-only")
            merged = {**params, **form}
            if "query" not in merged:
                return self._error(400, "no query parameter in the form")
            return self._query(merged["query"], merged)
        return self._error(415, "POST a query as application/sparql-query or application/x-www-form-urlencoded")

    def do_OPTIONS(self) -> None:  # noqa: N802
        if not self.service.cors:
            return self._error(405, "CORS is not enabled on this endpoint")
        self._send(204, b"", None, {"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                                     "Access-Control-Allow-Headers": "Content-Type, Accept",
                                     "Access-Control-Max-Age": "600"})

    def _refuse_method(self) -> None:
        self._error(405, f"{self.command} is not allowed: this endpoint is read-only")

    do_PUT = do_DELETE = do_PATCH = _refuse_method  # noqa: N815

    # --- answers

    def _query(self, texts: list[str], params: dict[str, list[str]]) -> None:
        if len(texts) != 1:
            return self._error(400, "exactly one query parameter is required")
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            return self._error(400, "default-graph-uri and named-graph-uri are not allowed: queries run on this "
                                    "endpoint's own graph")
        try:
            result, info = self.service.execute(texts[0])
        except Refused as exc:
            return self._error(exc.status, str(exc))
        fmt = self._negotiate(info.is_graph, params)
        if fmt is None:
            kinds = GRAPH_TYPES if info.is_graph else SOLUTION_TYPES
            return self._error(406, f"cannot answer in the accepted media types; available: {', '.join(kinds)}")
        body = results.serialize(result, fmt[1])
        self._send(200, body, _with_charset(fmt[0]))

    def _description(self) -> None:
        host, port = self.server.server_address[:2]
        result = self.service.description(f"http://{host}:{port}/")
        fmt = self._negotiate(True, {})
        if fmt is None:
            return self._error(406, f"the service description is available as {', '.join(GRAPH_TYPES)}")
        self._send(200, results.serialize(result, fmt[1]), _with_charset(fmt[0]))

    def _negotiate(self, graph: bool, params: dict[str, list[str]]) -> tuple[str, str] | None:
        """(media type, format name) for the Accept header, a format=/output= parameter winning if known."""
        offered = GRAPH_TYPES if graph else SOLUTION_TYPES
        for key in ("format", "output"):
            for value in params.get(key, []):
                name = FORMAT_PARAMS.get(value.lower())
                if name in offered.values():
                    return next(t for t, n in offered.items() if n == name), name
        media = best_match(self.headers.get("Accept") or "*/*", list(offered))
        return (media, offered[media]) if media else None

    def _prefers_html(self) -> bool:
        accept = self.headers.get("Accept") or "text/html"
        return best_match(accept, ["text/html", *GRAPH_TYPES]) in ("text/html", None)

    def _error(self, status: int, message: str) -> None:
        body = json.dumps({"error": message, "status": status}, ensure_ascii=False).encode("utf-8") + b"\n"
        self._send(status, body, "application/json; charset=utf-8")

    def _send(self, status: int, body: bytes, ctype: str | None, headers: dict[str, str] | None = None) -> None:
        self.send_response(status, HTTPStatus(status).phrase)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        if self.service.cors:
            self.send_header("Access-Control-Allow-Origin", self.service.cors)
            self.send_header("Vary", "Origin")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _with_charset(media: str) -> str:
    return media if media.endswith("+json") or media == "application/json" else f"{media}; charset=utf-8"


def best_match(accept: str, offered: list[str]) -> str | None:
    """The offered media type the Accept header rates highest (q-values, then specificity, then our order)."""
    ranges = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        ranges.append((fields[0].lower(), q))
    best: tuple[float, int] | None = None
    choice = None
    for index, media in enumerate(offered):
        major = media.split("/")[0]
        matches = [(2 if pattern == media else 1 if pattern == f"{major}/*" else 0, q)
                   for pattern, q in ranges if pattern in (media, f"{major}/*", "*/*")]
        if not matches:
            continue
        q = max(matches)[1]  # the most specific range decides
        if q > 0 and (best is None or (q, -index) > best):
            best, choice = (q, -index), media
    return choice
