"""`python build.py serve`: the read-only SPARQL endpoint and its query page over the embedded store."""

from __future__ import annotations

import argparse
import errno
import signal
import socket
import sys
from pathlib import Path

from graph.serve import endpoint
from graph.build import pipeline
from graph.store import engines as stores
from graph.errors import EXIT_OK, UsageError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve", help="serve the graph as a read-only SPARQL endpoint with a query page",
        description="SPARQL 1.1 Protocol at /sparql (GET and POST), a query page at /, the graph view at "
                    "/graph.html when dist/graph.html exists. Read-only: updates, LOAD and SERVICE are refused. "
                    "Each query runs in a worker process with a deadline, a memory cap and no network.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=int, default=7878, help="port (default 7878; 0 picks a free one)")
    parser.add_argument("--timeout", type=float, default=endpoint.DEFAULT_TIMEOUT,
                        help=f"seconds a query may run (default {endpoint.DEFAULT_TIMEOUT:g})")
    parser.add_argument("--max-rows", type=int, default=endpoint.DEFAULT_MAX_ROWS,
                        help=f"most rows (or triples) a result may have (default {endpoint.DEFAULT_MAX_ROWS})")
    parser.add_argument("--workers", type=int, default=endpoint.DEFAULT_WORKERS,
                        help="query worker processes, the most queries run at once "
                             f"(default {endpoint.DEFAULT_WORKERS})")
    parser.add_argument("--queue-timeout", type=float, default=endpoint.DEFAULT_QUEUE_TIMEOUT, metavar="SECONDS",
                        help="seconds a query may wait for a free worker while all are busy "
                             f"(default {endpoint.DEFAULT_QUEUE_TIMEOUT:g})")
    parser.add_argument("--max-memory", type=int, default=endpoint.DEFAULT_MAX_MEMORY, metavar="MB",
                        help="memory cap of each query worker in MB, the graph included "
                             f"(default {endpoint.DEFAULT_MAX_MEMORY})")
    parser.add_argument("--read-timeout", type=float, default=endpoint.DEFAULT_READ_TIMEOUT, metavar="SECONDS",
                        help="seconds a client has to send a whole request, and to keep an idle connection "
                             f"(default {endpoint.DEFAULT_READ_TIMEOUT:g})")
    parser.add_argument("--max-connections", type=int, default=endpoint.DEFAULT_MAX_CONNECTIONS,
                        help=f"connections served at once; more get 503 (default {endpoint.DEFAULT_MAX_CONNECTIONS})")
    parser.add_argument("--cors", metavar="ORIGIN", help="allow this origin (CORS); none by default")
    parser.add_argument("--data", type=Path, help="serve this dump (.nq, .trig, .ttl, .nt) instead of the build")
    parser.add_argument("--sources", type=Path, help="build these sources in memory and serve them")
    parser.add_argument("--dist", type=Path, default=pipeline.DIST, help="output folder holding graph.html (default dist/)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress or request log on stderr")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    for name in ("timeout", "queue_timeout", "max_rows", "workers", "max_memory", "read_timeout", "max_connections"):
        if getattr(args, name) <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be positive")
    store = stores.open_store(engine="oxigraph", data=args.data, sources=args.sources, dist=args.dist, quiet=args.quiet)
    try:
        server = endpoint.make_server(
            store, host=args.host, port=args.port, timeout=args.timeout, max_rows=args.max_rows, cors=args.cors,
            graph_html=args.dist / "graph.html", workers=args.workers, queue_timeout=args.queue_timeout,
            max_memory=args.max_memory, read_timeout=args.read_timeout, max_connections=args.max_connections,
            log=not args.quiet,
        )
    except OSError as exc:
        raise UsageError(bind_message(args.host, args.port, exc)) from None
    host, port = server.server_address[:2]
    print(f"serving {len(store)} quads from {store.origin} at http://{host}:{port}/ (SPARQL: /sparql); "
          "Ctrl-C stops", file=sys.stderr, flush=True)
    signal.signal(signal.SIGTERM, _interrupt)  # stopped by a signal, it still stops its workers and cleans up
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return EXIT_OK


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def bind_message(host: str, port: int, exc: OSError) -> str:
    """Why the server could not listen on host:port, naming the address and what to do."""
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return (f"cannot listen on {address}: the address is already in use (another server is running there); "
                "stop it, or choose another port with --port N (--port 0 picks a free one)")
    if exc.errno == errno.EACCES:
        return f"cannot listen on {address}: permission denied (ports below 1024 need privileges; try --port 7878)"
    if exc.errno == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
        return f"cannot listen on {address}: this machine has no such address (--host)"
    return f"cannot listen on {address}: {exc.strerror or exc}"
