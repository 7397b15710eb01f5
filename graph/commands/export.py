"""The `export` command: write one part of the graph in one format (RDF, graph or table), to dist/ by default."""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import export, ontology as onto, pipeline, sources as src
from ..errors import EXIT_OK


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write the graph as ttl, nt, nq, trig, jsonld, xml, graphml, gexf or csv",
        description="Build and validate the graph, then write one part of it in one format "
        "(default file: dist/cckg[-PART].EXT; csv writes <stem>-nodes.csv and <stem>-edges.csv).",
    )
    parser.add_argument("--format", required=True, choices=list(export.FORMATS), help="the output format")
    parser.add_argument("--part", default="all", choices=list(export.PARTS),
                        help="ontology, data, or all (ontology + data + the VoID description; default)")
    parser.add_argument("--out", type=Path, help="the output file (default: dist/cckg[-PART].EXT)")
    parser.add_argument("--endpoint", default=export.SPARQL_ENDPOINT,
                        help=f"the SPARQL endpoint named in the VoID description (default: {export.SPARQL_ENDPOINT})")
    parser.add_argument("--sources", type=Path, default=src.SOURCES_DIR, help="folder of source files (default: sources/)")
    parser.add_argument("--ontology", type=Path, default=onto.ONTOLOGY_DIR,
                        help="folder of ontology modules (default: ontology/)")
    parser.add_argument("--version", dest="release", help="release version (default: pyproject.toml's)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    result = pipeline.build(sources_dir=args.sources, ontology_dir=args.ontology, version=args.release, quiet=args.quiet)
    out = args.out or export.default_path(pipeline.DIST, args.format, args.part)
    written = export.export(result, args.format, part=args.part, out=out, endpoint=args.endpoint)
    for path in written:
        print(f"wrote {src.shown_path(path)}")
    return EXIT_OK
