"""`python build.py query`: run a library query, a .rq file or an inline query on the embedded store (Oxigraph),
on plain rdflib, or on a remote SPARQL endpoint, and print the result in a chosen format."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graph.errors import EXIT_OK, EXIT_USAGE, UsageError
from graph.store import library
from graph.store.media import GRAPH_FORMATS, SOLUTION_FORMATS

FORMATS = [*SOLUTION_FORMATS, *GRAPH_FORMATS]


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "query", help="run a SPARQL query (library name, .rq file or -e TEXT) and print its result",
        description="Run a competency question of queries/cq/ by name, a .rq file, or -e 'SPARQL'. Parameters are "
                    "bound as RDF terms (never spliced into the text): --param person=kg:wang-yi, "
                    "--param date=2020-07-16, --param 'name=\"Meledov\"', --param 'x=<https://…>'.",
    )
    parser.add_argument("query", nargs="?", help="a library query name (see --list) or a .rq file")
    parser.add_argument("-e", "--expression", metavar="SPARQL", help="the query text itself")
    parser.add_argument("--param", action="append", metavar="KEY=VALUE", default=[],
                        help="bind the query variable ?KEY to VALUE (CURIE, <IRI>, date, number or \"text\")")
    parser.add_argument("--format", choices=FORMATS,
                        help="table|csv|tsv|json|xml for SELECT/ASK (default table); ttl|nt|jsonld for "
                             "CONSTRUCT/DESCRIBE (default ttl)")
    parser.add_argument("--list", action="store_true", help="list the query library and exit")
    parser.add_argument("--engine", choices=("oxigraph", "rdflib"), default="oxigraph",
                        help="the embedded Oxigraph store (default) or plain rdflib")
    parser.add_argument("--endpoint", metavar="URL", help="run on a remote SPARQL endpoint (its query URL) instead")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for --endpoint (default 60)")
    parser.add_argument("--data", type=Path, help="query this dump (.nq, .trig, .ttl, .nt, .jsonld) instead of the build")
    parser.add_argument("--sources", type=Path, help="build these sources in memory and query them")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument("--limit", type=int, metavar="N", help="at most N rows (a SELECT with ORDER BY)")
    parser.add_argument("--offset", type=int, metavar="N", help="skip the first N rows (a SELECT with ORDER BY)")
    parser.add_argument("--page", type=int, metavar="P", help="page P (from 1) of --limit rows (default 1000)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.list:
        sys.stdout.write(listing())
        return EXIT_OK
    # Imported here, not at the top: `--list` and the other commands never load rdflib or the engine.
    from graph.store import paging, results, sparql

    text, query = _query_text(args)
    try:
        # Known prefixes the query uses and does not declare are declared for it; the engine parses it (once).
        text, info = sparql.prepare(text)
    except sparql.QueryError as exc:
        print(f"error: {query.path if query else '-e'}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    params = sparql.parse_params(args.param, info)
    engine = "remote" if args.endpoint else args.engine

    def bind(text: str, params: dict) -> tuple[str, dict]:
        # the query's own choice: pre-bound, or a leading VALUES block (`# binding: inline`)
        return query.bind(text, params, engine=engine) if query is not None else (text, params)

    if query is not None:
        missing = [p.name for p in query.params if p.required and p.name not in params]
        if missing:
            raise UsageError(f"{query.name} needs --param {', '.join(f'{m}=…' for m in missing)} "
                             f"(example: {', '.join(str(p.example) for p in query.params if p.name in missing)})")
    limit, offset = paging.page_bounds(args.limit, args.offset, args.page)
    fmt = args.format or ("ttl" if info.is_graph else "table")
    allowed = GRAPH_FORMATS if info.is_graph else SOLUTION_FORMATS
    if fmt not in allowed:
        raise UsageError(f"--format {fmt} does not apply to a {info.form.upper()} query (use {', '.join(allowed)})")
    if args.endpoint:
        from graph.store import remote

        text, params = bind(text, params)
        text = paging.paginate(text, info, limit, offset)
        result = remote.query(args.endpoint, text, params=params, timeout=args.timeout)
    else:
        from graph.store import engines, listings

        paging.paginate(text, info, limit, offset)  # its usage errors before the store is opened
        # On Oxigraph a phrase search reads its candidates from the full-text index (OxigraphStore.query); a
        # `# materialized:` query read from a release is answered by its listing table (graph.store.listings);
        # else a page of a query with a `# page-key:` is read by seek (graph.store.paging.fetch).
        store = engines.open_store(engine=args.engine, data=args.data, sources=args.sources, quiet=args.quiet)
        try:
            result = listings.fetch(store, query, text, info, limit, offset, params=params, bind=bind,
                                    added=info.added)
        except sparql.QueryError as exc:
            print(f"error: {query.path if query else '-e'}: {exc}", file=sys.stderr)
            return EXIT_USAGE
    sys.stdout.buffer.write(results.serialize(result.normalized(ordered=info.ordered), fmt))
    sys.stdout.flush()
    return EXIT_OK


def _query_text(args: argparse.Namespace) -> tuple[str, library.LibraryQuery | None]:
    if args.expression is not None and args.query:
        raise UsageError("give either a query name/file or -e, not both")
    if args.expression is not None:
        return args.expression, None
    if not args.query:
        raise UsageError("no query: give a library name (see --list), a .rq file, or -e 'SPARQL'")
    query = library.find(args.query)
    return query.text, query


def listing() -> str:
    lines = []
    for category in library.CATEGORIES:
        queries = library.load(category)
        lines.append(f"queries/{category}/ ({len(queries)})")
        width = max((len(q.name) for q in queries), default=0)
        for q in queries:
            params = " ".join(f"--param {p.name}=…" + ("" if p.required else "?") for p in q.params)
            lines.append(f"  {q.name.ljust(width)}  {q.title}" + (f"  [{params}]" if params else ""))
    return "\n".join(lines) + "\n"
