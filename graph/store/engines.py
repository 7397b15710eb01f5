"""The embedded SPARQL store: an in-memory Oxigraph (pyoxigraph) loaded from the build or from a dump, and the same
interface over plain rdflib, so that every query can be run and compared on both.

The build's dataset is serialized to N-Quads once and bulk-loaded: each source document's named graph stays its own
named graph and the ontology keeps its own. The default graph holds their union, deduplicated: Oxigraph's
`use_default_graph_as_union` yields a triple once per graph that holds it (a label stated by two sources would
come back twice), which would make answers differ from rdflib's set semantics. Queries run on the default graph;
GRAPH ?g still reaches each source's own graph.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from graph.store import sparql
from graph.errors import UsageError
from graph.terms import cached_from_oxigraph, from_oxigraph, to_oxigraph
from graph.store.results import Result, RowLimitExceeded, collector_paused, normalize_term, row_key

#: Dump formats `from_file` reads, by suffix.
FILE_FORMATS = {
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD,  # the build's JSON-LD embeds its context: nothing is fetched
}


#: Most converted terms an OxigraphStore keeps for the next queries.
TERM_CACHE = 200_000


class Cancelled(Exception):
    """The caller stopped the query (its deadline passed)."""


class OxigraphStore:
    """Oxigraph in memory: the fast engine behind `query` and `serve`."""

    engine = "oxigraph"

    def __init__(self, store: ox.Store, *, origin: str, fulltext: bool = True):
        self.store = store
        self.origin = origin
        self.fulltext = fulltext  # a phrase or name search asks the full-text index first (False: the plain query)
        self._terms: dict = {}  # engine term -> rdflib term, shared by the queries (IRIs and labels recur)

    def _term(self, term):
        """The rdflib term of an engine term, normalized as results.normalize_term does (an xsd:string literal
        as a simple literal: the same RDF term), so that each distinct term is converted and normalized once."""
        found = self._terms.get(term)
        if found is None:
            if len(self._terms) >= TERM_CACHE:
                self._terms.clear()
            found = self._terms[term] = normalize_term(from_oxigraph(term))
        return found

    @classmethod
    def from_build(cls, build) -> OxigraphStore:
        """Load a graph.pipeline.Build: one named graph per source document, plus the ontology graph."""
        return cls(build.loaded.named_store(union=True), origin=f"the build of {len(build.sources)} source(s)")

    @classmethod
    def from_file(cls, path: Path) -> OxigraphStore:
        """Load a dump: N-Quads, TriG and JSON-LD keep their named graphs (and their union becomes the default
        graph); Turtle or N-Triples go to the default graph."""
        fmt = _file_format(path)
        store = ox.Store()
        try:
            store.load(path=str(path), format=fmt)
        except SyntaxError as exc:
            raise UsageError(f"{path}: {exc}") from None
        if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG, ox.RdfFormat.JSON_LD):
            store.extend([ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in store])
        return cls(store, origin=str(path))

    @classmethod
    def from_release(cls, nquads: Path) -> OxigraphStore:
        """A release's cckg.nq through its on-disk store (graph.store.ondisk: made once, then opened read-only in
        milliseconds); read into memory if the release has no digest for it or the cache cannot be used."""
        from graph.store import ondisk

        digest = ondisk.release_digest(nquads.parent)
        store = ondisk.open_release(nquads, digest) if digest else None
        if store is None:
            return cls.from_file(nquads)
        return cls(store, origin=str(nquads))

    def graphs(self) -> list[URIRef]:
        return sorted(URIRef(g.value) for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def __len__(self) -> int:
        return len(self.store)

    def row_key(self, row: tuple) -> tuple[str, ...]:
        """results.row_key of a row of engine terms (each converted and normalized once: `_term`)."""
        return row_key(tuple(map(self._term, row)))

    def query(self, text: str, *, params: dict | None = None, max_rows: int | None = None,
              cancel: threading.Event | None = None, graph_form: str | None = None, added: int = 0,
              engine_terms: bool = False) -> Result:
        """Run `text` with `params` pre-bound (SEP-0007 substitutions); the result in the engine's order, each term
        converted and normalized once (`_term`; with `engine_terms`, a SELECT's rows keep the engine's terms, for
        graph.serve.formats.solutions_json). A phrase or name search whose words are bound (a parameter, or a
        VALUES block of the text) asks the full-text index first (graph.store.fulltext.prepare; not with
        `fulltext=False`). The engine parses the query (once): a syntax error is a QueryError at the line and
        column of the text without its first `added` lines (the PREFIX lines sparql.prepare added). A CONSTRUCT or
        DESCRIBE result is labelled `graph_form` if given, else its form read from the query (sparql.inspect's
        scanner)."""
        from graph.store import fulltext

        substitutions = {ox.Variable(k): to_oxigraph(v) for k, v in (params or {}).items()}
        try:
            prepared = fulltext.prepare(self, text, params) if self.fulltext else text
            answer = self.store.query(prepared, substitutions=substitutions)
        except SyntaxError:
            try:  # the error as the text given shows it (the rewrite moves lines)
                answer = self.store.query(text, substitutions=substitutions)
            except SyntaxError as exc:
                raise sparql.engine_error(str(exc), text, added) from None
        except OSError as exc:  # evaluation errors (e.g. a SERVICE that fails)
            raise sparql.QueryError(str(exc)) from None
        if isinstance(answer, ox.QueryBoolean):
            return Result("ask", boolean=bool(answer))
        if isinstance(answer, ox.QuerySolutions):
            variables = [v.value for v in answer.variables]
            if engine_terms:
                rows = _collect(answer, tuple, max_rows, cancel)
                return Result("select", variables=variables, rows=rows)
            term = self._term
            rows = _collect(answer, lambda s: tuple(map(term, s)), max_rows, cancel)
            return Result("select", variables=variables, rows=rows, normal=True)
        term = self._term
        triples = _collect(answer, lambda t: (term(t.subject), term(t.predicate), term(t.object)), max_rows, cancel)
        return Result(graph_form or _graph_form(text), triples=triples, normal=True)


class RdflibStore:
    """The same interface over a plain rdflib Graph (rdflib's own SPARQL engine): the reference for parity tests."""

    engine = "rdflib"

    def __init__(self, graph: Graph, *, origin: str):
        self.graph = graph
        self.origin = origin

    @classmethod
    def from_build(cls, build) -> RdflibStore:
        from graph.build.output import fresh_graph

        return cls(fresh_graph(build.all_triples()), origin=f"the build of {len(build.sources)} source(s)")

    @classmethod
    def from_file(cls, path: Path) -> RdflibStore:
        """The union of every graph of the dump (as Oxigraph's default graph: each triple once). The file is read
        by pyoxigraph's parser, which reads N-Quads and TriG into their named graphs the same way as
        OxigraphStore.from_file does (rdflib's own Dataset parsing and union view differ between versions)."""
        from graph.build.output import fresh_graph

        fmt = _file_format(path)
        convert = cached_from_oxigraph(simple_literals=True)  # as rdflib's parsers give a simple literal

        try:
            triples = [(convert(q.subject), convert(q.predicate), convert(q.object))
                       for q in ox.parse(path=str(path), format=fmt)]
        except SyntaxError as exc:
            raise UsageError(f"{path}: {exc}") from None
        return cls(fresh_graph(triples), origin=str(path))

    def __len__(self) -> int:
        return len(self.graph)

    def query(self, text: str, *, params: dict | None = None, max_rows: int | None = None,
              cancel: threading.Event | None = None, added: int = 0) -> Result:
        from pyparsing import ParseException

        try:
            answer = self.graph.query(text, initBindings=params or {})
        except ParseException as exc:
            user_text = text.split("\n", added)[-1] if added else text
            raise sparql.parser_error(user_text, exc, lines_before=added) from None
        if answer.type == "ASK":
            return Result("ask", boolean=bool(answer.askAnswer))
        if answer.type == "SELECT":
            variables = [str(v) for v in answer.vars or []]
            rows = _collect(answer, lambda row: tuple(row), max_rows, cancel)
            return Result("select", variables=variables, rows=rows)
        triples = _collect(answer.graph, lambda t: tuple(t), max_rows, cancel)
        return Result(answer.type.lower(), triples=triples)


Store = OxigraphStore | RdflibStore


def run(store: Store, text: str, *, params: dict | None = None, max_rows: int | None = None,
        cancel: threading.Event | None = None) -> Result:
    """Parse, run and normalize one query: rows sorted unless the query has a top-level ORDER BY. Known prefixes
    the query uses without declaring them are declared for it (sparql.complete)."""
    text, info = sparql.prepare(text)
    result = store.query(text, params=params, max_rows=max_rows, cancel=cancel, added=info.added)
    return result.normalized(ordered=info.ordered)


def open_store(*, engine: str = "oxigraph", data: Path | None = None, sources: Path | None = None,
               dist: Path | None = None, quiet: bool = True) -> Store:
    """The store the CLI queries: `data` (a dump file) if given; else a fresh build of `sources` if given; else
    dist/cckg.nq (or dist/cckg.ttl) if it is newer than every source and ontology file (for Oxigraph, the release's
    on-disk store, graph.store.ondisk, opened in milliseconds); else a fresh build of sources/."""
    from graph import paths

    cls = OxigraphStore if engine == "oxigraph" else RdflibStore
    if data is not None:
        if not data.is_file():
            raise UsageError(f"{data}: no such file")
        return cls.from_file(data)
    dist = dist or paths.DIST
    # The N-Quads export keeps one named graph per source; the Turtle dump has the same triples in one graph.
    for dumped in (dist / "cckg.nq", dist / "cckg.ttl"):
        if sources is None and dumped.is_file() and _newer_than_inputs(dumped, paths.SOURCES_DIR, paths.ONTOLOGY_DIR):
            if cls is OxigraphStore and dumped.suffix == ".nq":
                return OxigraphStore.from_release(dumped)
            return cls.from_file(dumped)
    from graph.build import pipeline

    build = pipeline.build(sources_dir=sources or paths.SOURCES_DIR, quiet=quiet)
    return cls.from_build(build)


def _newer_than_inputs(path: Path, *folders: Path) -> bool:
    mtime = path.stat().st_mtime
    inputs = [p for folder in folders if folder.is_dir() for p in folder.rglob("*") if p.is_file()]
    return all(p.stat().st_mtime <= mtime for p in inputs)


def _file_format(path: Path) -> ox.RdfFormat:
    if path.suffix not in FILE_FORMATS:
        raise UsageError(f"{path}: unknown dump format (expected {', '.join(FILE_FORMATS)})")
    return FILE_FORMATS[path.suffix]


def _collect(items, convert, max_rows: int | None, cancel: threading.Event | None) -> list:
    out = []
    with collector_paused():  # rows of terms, without cycles (results.collector_paused)
        for item in items:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            if max_rows is not None and len(out) >= max_rows:
                raise RowLimitExceeded(max_rows)
            out.append(convert(item))
    return out


def _graph_form(text: str) -> str:
    return sparql.inspect(text).form


class PatternGraph:
    """The rdflib Graph methods that viz.projection.project reads (triples, objects, subjects, subject_objects,
    `in`), from a subclass's `triples(pattern)`."""

    def triples(self, pattern):
        raise NotImplementedError

    def __iter__(self):
        return self.triples((None, None, None))

    def __contains__(self, triple) -> bool:
        return next(self.triples(triple), None) is not None

    def objects(self, subject=None, predicate=None):
        return (o for _, _, o in self.triples((subject, predicate, None)))

    def subjects(self, predicate=None, obj=None):
        return (s for s, _, _ in self.triples((None, predicate, obj)))

    def subject_objects(self, predicate=None):
        return ((s, o) for s, _, o in self.triples((None, predicate, None)))

    def predicate_objects(self, subject=None):
        return ((p, o) for _, p, o in self.triples((subject, None, None)))


class UnionGraph(PatternGraph):
    """A read-only view of the union of an rdflib Dataset's graphs, each triple once, read from its store without a
    copy (Dataset's own union reading goes through its deprecated default_context)."""

    def __init__(self, dataset):
        self._store = dataset.store

    def triples(self, pattern):
        for triple, _ in self._store.triples(pattern, None):
            yield triple


class StoreGraph(PatternGraph):
    """A read-only view of one graph of a pyoxigraph store with the rdflib Graph methods that
    viz.projection.project reads, for projecting a large build without copying it into rdflib (1M triples: minutes
    and GBs in an rdflib Graph). Terms come out as rdflib terms; each distinct term is converted once."""

    def __init__(self, store: ox.Store, graph_name=None):
        self.store = store
        self.graph_name = ox.DefaultGraph() if graph_name is None else graph_name
        self._from = cached_from_oxigraph()
        self._in: dict = {}

    def _to(self, term):
        if term is None:
            return None
        found = self._in.get(term)
        if found is None:
            found = self._in[term] = to_oxigraph(term)
        return found

    def triples(self, pattern):
        s, p, o = pattern
        convert = self._from
        for q in self.store.quads_for_pattern(self._to(s), self._to(p), self._to(o), self.graph_name):
            yield convert(q.subject), convert(q.predicate), convert(q.object)
