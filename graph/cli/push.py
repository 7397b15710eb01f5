"""`python build.py push`: load the built graph into a SPARQL 1.1 Graph Store HTTP Protocol server, one named graph
per source document plus the ontology, each PUT replacing the server's previous copy."""

from __future__ import annotations

import argparse
from pathlib import Path

from graph.build import pipeline
from graph.store import remote
from graph.sources import read as src
from graph.errors import EXIT_OK


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "push", help="load the graph into a remote SPARQL server (Graph Store Protocol, one graph per source)",
        description="Build the graph and PUT each named graph (the ontology and one per source document) to "
                    "URL?graph=<graph IRI>, e.g. Oxigraph's http://127.0.0.1:7878/store.",
    )
    parser.add_argument("--endpoint", required=True, metavar="URL", help="the server's Graph Store Protocol URL")
    parser.add_argument("--sources", type=Path, default=src.SOURCES_DIR, help="folder of source files (default: sources/)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request (default 60)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    build = pipeline.build(sources_dir=args.sources, quiet=args.quiet)
    pushed = remote.push(build, args.endpoint, timeout=args.timeout)
    for item in pushed:
        name = f"<{item.graph}>" if item.graph is not None else "the default graph (the union)"
        print(f"PUT {name}: {item.triples} triples (HTTP {item.status})")
    print(f"pushed {len(pushed) - 1} named graphs and their union to {args.endpoint}")
    return EXIT_OK
