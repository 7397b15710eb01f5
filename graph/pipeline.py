"""The build: ontology and sources in, a validated dataset out (the library API behind `python build.py`)."""

from __future__ import annotations

import gc
import importlib
import sys
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF, SKOS

from . import builder, bulk, drafts, integrity, ontology as onto, output, paths, release, shacl_sparql, validate
from . import sources as src
from .errors import InvalidData, Problem
from .namespaces import KG, LEVEL

ROOT = src.ROOT  # the folder paths are shown relative to (the checkout)
DIST = paths.DIST

#: Further writers of the main build, as "module:function"; each is called as function(result, out_dir, quiet=…)
#: after the core files are written, and writes its own files atomically (the graph view, the exports…).
#: graph.manifest comes last: it records the inputs of the build and the digest of the dump `export` reads back.
EXTRA_OUTPUTS: list[str] = ["viz.render:write_build_outputs", "viz.pages:write_build_outputs",
                             "graph.export:write_build_outputs", "graph.fulltext:write_build_outputs",
                             "graph.manifest:write_build_outputs"]

#: The files of the main build, relative to the output folder.
OUTPUTS = {
    "all": "cckg.ttl",
    "ontology": "ontology.ttl",
    "data": "data.ttl",
    "report": "validation-report.txt",
}


class Progress:
    """Step-by-step progress on stderr, with the time each step took (silent when quiet)."""

    def __init__(self, total: int, *, quiet: bool = False, stream=None):
        self.total, self.step, self.quiet = total, 0, quiet
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()
        self.timings: dict[str, float] = {}

    def __call__(self, message: str, *, key: str | None = None) -> Callable[[str], None]:
        self.step += 1
        t0 = time.perf_counter()
        if not self.quiet:
            print(f"[{self.step}/{self.total}] {message} …", file=self.stream, flush=True)

        def done(detail: str = "") -> None:
            if key:  # the step's duration, kept for bench/run.py
                self.timings[key] = self.timings.get(key, 0.0) + time.perf_counter() - t0
            if not self.quiet:
                print(f"      {detail} ({time.perf_counter() - t0:.2f} s)", file=self.stream, flush=True)

        return done

    def note(self, message: str) -> None:
        if not self.quiet:
            print(f"      {message}", file=self.stream, flush=True)

    def bar(self, items, what: str):
        """`items`, with a progress bar on the stream while they are consumed: only when the stream is a terminal
        (a log or a pipe gets the step lines alone) and not quiet."""
        from tqdm import tqdm

        items = list(items)
        shown = not self.quiet and hasattr(self.stream, "isatty") and self.stream.isatty()
        return tqdm(items, desc=f"      {what}", unit="", file=self.stream, disable=not shown, leave=False,
                    dynamic_ncols=True)


#: Above this many records the build takes the large-graph path (graph/bulk.py): no rdflib graphs, SHACL compiled
#: to SPARQL on a pyoxigraph store, sorted Turtle. About 20 triples per record, so ~20k triples; the real sources
#: (a few hundred records) and the test fixtures stay on the reference path (rdflib, pySHACL, longturtle).
LARGE_RECORDS = 1_000
#: Above this many sources the build's progress gives their count instead of a line each (the report has them).
MAX_SOURCE_LINES = 20


@dataclass
class Build:
    """A built, validated graph.

    `dataset` is the rdflib Dataset (one named graph per source plus the ontology graph). On the large-graph path
    it is made only when first asked for (about 50 s per million triples); `data_triples()` does not need it.
    `store` is a pyoxigraph Store whose default graph holds the whole graph (ontology and data), as validated.
    """

    version: str
    ontology: Graph
    _dataset: Dataset | None
    sources: list[src.Source]
    report: validate.Report
    counts: dict[str, int] = field(default_factory=dict)
    drafts: list[drafts.DraftStatus] = field(default_factory=list)  # sources/drafts/, reported, never loaded
    store: object = None  # pyoxigraph.Store
    large: bool = False
    text_root: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds per build step (for bench/)
    bulk: object = None  # graph.bulk.Loaded on the large path

    @property
    def dataset(self) -> Dataset:
        if self._dataset is None:
            self._dataset = builder.build_dataset(self.sources, self.ontology, text_root=self.text_root)
        return self._dataset

    def data_triples(self):
        """Every triple of every source graph (the ontology graph excluded)."""
        if self._dataset is None:  # large path: regenerate each source's graph instead of building the Dataset
            index = builder.Index(self.sources)
            for source in self.sources:
                yield from bulk.source_triples(source, index, self.text_root)
            return
        for source in self.sources:
            yield from self.dataset.graph(KG[source.id])

    def all_triples(self):
        yield from self.ontology
        yield from self.data_triples()


def project_version() -> str:
    """The project's version (pyproject.toml's): the stamp on every release IRI unless --version overrides it."""
    return paths.version()


def load_sources(sources_dir: Path = src.SOURCES_DIR, progress: Progress | None = None) -> list[src.Source]:
    """Read and check every source file; problems of all files are reported together."""
    loaded, problems = [], []
    files = src.source_files(sources_dir)
    for path in progress.bar(files, "source files") if progress else files:
        try:
            loaded.append(src.read_source(path))
        except InvalidData as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidData(problems)
    return loaded


def build(
    *,
    sources_dir: Path = src.SOURCES_DIR,
    ontology_dir: Path = onto.ONTOLOGY_DIR,
    shapes_dir: Path = validate.SHAPES_DIR,
    checks_dir: Path = validate.CHECKS_DIR,
    version: str | None = None,
    quiet: bool = True,
    large: bool | None = None,
    verbose: bool = False,
) -> Build:
    """Load the ontology and every source, build the dataset and validate it; raise InvalidData on any problem.

    `large` picks the large-graph path (graph/bulk.py); by default it is taken above LARGE_RECORDS records.
    """
    with gc_paused():
        return _build(sources_dir, ontology_dir, shapes_dir, checks_dir, version, quiet, large, verbose)


@contextmanager
def gc_paused():
    """Python's cyclic garbage collector off for the duration (restored after). The build makes millions of
    short-lived, acyclic objects; at 1M triples the collector's passes over them cost about 10 s of 42
    (bench/, measured). Reference counting still frees them."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _build(sources_dir, ontology_dir, shapes_dir, checks_dir, version, quiet, large, verbose) -> Build:
    progress = Progress(5, quiet=quiet)
    version = version or project_version()

    done = progress("loading the ontology", key="read")
    ontology = onto.release(onto.load_ontology(ontology_dir), version)  # the modules merged into one ontology
    done(f"{len(ontology)} triples, version {version}")

    done = progress(f"reading sources in {src.shown_path(sources_dir)}", key="read")
    sources = load_sources(sources_dir, progress)
    done(f"{len(sources)} source files, {sum(len(s.records) for s in sources)} records")

    done = progress("checking ids, references, topics, labels and quotes", key="check")
    topics = {s for s in ontology.subjects() if str(s).startswith("https://w3id.org/cckg/topic/")}
    levels = set(ontology.subjects(SKOS.inScheme, LEVEL.scheme))
    problems = builder.check_sources(sources, topics, levels) + integrity.hierarchy_problems(sources)
    if problems:
        raise InvalidData(problems)
    done("all resolved")

    text_root = sources_dir.resolve().parent
    if large is None:
        large = sum(len(s.records) for s in sources) > LARGE_RECORDS
    if large:
        result = _build_large(sources, ontology, version, text_root, progress, shapes_dir, checks_dir)
    else:
        result = _build_small(sources, ontology, version, text_root, progress, shapes_dir, checks_dir)
    result.timings = progress.timings
    # The curator's report (both paths): what each source added, and the drafts still waiting in sources/drafts/.
    result.drafts = drafts.scan(sources_dir)
    per_source = drafts.source_lines(sources, verbose=verbose)
    if len(sources) > MAX_SOURCE_LINES and not verbose:  # a large build: the report file has every line
        per_source = [f"  {len(sources)} sources: see validation-report.txt (-v lists them here)"]
    for line in ["statements added, per source:", *per_source,
                 "drafts awaiting confirmation (not loaded):", *drafts.draft_lines(result.drafts, verbose=verbose)]:
        progress.note(line)
    return result


def _build_small(sources, ontology, version, text_root, progress, shapes_dir, checks_dir) -> Build:
    """The build through rdflib graphs and pySHACL (the reference path, used below LARGE_RECORDS records)."""
    done = progress("building the graph", key="rdf")
    dataset = builder.build_dataset(sources, ontology, text_root=text_root)
    result = Build(version, ontology, dataset, sources, validate.Report(), text_root=text_root)
    data = output.fresh_graph(result.data_triples())
    done(f"{len(data)} data triples in {len(sources)} named graphs")

    done = progress("validating (SHACL, terms, check queries)", key="validate")
    index = builder.Index(sources)
    locate = validate.locator(index)
    report = result.report
    whole = output.fresh_graph(result.all_triples())
    report.add("shapes/data.ttl (SHACL)", validate.shacl(whole, shapes_dir / "data.ttl", locate=locate))
    report.add("shapes/ontology.ttl (SHACL)", validate.shacl(ontology, shapes_dir / "ontology.ttl", locate=_ontology_locator))
    report.add("terms from the ontology and reused vocabularies", validate.unknown_terms(data, ontology, locate))
    # Performance: the check queries run on a pyoxigraph copy of the graph (16 s on rdflib for 12k triples, 0.1 s).
    result.store = bulk.store_from_triples(whole)
    for name, found in validate.check_queries_store(result.store, locate, checks_dir):
        report.add(f"queries/checks/{name}", found)
    done(f"{len(report.checks)} checks, {len(report.problems)} problems")
    if report.problems:
        raise InvalidData(report.problems)
    result.counts = _counts(result, data)
    return result


def _build_large(sources, ontology, version, text_root, progress, shapes_dir, checks_dir) -> Build:
    """The large-graph path (graph/bulk.py): one pyoxigraph store, SHACL as SPARQL, the same checks and counts."""
    done = progress("building the graph (large-graph path: pyoxigraph store)", key="rdf")
    loaded = bulk.load(sources, ontology, text_root=text_root)
    result = Build(version, ontology, None, sources, validate.Report(), store=loaded.store, large=True,
                   text_root=text_root, bulk=loaded)
    total, classes = bulk.data_counts(loaded, ontology)
    done(f"{total} data triples in {len(sources)} named graphs")

    done = progress("validating (SHACL as SPARQL, terms, check queries)", key="validate")
    locate = validate.locator(builder.Index(sources))
    report = result.report
    report.add("shapes/data.ttl (SHACL)", validate.shacl_on_store(loaded.store, shapes_dir / "data.ttl", ontology,
                                                                   locate=locate, triples=result.all_triples))
    report.add("shapes/ontology.ttl (SHACL)", validate.shacl(ontology, shapes_dir / "ontology.ttl", locate=_ontology_locator))
    report.add("terms from the ontology and reused vocabularies", validate.check_terms(loaded.used, ontology, locate))
    for name, found in validate.check_queries_store(loaded.store, locate, checks_dir):
        report.add(f"queries/checks/{name}", found)
    done(f"{len(report.checks)} checks, {len(report.problems)} problems")
    if report.problems:
        raise InvalidData(report.problems)
    result.counts = _count_figures(result, total, classes, loaded.per_source)
    return result


def _ontology_locator(node: object) -> Problem:
    return Problem("ontology/", 0, str(node), "")


def _counts(result: Build, data: Graph) -> dict[str, int]:
    classes = Counter(o for o in data.objects(None, RDF.type) if isinstance(o, URIRef))
    per_source = {source.id: len(result.dataset.graph(KG[source.id])) for source in result.sources}
    return _count_figures(result, len(data), classes, per_source)


def _count_figures(result: Build, data_triples: int, classes: Counter, per_source: dict[str, int]) -> dict[str, int]:
    """The counts of the report, from figures either path computes its own way (rdflib graphs or the store)."""
    counts = {
        "triples (all)": len(result.ontology) + data_triples,
        "triples (ontology)": len(result.ontology),
        "triples (data)": data_triples,
    }
    for source in result.sources:
        counts[f"triples in {source.shown}"] = per_source[source.id]
        counts[f"records in {source.shown}"] = len(source.records)
    for cls, n in sorted(classes.items(), key=lambda kv: str(kv[0])):
        counts[f"instances of {validate._curie(cls)}"] = n
    return counts


def report_text(result: Build) -> str:
    """The validation report: version, checks run, counts. No timings, so rebuilds are byte-identical."""
    lines = [
        "China–Central Asia Knowledge Graph — validation report",
        f"version: {result.version}",
        "result: valid (0 problems)",
        "",
        "checks:",
        *(f"  {name}: {n} violation(s)" for name, n in result.report.checks),
        "",
        "counts:",
        *(f"  {name}: {n}" for name, n in result.counts.items()),
        "",
        "statements added, per source:",
        *drafts.source_lines(result.sources),
        "",
        "drafts awaiting confirmation (sources/drafts/, not loaded):",
        *drafts.draft_lines(result.drafts),
    ]
    return "\n".join(lines) + "\n"


def write_outputs(result: Build, out_dir: Path = DIST, *, quiet: bool = True) -> dict[str, Path]:
    """Write the release: all, ontology and data as Turtle, the validation report, and the files of every
    EXTRA_OUTPUTS writer, all into a fresh folder that then replaces `out_dir` in one step (graph/release.py), so
    that `out_dir` always holds one whole release."""
    progress = Progress(1, quiet=quiet)
    done = progress(f"writing {src.shown_path(out_dir)}/", key="write")
    staged = release.Release(out_dir)
    with staged as stage:
        if result.large:  # sorted Turtle from the store's N-Triples (graph/bulk.py): seconds instead of minutes
            with gc_paused():
                whole, data = bulk.sorted_turtle_pair(result.bulk, result.ontology)
        else:
            whole, data = output.turtle_bytes(result.all_triples()), output.turtle_bytes(result.data_triples())
        files = {
            stage / OUTPUTS["all"]: whole,
            stage / OUTPUTS["ontology"]: output.turtle_bytes(result.ontology),
            stage / OUTPUTS["data"]: data,
            stage / OUTPUTS["report"]: report_text(result).encode("utf-8"),
        }
        output.write_atomically(files)
        done(", ".join(f"{p.name} ({len(b) // 1024} KiB)" for p, b in files.items()))
        del whole, data, files
        result.timings.update(progress.timings)
        written = {key: stage / name for key, name in OUTPUTS.items()}
        for target in EXTRA_OUTPUTS:
            module_name, _, function = target.partition(":")
            writer = getattr(importlib.import_module(module_name), function)
            written.update(writer(result, stage, quiet=quiet) or {})
    return {key: staged.final(path) for key, path in written.items()}
