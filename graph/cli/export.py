"""The export command: write one part of the graph in one or more formats (RDF, graph or table), to dist/ by
default or to stdout (`--out -`). When dist/ holds a current build (dist/manifest.json: the same sources,
ontology and code), the graph is read from it instead of being built and validated again."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from graph.export import exporter as export
from graph.build import manifest, pipeline
from graph.sources import ontology as onto, read as src
from graph.errors import EXIT_OK, UsageError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write the graph as ttl, nt, nq, trig, jsonld, xml, graphml, gexf or csv",
        description="Write one part of the graph in one or more formats (default files: dist/cckg[-PART].EXT; csv "
        "writes <stem>-nodes.csv and <stem>-edges.csv). The graph is read from dist/ when dist/manifest.json says "
        "it was built from the same sources, ontology and code; otherwise it is built and validated first.",
    )
    parser.add_argument("--format", required=True, action="append", metavar="FORMAT",
                        help=f"the output format: {', '.join(export.FORMATS)}; repeat it or separate by commas for "
                             "several (--format ttl,graphml)")
    parser.add_argument("--part", default="all", choices=list(export.PARTS),
                        help="ontology, data, or all (ontology + data + the VoID description; default)")
    parser.add_argument("--out", help="the output file, '-' for stdout (one format), or a folder (several formats); "
                                      "default: dist/cckg[-PART].EXT")
    parser.add_argument("--endpoint", default=export.SPARQL_ENDPOINT,
                        help=f"the SPARQL endpoint named in the VoID description (default: {export.SPARQL_ENDPOINT})")
    parser.add_argument("--sources", type=Path, default=src.SOURCES_DIR, help="folder of source files (default: sources/)")
    parser.add_argument("--ontology", type=Path, default=onto.ONTOLOGY_DIR,
                        help="folder of ontology modules (default: ontology/)")
    parser.add_argument("--version", dest="release", help="release version (default: pyproject.toml's)")
    parser.add_argument("--dist", type=Path, default=pipeline.DIST,
                        help="the build folder to read when it is current (default: dist/)")
    parser.add_argument("--rebuild", action="store_true", help="build and validate even when dist/ is current")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(handler=run)


def formats(values: list[str]) -> list[str]:
    """--format values (repeated or comma-separated) in order, each once; an unknown one is a usage error."""
    found: list[str] = []
    for value in values:
        for fmt in (v.strip() for v in value.split(",")):
            if fmt not in export.FORMATS:
                raise UsageError(f"--format {fmt!r}: expected one of {', '.join(export.FORMATS)}")
            if fmt not in found:
                found.append(fmt)
    return found


def run(args: argparse.Namespace) -> int:
    chosen = formats(args.format)
    to_stdout = args.out == "-"
    if to_stdout and (len(chosen) > 1 or chosen[0] == "csv"):
        raise UsageError("--out - writes one file to stdout: give one format other than csv (two files)")
    result = last_build(args) or pipeline.build(sources_dir=args.sources, ontology_dir=args.ontology,
                                                version=args.release, quiet=args.quiet)
    if to_stdout:
        with tempfile.TemporaryDirectory() as tmp:
            (path,) = export.export(result, chosen[0], part=args.part, out=Path(tmp) / "out", endpoint=args.endpoint)
            sys.stdout.buffer.write(path.read_bytes())
            sys.stdout.flush()
        return EXIT_OK
    for fmt in chosen:
        written = export.export(result, fmt, part=args.part, out=_target(args, fmt, len(chosen)), endpoint=args.endpoint)
        for path in written:
            print(f"wrote {src.shown_path(path)}")
    return EXIT_OK


def _target(args: argparse.Namespace, fmt: str, count: int) -> Path:
    if args.out is None:
        return export.default_path(args.dist, fmt, args.part)
    out = Path(args.out)
    if count > 1 or out.is_dir():  # several formats: --out is the folder of their default names
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {out}: several formats need a folder, not a file")
        return export.default_path(out, fmt, args.part)
    return out


def last_build(args: argparse.Namespace):
    """The build in --dist when it is current for these sources, ontology, version and code; else None."""
    if args.rebuild or not args.sources.is_dir():
        return None
    ontology = onto.release(onto.load_ontology(args.ontology), args.release or pipeline.project_version())
    found = manifest.current(args.dist, args.sources, ontology)
    if found is None:
        return None
    if not args.quiet:
        print(f"reading the current build in {src.shown_path(args.dist)}/ (its manifest matches the sources, "
              "ontology and code; --rebuild builds again)", file=sys.stderr)
    return manifest.read_build(args.dist, args.sources, ontology, found)
