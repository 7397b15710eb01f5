"""Validation of the built graph: SHACL (data and ontology term cards), terms, and the zero-row check queries."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from graph.build.builder import Index
from graph.build.output import in_thread
from graph.errors import Problem
from graph.namespaces import DCAT, KG, REUSED, VOID, curie as _curie
from graph.sources.ontology import ROOT, TERMS_NS, defined_terms

SHAPES_DIR = ROOT / "ontology" / "shapes"
CHECKS_DIR = ROOT / "queries" / "checks"


@dataclass
class Report:
    """What validation found: problems (each fails the build) and the figures of every check that ran."""

    problems: list[Problem] = field(default_factory=list)
    checks: list[tuple[str, int]] = field(default_factory=list)  # (check name, violations found)

    def add(self, name: str, problems: list[Problem]) -> None:
        self.checks.append((name, len(problems)))
        self.problems.extend(problems)


def unknown_terms(data: Graph, ontology: Graph, locate: Callable[[object], Problem]) -> list[Problem]:
    """Every predicate and class the data uses is defined by our ontology or by a reused vocabulary."""
    used: dict[URIRef, object] = {}
    for s, p, o in data:
        used.setdefault(p, s)
        if p == RDF.type and isinstance(o, URIRef):
            used.setdefault(o, s)
    return check_terms(used, ontology, locate)


def check_terms(used: dict[URIRef, object], ontology: Graph, locate: Callable[[object], Problem]) -> list[Problem]:
    """The check of unknown_terms on the terms already collected (predicate or class -> a subject using it)."""
    ours = defined_terms(ontology)
    declared = {s for t in _OWL_TYPES for s in ontology.subjects(RDF.type, t)}
    problems = []
    for term, example in sorted(used.items()):
        iri = str(term)
        message = f"uses {term}, which no known vocabulary defines"
        if iri.startswith(TERMS_NS):
            if term in ours:
                continue
        else:
            ns = next((n for n in REUSED if iri.startswith(n)), None)
            if ns is not None and term in REUSED[ns]:
                if ns in _BUILT_IN or term in declared:
                    continue
                # OWL tools read an undeclared term as an annotation property (and the ontology is not OWL 2 DL)
                message = f"uses {term}, which ontology/imports.ttl does not declare: add it there with its OWL type"
        base = locate(example)
        problems.append(Problem(base.file, base.line, base.field, message))
    return problems


#: The OWL types a reused term is declared with (ontology/imports.ttl). RDF, RDFS, OWL and XSD terms are built in;
#: VoID and DCAT describe the dataset (dist/void.ttl), never part of the ontology and data an OWL tool loads.
_OWL_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDFS.Datatype)
_BUILT_IN = {str(RDF), str(RDFS), str(OWL), str(XSD), str(VOID), str(DCAT)}


def check_queries(graph: Graph, locate: Callable[[object], Problem], checks_dir: Path = CHECKS_DIR) -> list[tuple[str, list[Problem]]]:
    """Run every queries/checks/*-violation.rq; each row is a problem located at its first IRI column."""
    return [
        (path.name, _row_problems(path.name, graph.query(path.read_text(encoding="utf-8")), locate))
        for path in _check_files(checks_dir)
    ]


def _check_files(checks_dir: Path) -> list[Path]:
    files = sorted(checks_dir.glob("*-violation.rq"))
    if not files:
        raise FileNotFoundError(f"no *-violation.rq check in {checks_dir}")
    return files


def _row_problems(name: str, rows: Iterable, locate: Callable[[object], Problem]) -> list[Problem]:
    """Each result row of a check is a problem, located at the record of its first IRI column."""
    problems = []
    for row in rows:
        subject = next((v for v in row if isinstance(v, URIRef)), None)
        base = locate(subject)
        detail = ", ".join(_curie(v) for v in row if v is not None)
        problems.append(Problem(base.file, base.line, base.field, f"{name}: {detail}"))
    return problems


def check_queries_store(store, locate: Callable[[object], Problem], checks_dir: Path = CHECKS_DIR) -> list[tuple[str, list[Problem]]]:
    """check_queries on a pyoxigraph Store whose default graph is the whole graph (Oxigraph: ms where rdflib
    takes seconds; the rows, as rdflib terms, are located and worded exactly as check_queries does)."""
    return [(path.name, _check_on_store(store, path, locate)) for path in _check_files(checks_dir)]


def _check_on_store(store, path: Path, locate: Callable[[object], Problem]) -> list[Problem]:
    from graph.terms import from_oxigraph as to_rdflib

    rows = ([to_rdflib(v) if v is not None else None for v in solution]
            for solution in store.query(path.read_text(encoding="utf-8")))
    return _row_problems(path.name, rows, locate)


def shacl_on_store(store, shapes_file: Path, ontology: Graph, *, locate: Callable[[object], Problem],
                   map=map) -> list[Problem]:
    """SHACL with RDFS inference on a pyoxigraph store whose default graph is the whole graph: the shapes compiled to
    SPARQL (graph/shacl_sparql.py, held equal to pySHACL by the parity tests), one Problem per violation located
    at its focus node's record. A shape using a SHACL feature the compiler does not implement is an error of the
    shapes, raised as shacl_sparql.Unsupported (there is no second validator to fall back to). `map` runs the
    compiled queries (shacl_sparql.validate)."""
    from graph.build import shacl_sparql

    shapes = Graph(bind_namespaces="none").parse(shapes_file, format="turtle")
    violations = shacl_sparql.validate(store, shapes, ontology, map=map)
    problems = []
    for v in violations:
        base = locate(v.focus)
        where = _curie(v.path) if isinstance(v.path, URIRef) else base.field
        problems.append(Problem(base.file, base.line, where, f"{_curie(v.focus)}: {v.message}"))
    return problems


def locator(index: Index) -> Callable[[object], Problem]:
    """Map a graph node back to the source record that made it (file and line), for messages."""

    def locate(node: object) -> Problem:
        text = str(node) if node is not None else ""
        if text.startswith(str(KG)):
            rid = text[len(str(KG)):]
            if "#" in rid:  # an annotation: <document>#<record>
                rid = rid.partition("#")[2].partition(".")[0]
            for suffix in ("-term", "-start", "-end", "-amount"):
                if rid.endswith(suffix) and rid.removesuffix(suffix) in index.records:
                    rid = rid.removesuffix(suffix)
            records = index.records.get(rid)
            if records:
                r = records[0]
                return Problem(r.source.shown, r.line, rid, "")
            for source in index.sources:
                if source.id == rid:
                    return Problem(source.shown, 1, "document", "")
        return Problem("(graph)", 0, "", "")

    return locate


#: Threads that run the validation's queries side by side on the build's one store (pyoxigraph releases the GIL
#: while it evaluates a query and iterates its rows; the machine the goals are set on has 2 cores).
WORKERS = 2


class Running:
    """The validation of a build (`validate_build`) running in a thread beside the caller's work; `wait()` gives
    its Report (or raises what it raised). While it runs, the store holds the RDFS-inferred graph the SHACL queries
    read (shacl_sparql.INFERRED): `store_clean` is set once that graph is gone, and a reader of the store's named
    graphs (the writers of the release) waits for it."""

    def __init__(self, loaded, ontology: Graph, locate: Callable[[object], Problem], shapes_dir: Path = SHAPES_DIR,
                 checks_dir: Path = CHECKS_DIR, *, workers: int = WORKERS):
        import threading

        self.store_clean = threading.Event()
        self.seconds: float | None = None  # the validation's own wall time, once it finished
        self._future = in_thread("cckg-validation", self._run, loaded, ontology, locate, shapes_dir, checks_dir,
                                 workers)

    def _run(self, *args) -> Report:
        import time

        started = time.perf_counter()
        try:
            return validate_build(*args, store_clean=self.store_clean)
        finally:
            self.store_clean.set()
            self.seconds = time.perf_counter() - started

    def wait(self) -> Report:
        return self._future.result()


def validate_build(loaded, ontology: Graph, locate: Callable[[object], Problem], shapes_dir: Path = SHAPES_DIR,
                   checks_dir: Path = CHECKS_DIR, workers: int = WORKERS, *, store_clean=None) -> Report:
    """Validate a build's store (graph.build.loading.Loaded): the SHACL shapes of the data (on the store, with
    RDFS inference) and of the ontology's term cards, the terms used, and every queries/checks/*-violation.rq.
    The queries run on `workers` threads over the one store: first the SHACL queries of the data (after the RDFS
    inference they read), then the check queries (default graph only). The Report is the same whatever the threads' timing: its
    checks in a fixed order (data shapes, ontology shapes, terms, the check queries by file name), each check's
    problems in the order a lone run gives. `store_clean` (a threading.Event) is set once the inferred graph is
    gone from the store."""
    from concurrent.futures import ThreadPoolExecutor

    from graph.build.loading import store_from_triples

    store = loaded.store
    data_shapes = shapes_dir / "data.ttl"
    with ThreadPoolExecutor(max(1, workers), thread_name_prefix="cckg-check") as pool:
        try:
            files = _check_files(checks_dir)
            try:  # first: the writers of the release wait for the inferred graph to be gone
                data = shacl_on_store(store, data_shapes, ontology, locate=locate, map=pool.map)
            finally:
                if store_clean is not None:
                    store_clean.set()
            queries = [(path.name, pool.submit(_check_on_store, store, path, locate)) for path in files]
            report = Report()
            report.add("shapes/data.ttl (SHACL)", data)
            report.add("shapes/ontology.ttl (SHACL)", shacl_on_store(
                store_from_triples(ontology), shapes_dir / "ontology.ttl", ontology,
                locate=lambda node: Problem("ontology/", 0, str(node), "")))
            report.add("terms from the ontology and reused vocabularies", check_terms(loaded.used, ontology, locate))
            for name, found in queries:
                report.add(f"queries/checks/{name}", found.result())
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return report
