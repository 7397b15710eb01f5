"""The command line behind build.py: thin argument handling over the library, with documented exit codes.

Exit codes: 0 ok; 1 the data is invalid (every problem listed as file:line: field: message); 2 usage or I/O error.

A command imports only what it uses: this module imports nothing of the pipeline at the top, and a command of
graph/cli/ is imported (and registered) only when it is the one asked for (all of them for the top-level --help);
so `query` does not load the build pipeline, the endpoint or the curation code (`python -X importtime build.py
query --list` shows what a command loads).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from graph import paths
from graph.errors import EXIT_INVALID, EXIT_OK, EXIT_USAGE, InvalidData, UsageError

#: Modules of graph/cli/ that add more commands; each has `register(subparsers)` and `run(args) -> int`.
COMMAND_MODULES: tuple[str, ...] = ("view", "export", "add_source", "drafts", "query", "serve", "push")


def _add_build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sources", type=Path, default=paths.SOURCES_DIR, help="folder of source files (default: sources/)")
    parser.add_argument("--ontology", type=Path, default=paths.ONTOLOGY_DIR, help="folder of ontology modules (default: ontology/)")
    parser.add_argument("--version", dest="release", help="release version stamped on the outputs (default: pyproject.toml's)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also list, per source, the ids of the statements it added, and each unconfirmed draft record")


class _Version(argparse.Action):
    """--version: print `cckg VERSION` and exit (the version is read only when asked for)."""

    def __call__(self, parser, namespace, values, option_string=None):
        sys.stdout.write(f"cckg {paths.version()}\n")
        parser.exit()


def make_parser(prog: str | None = None, command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with `command` (one of COMMAND_MODULES), the other modules of graph/cli/ are left out."""
    parser = argparse.ArgumentParser(
        prog=prog or _prog(),
        description="Build, check and use the China–Central Asia knowledge graph.",
        epilog="Exit codes: 0 ok, 1 invalid data (problems listed with file, line and field), 2 usage or I/O error.",
    )
    parser.add_argument("-V", "--version", action=_Version, nargs=0,
                        help="print the version and exit (build's --version V stamps a release instead)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("build", help="validate and write the graph and its outputs to dist/ (the default)")
    _add_build_options(p)
    p.add_argument("--out", type=Path, default=paths.DIST, help="output folder (default: dist/)")
    p = sub.add_parser("check", help="validate only; write nothing")
    _add_build_options(p)
    p = sub.add_parser("namespace", help="regenerate graph/_namespace.py from the ontology")
    p.add_argument("--ontology", type=Path, default=paths.ONTOLOGY_DIR)
    p.add_argument("--check", action="store_true", help="exit 1 if the file is stale instead of writing it")
    for name in COMMAND_MODULES if command not in COMMAND_MODULES else (command,):
        module = importlib.import_module(f"graph.cli.{name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except ModuleNotFoundError as missing:  # run by a Python without the project's packages (python3, no venv)
        if missing.name is None or missing.name.partition(".")[0] == "graph":
            raise
        print(f"error: the package {missing.name!r} is not installed for {sys.executable}; install the project first, "
              "as the README's quick start does:\n  python3 -m venv .venv && .venv/bin/pip install -e . && "
              ".venv/bin/python build.py", file=sys.stderr)
        return EXIT_USAGE


def _main(argv: list[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # No command means build; alone, --version prints the version (with a value it is build's release stamp).
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "-V") and argv != ["--version"]:
        argv.insert(0, "build")
    parser = make_parser(command=argv[0].replace("-", "_"))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help and --version
        return EXIT_USAGE if exc.code else EXIT_OK
    try:
        return _run(args)
    except InvalidData as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"invalid: {len(exc.problems)} problem(s); nothing was written", file=sys.stderr)
        return EXIT_INVALID
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE


def _prog() -> str:
    """How the user called us: `cckg` (the console script) or `python build.py`."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return "python build.py" if name in ("build.py", "") or name.startswith("-") else name


def _run(args: argparse.Namespace) -> int:
    handler = getattr(args, "handler", None)
    if handler is not None:  # a command from graph/cli/
        return handler(args)
    from graph.build import pipeline
    from graph.sources import ontology as onto, read as src

    if args.command == "namespace":
        text = onto.namespace_source(onto.load_ontology(args.ontology))
        target = Path(__file__).resolve().parent.parent / "_namespace.py"  # graph/_namespace.py
        if args.check:
            stale = target.read_text(encoding="utf-8") != text
            print("graph/_namespace.py is " + ("stale: run python build.py namespace" if stale else "up to date"))
            return EXIT_INVALID if stale else EXIT_OK
        from graph.build.output import write_atomically

        write_atomically({target: text.encode("utf-8")})
        print(f"wrote {src.shown_path(target)}")
        return EXIT_OK
    # check waits for the validation; build writes the release beside it and publishes it only if it passed.
    # Python's cyclic garbage collector stays paused from the build to the release (each pauses it, see
    # pipeline.gc_paused): resumed between them, its passes over the build's objects cost about 1.6 s at 1M triples.
    with pipeline.gc_paused():
        if args.command == "check":
            result = pipeline.build(sources_dir=args.sources, ontology_dir=args.ontology, version=args.release,
                                    quiet=args.quiet, verbose=args.verbose)
            print(f"valid: {result.counts['triples (all)']} triples, {len(result.report.checks)} checks passed")
            return EXIT_OK
        from graph import api

        writers = []  # the release's writers, imported in a thread while the store loads (api.main_writers_beside)
        result = pipeline.start(sources_dir=args.sources, ontology_dir=args.ontology, version=args.release,
                                quiet=args.quiet, verbose=args.verbose,
                                on_load=lambda: writers.append(api.main_writers_beside()))
        paths = api.write_release(result, args.out, quiet=args.quiet, writers=writers[0])
        print(f"built {result.counts['triples (all)']} triples ({result.counts['triples (data)']} data, "
              f"{result.counts['triples (ontology)']} ontology) into {src.shown_path(paths['all'].parent)}/")
    return EXIT_OK


__all__ = ["main", "make_parser"]
