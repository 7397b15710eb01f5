"""The read-only SPARQL endpoint: the SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/) over the
graph, with a service description and an offline query page, on the standard library's ThreadingHTTPServer.

Every query runs in a worker process (graph.workers), never in the server: the worker parses it with the engine
that runs it (Oxigraph), under a memory cap (`max_memory` MB, RLIMIT_AS) and with no network at all (a seccomp
filter: graph.sandbox). The server waits for the answer until the deadline (`timeout` s, parsing included; the
wait for a free worker is bounded by `queue_timeout`) and kills the worker past it; the worker is replaced in the
background. So: SERVICE (and LOAD, tried as an update) end the worker the moment it asks for a socket (400 / 403,
before any connection), updates get 403, a query past the deadline 503, past the memory cap 413, past the row cap
413, all with a JSON error body — never a silently cut 200. FROM / FROM NAMED name graphs of this store (Oxigraph
never fetches them); the protocol's default-graph-uri / named-graph-uri parameters are refused (400).

The HTTP layer: a body needs a valid Content-Length (411 without one, 400 if invalid or negative, 413 over
MAX_BODY); the request line and headers are capped (414 / 431); a connection has `read_timeout` s to send its whole
request (head and body; also the idle wait between requests), at most `max_connections` are served at once (503
beyond), the listen backlog is sized for the worker pool; no traceback reaches a client. Every answer carries a
Content-Security-Policy. No CORS headers unless configured.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import time
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from graph.serve import formats, gsp, page as yasgui
from graph.serve.connections import (  # noqa: F401 - the limits' defaults, named here for the command line
    DEFAULT_MAX_CONNECTIONS, DEFAULT_READ_TIMEOUT, MAX_HEAD, Server, _HeadReader, parse_query,
)
from graph.serve.formats import GRAPH_TYPES, SOLUTION_TYPES, best_match
from graph.serve.service import (  # noqa: F401 - as above
    DEFAULT_MAX_MEMORY, DEFAULT_MAX_ROWS, DEFAULT_QUEUE_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_WORKERS, MAX_QUERY_LENGTH,
    Service,
)
from graph.store.engines import OxigraphStore

MAX_BODY = 1_000_000

#: The policy of every answer but the two pages (JSON, results, errors: nothing to run, nothing to load).
STRICT_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

#: The query routes: /sparql and its alias /query (Fuseki's name).
QUERY_PATHS = ("/sparql", "/query")


def make_server(store: OxigraphStore, *, host: str = "127.0.0.1", port: int = 0, timeout: float = DEFAULT_TIMEOUT,
                max_rows: int = DEFAULT_MAX_ROWS, cors: str | None = None, graph_html: Path | None = None,
                workers: int = DEFAULT_WORKERS, queue_timeout: float = DEFAULT_QUEUE_TIMEOUT,
                max_memory: int = DEFAULT_MAX_MEMORY,
                read_timeout: float = DEFAULT_READ_TIMEOUT, max_connections: int = DEFAULT_MAX_CONNECTIONS,
                log: bool = False) -> Server:
    """A server ready for serve_forever(); port 0 picks a free port (see server.server_address). It starts
    `workers` query processes, each loading the store: server_close() stops them."""
    service = Service(store, timeout=timeout, max_rows=max_rows, cors=cors, graph_html=graph_html,
                      workers=workers, queue_timeout=queue_timeout, max_memory=max_memory, log=log)
    try:
        return Server((host, port), service, Handler, read_timeout=read_timeout, max_connections=max_connections)
    except BaseException:
        service.close()
        raise


class Handler(BaseHTTPRequestHandler):
    """One connection: the SPARQL 1.1 Protocol's routes, the limits on reading a request, the answers."""

    server_version = "cckg-sparql"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    read_deadline: float | None = None

    @property
    def service(self) -> Service:
        return self.server.sparql  # type: ignore[attr-defined]

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        if self.service.log:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    # --- the connection: limits on reading a request, no traceback to the client

    def setup(self) -> None:
        self.timeout = self.server.read_timeout  # each read; the watchdog bounds the whole request
        super().setup()
        # Answers go out at once: with Nagle's algorithm on, a small answer on a keep-alive connection waits for
        # the client's delayed ACK of the previous one (40 ms on Linux).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rfile = _HeadReader(self.rfile)
        with self.server.handlers_lock:
            self.server.handlers.add(self)

    def finish(self) -> None:
        with self.server.handlers_lock:
            self.server.handlers.discard(self)
        try:
            super().finish()
        except OSError:
            pass

    def handle_one_request(self) -> None:
        self.rfile.budget = MAX_HEAD
        self.read_deadline = time.monotonic() + self.server.read_timeout
        self._sent = False
        try:
            super().handle_one_request()
        except (OSError, ValueError):  # the client went away or the watchdog cut a slow request
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001 - a bug must not hand the client a traceback
            self.close_connection = True
            if self.service.log:
                sys.stderr.write(f"{self.address_string()} - internal error: {type(exc).__name__}: {exc}\n")
            if not self._sent:
                try:
                    self._error(500, "internal error")
                except OSError:
                    pass
        finally:
            self.read_deadline = None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a bad request line, 414, 431, 501) as JSON errors; the connection closes."""
        self.close_connection = True
        self._error(code, message or HTTPStatus(code).phrase)

    # --- routing

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.read_deadline = None
        url = urllib.parse.urlsplit(self.path)
        params = parse_query(url.query)
        if url.path == "/":
            if self._prefers_html():
                return self._send(200, self.service.page.encode("utf-8"), "text/html; charset=utf-8",
                                  {"Content-Security-Policy": self.service.page_csp})
            return self._description()
        if url.path == "/graph.html":
            view = self.service.graph_view()
            if view is not None:
                return self._send(200, view[0], "text/html; charset=utf-8", {"Content-Security-Policy": view[1]})
            return self._error(404, "the graph view has not been built (dist/graph.html)")
        if url.path.startswith(yasgui.STATIC_PREFIX):
            found = yasgui.static_file(url.path)
            if found is None:
                return self._error(404, f"no such resource: {url.path}")
            return self._send(200, found[0], found[1])
        if url.path in (gsp.GSP_PATH, gsp.DUMP_PATH, gsp.DUMP_GZ_PATH):
            return self._download(url.path, params)
        if url.path not in QUERY_PATHS:
            return self._error(404, f"no such resource: {url.path}")
        if "update" in params:
            return self._error(403, "updates are not allowed: this endpoint is read-only")
        if "query" not in params:
            return self._description()
        return self._query(params["query"], params)

    do_HEAD = do_GET  # noqa: N815 - the same answer without its body (_send writes none for HEAD)

    def do_POST(self) -> None:  # noqa: N802
        url = urllib.parse.urlsplit(self.path)
        body = self._read_body()
        self.read_deadline = None
        if body is None:
            return
        if url.path not in QUERY_PATHS:
            return self._error(404 if url.path not in ("/", gsp.GSP_PATH) else 405,
                               f"POST {url.path}: use /sparql (this endpoint is read-only)")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        params = parse_query(url.query)
        if ctype == "application/sparql-update":
            return self._error(403, "updates are not allowed: this endpoint is read-only")
        if ctype == "application/sparql-query":
            return self._query([body], params)
        if ctype == "application/x-www-form-urlencoded":
            form = parse_query(body)
            if "update" in form or "update" in params:
                return self._error(403, "updates are not allowed: this endpoint is read-only")
            merged = {**params, **form}
            if "query" not in merged:
                return self._error(400, "no query parameter in the form")
            return self._query(merged["query"], merged)
        return self._error(415, "POST a query as application/sparql-query or application/x-www-form-urlencoded")

    def _read_body(self) -> str | None:
        """The request body as text, or None after answering why not (the connection then closes: what the client
        sent after the head is not read)."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self._error(411, "send the body with a Content-Length (chunked transfer encoding is not accepted)")
            return None
        values = self.headers.get_all("Content-Length") or []
        if not values:
            self.close_connection = True
            self._error(411, "a request body needs a Content-Length header")
            return None
        if len(set(values)) != 1 or not re.fullmatch(r"[0-9]{1,15}", values[0].strip()):
            self.close_connection = True
            self._error(400, f"invalid Content-Length {values[0][:40]!r}: expected one non-negative integer")
            return None
        length = int(values[0])
        if length > MAX_BODY:
            self.close_connection = True
            self._error(413, f"the request body is larger than {MAX_BODY} bytes")
            return None
        data = self.rfile.read(length)
        if len(data) != length:
            raise ConnectionError("the request body ended early")
        return data.decode("utf-8", "replace")

    def do_OPTIONS(self) -> None:  # noqa: N802
        if not self.service.cors:
            return self._error(405, "CORS is not enabled on this endpoint")
        self._send(204, b"", None, {"Access-Control-Allow-Methods": "GET, HEAD, POST, OPTIONS",
                                     "Access-Control-Allow-Headers": "Content-Type, Accept",
                                     "Access-Control-Max-Age": "600"})

    def _refuse_method(self) -> None:
        self.close_connection = True
        self._error(405, f"{self.command} is not allowed: this endpoint is read-only")

    do_PUT = do_DELETE = do_PATCH = _refuse_method  # noqa: N815

    # --- answers

    def _query(self, texts: list[str], params: dict[str, list[str]]) -> None:
        if len(texts) != 1:
            return self._error(400, "exactly one query parameter is required")
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            return self._error(400, "default-graph-uri and named-graph-uri are not allowed: queries run on this "
                                    "endpoint's own graph")
        solution = self._negotiate(False, params)
        graph = self._negotiate(True, params)
        answer = self.service.run(texts[0], solution_format=solution and solution[1], graph_format=graph and graph[1])
        if answer.status != 200:
            return self._error(answer.status, answer.error or HTTPStatus(answer.status).phrase)
        media = (graph if answer.media in formats.GRAPH_FORMATS.values() else solution) or (answer.media, "")
        self._send(200, answer.body, formats.content_type(media[0]))

    def _download(self, path: str, params: dict[str, list[str]]) -> None:
        """A Graph Store Protocol GET on /data, or the dump (graph.endpoint_gsp)."""
        dump = self.service.dump
        if path == gsp.DUMP_GZ_PATH:
            return self._send(200, dump.gzipped(), "application/gzip", encoded=True)
        request = gsp.read_request(params, self.service.graphs) if path == gsp.GSP_PATH else gsp.Request(dataset=True)
        if request.status != 200:
            return self._error(request.status, request.error)
        if request.dataset:  # /dump.nq is always N-Quads; /data negotiates N-Quads or TriG
            fmt = (formats.negotiate(self.headers.get("Accept"), formats.DATASET_TYPES) if path == gsp.GSP_PATH
                   else ("application/n-quads", "nq"))
            if fmt is None:
                return self._error(406, f"the dataset is available as {', '.join(formats.DATASET_TYPES)}")
            if fmt[1] == "nq" and formats.wants_gzip(self.headers.get("Accept-Encoding")):
                return self._send(200, dump.gzipped(), formats.content_type(fmt[0]), {"Content-Encoding": "gzip"},
                                  encoded=True)
            return self._send(200, dump.nquads() if fmt[1] == "nq" else dump.trig(), formats.content_type(fmt[0]))
        fmt = formats.negotiate(self.headers.get("Accept"), GRAPH_TYPES, params, formats.GRAPH_PARAMS)
        if fmt is None:
            return self._error(406, f"a graph is available as {', '.join(GRAPH_TYPES)}")
        answer = self.service.run(request.query, solution_format=None, graph_format=fmt[1])
        if answer.status == 413:
            return self._error(413, gsp.too_big(self.service.max_rows))
        if answer.status != 200:
            return self._error(answer.status, answer.error or HTTPStatus(answer.status).phrase)
        self._send(200, answer.body, formats.content_type(fmt[0]))

    def _description(self) -> None:
        host, port = self.server.server_address[:2]
        result = self.service.description(f"http://{host}:{port}/")
        fmt = self._negotiate(True, {})
        if fmt is None:
            return self._error(406, f"the service description is available as {', '.join(GRAPH_TYPES)}")
        self._send(200, formats.serialize(result, fmt[1]), formats.content_type(fmt[0]))

    def _negotiate(self, graph: bool, params: dict[str, list[str]]) -> tuple[str, str] | None:
        """(media type, format name) for the Accept header, a format=/output= parameter winning if known."""
        if graph:
            return formats.negotiate(self.headers.get("Accept"), GRAPH_TYPES, params, formats.GRAPH_PARAMS)
        return formats.negotiate(self.headers.get("Accept"), SOLUTION_TYPES, params, formats.SOLUTION_PARAMS)

    def _prefers_html(self) -> bool:
        accept = self.headers.get("Accept") or "text/html"
        return best_match(accept, ["text/html", *GRAPH_TYPES]) in ("text/html", None)

    def _error(self, status: int, message: str) -> None:
        body = json.dumps({"error": message, "status": status}, ensure_ascii=False).encode("utf-8") + b"\n"
        self._send(status, body, "application/json; charset=utf-8")

    def _send(self, status: int, body: bytes, ctype: str | None, headers: dict[str, str] | None = None, *,
              encoded: bool = False) -> None:
        """Send the answer (gzip when the client accepts it, unless `encoded` already); HEAD gets no body."""
        self._sent = True
        headers = {"Content-Security-Policy": STRICT_CSP, **(headers or {})}
        if not encoded:
            body, coding = formats.encode(body, (getattr(self, "headers", None) or {}).get("Accept-Encoding"))
            headers.update(coding)
        self.send_response(status, HTTPStatus(status).phrase)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        if self.close_connection:
            self.send_header("Connection", "close")
        if self.service.cors:
            self.send_header("Access-Control-Allow-Origin", self.service.cors)
        self.send_header("Vary", "Origin, Accept, Accept-Encoding" if self.service.cors else "Accept, Accept-Encoding")
        for key, value in headers.items():
            self.send_header(key, value)
        # The head and the body in one write (one segment for a small answer), not end_headers() then a second.
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(body)
        self.flush_headers()
