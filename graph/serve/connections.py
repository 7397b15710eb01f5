"""The endpoint's connections: a ThreadingHTTPServer with a listen backlog sized for the worker pool, a cap on
the connections served at once (503 beyond, before any request is read), and a watchdog that cuts a connection
slower than `read_timeout` to send its request; and the request head's size budget (431 past it)."""

from __future__ import annotations

import binascii
import http.client
import json
import re
import socket
import sys
import threading
import time
import urllib.parse
from http.server import ThreadingHTTPServer

DEFAULT_READ_TIMEOUT = 10.0
DEFAULT_MAX_CONNECTIONS = 256
#: Most bytes of request line and headers together (the request line alone: 64 KiB, as http.server allows).
MAX_HEAD = 65_536 + 16_384


class Server(ThreadingHTTPServer):
    """ThreadingHTTPServer with a backlog for the pool, a connection cap and a watchdog that cuts connections
    slower than `read_timeout` to send their request."""

    daemon_threads = True

    def __init__(self, address, service, handler, *, read_timeout: float, max_connections: int):
        self.sparql = service
        self.read_timeout, self.max_connections = read_timeout, max_connections
        # Room for every client the pool can serve and a good many waiting: a burst of connections queues in the
        # kernel instead of being reset.
        self.request_queue_size = max(128, 64 * service.workers)
        self.handlers: set = set()
        self.handlers_lock = threading.Lock()
        self._stopping = threading.Event()
        super().__init__(address, handler)
        threading.Thread(target=self._watch, name="endpoint-watchdog", daemon=True).start()

    def process_request(self, request, client_address) -> None:
        with self.handlers_lock:
            full = len(self.handlers) >= self.max_connections
        if full:
            try:
                body = json.dumps({"error": "too many connections; try again shortly", "status": 503}).encode()
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                                b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def _watch(self) -> None:
        while not self._stopping.wait(0.25):
            now = time.monotonic()
            with self.handlers_lock:
                late = [h for h in self.handlers if h.read_deadline is not None and h.read_deadline < now]
            for handler in late:
                handler.read_deadline = None
                try:
                    handler.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def handle_error(self, request, client_address) -> None:
        """A one-line note on the server's stderr (when logging); the client never sees a traceback."""
        if self.sparql.log:
            kind, value = sys.exc_info()[:2]
            sys.stderr.write(f"{client_address[0]} - error: {kind.__name__ if kind else '?'}: {value}\n")

    def server_close(self) -> None:
        self._stopping.set()
        super().server_close()
        self.sparql.close()


class _HeadReader:
    """The connection's input with a budget for the request line and headers: past it, the header being read is
    refused as too long (431), however slowly or in how many lines it comes."""

    def __init__(self, raw):
        self.raw = raw
        self.budget = MAX_HEAD

    def readline(self, size: int = -1) -> bytes:
        if self.budget <= 0:
            raise http.client.LineTooLong("the request line and headers are too long")
        limit = self.budget if size is None or size < 0 else min(size, self.budget)
        line = self.raw.readline(limit)
        self.budget -= len(line)
        return line

    def __getattr__(self, name):
        return getattr(self.raw, name)


def parse_query(query: str) -> dict[str, list[str]]:
    """urllib.parse.parse_qs(query, keep_blank_values=True), with the percent-decoding of an ASCII text done by
    binascii's C code (urllib decodes escape by escape in Python: a quarter of the server's time per request for a
    query sent in the URL)."""
    found: dict[str, list[str]] = {}
    for pair in query.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        found.setdefault(unquote(name.replace("+", " ")), []).append(unquote(value.replace("+", " ")))
    return found


#: A `%` that does not start an escape (urllib keeps it as it is).
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def unquote(text: str) -> str:
    """urllib.parse.unquote(text): an ASCII text whose every `%` starts an escape and that holds no `=` is decoded
    as quoted-printable (`%` read as `=`); anything else by urllib."""
    if "%" not in text:
        return text
    if text.isascii() and "=" not in text and _LONE_PERCENT.search(text) is None:
        return binascii.a2b_qp(text.replace("%", "=")).decode("utf-8", "replace")
    return urllib.parse.unquote(text)
