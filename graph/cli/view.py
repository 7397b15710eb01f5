"""The `view` command: draw a chosen view of the built graph (an entity's neighbourhood, a CONSTRUCT result) as HTML.

    python build.py view [--focus ENTITY --depth N] [--query FILE.rq] [--out FILE]

ENTITY is a CURIE (kg:wang-yi), a slug (wang-yi) or a full IRI. --query runs a SPARQL CONSTRUCT on the built graph
and draws its result (its nodes typed from the built graph); with --focus too, the neighbourhood is taken in that
result. The page is the same offline page as dist/graph.html.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graph.sources import ontology as onto, read as src
from graph.build import pipeline
from graph.errors import EXIT_OK, UsageError

DEFAULT_OUT = pipeline.DIST / "view.html"


def register(subparsers) -> None:
    parser = subparsers.add_parser("view", help="write an HTML view of part of the graph (a focus, a CONSTRUCT result)")
    parser.add_argument("--focus", metavar="ENTITY", help="draw this entity's neighbourhood (CURIE, slug or IRI)")
    parser.add_argument("--depth", type=int, default=1, metavar="N", help="neighbourhood radius in edges (default 1)")
    parser.add_argument("--query", type=Path, metavar="FILE.rq", help="draw the result of this SPARQL CONSTRUCT")
    parser.add_argument("--out", default=str(DEFAULT_OUT),
                        help="the HTML file to write, '-' for stdout (default: dist/view.html)")
    parser.add_argument("--sources", type=Path, default=src.SOURCES_DIR, help="folder of source files (default: sources/)")
    parser.add_argument("--ontology", type=Path, default=onto.ONTOLOGY_DIR, help="folder of ontology modules")
    parser.add_argument("--version", dest="release", help="release version shown in the page's title")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from viz import view

    if args.depth < 0:
        raise UsageError(f"--depth must be 0 or more, not {args.depth}")
    query = _read_query(args.query) if args.query else None
    result = pipeline.build(sources_dir=args.sources, ontology_dir=args.ontology, version=args.release,
                            quiet=args.quiet)
    to_stdout = args.out == "-"
    out = DEFAULT_OUT if to_stdout else Path(args.out)  # links in the page are written as seen from its folder
    g, page = view.render_view(result, out_file=out, focus=args.focus, depth=args.depth, query=query,
                               query_name=args.query.name if args.query else None)
    if to_stdout:
        sys.stdout.buffer.write(page)
        sys.stdout.flush()
        return EXIT_OK
    from graph.build.output import write_atomically

    write_atomically({out: page})
    print(f"wrote {src.shown_path(out)}: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges")
    return EXIT_OK


def _read_query(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the query: {exc.strerror or exc}") from exc
