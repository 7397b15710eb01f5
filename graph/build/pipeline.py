"""The build: ontology and sources in, a validated dataset out (the library API behind `python build.py`)."""

from __future__ import annotations

import gc
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.namespace import SKOS

from graph.build import builder, derive, loading, output, release, validate
from graph.sources import drafts, integrity, ontology as onto
from graph import paths
from graph.sources import read as src
from graph.errors import InvalidData, Problem
from graph.namespaces import KG, LEVEL, curie

ROOT = src.ROOT  # the folder paths are shown relative to (the checkout)
DIST = paths.DIST

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


#: Above this many sources the build's progress gives their count instead of a line each (the report has them).
MAX_SOURCE_LINES = 20


@dataclass
class Build:
    """A built, validated graph.

    `loaded` holds what the build made (graph/loading.py): the pyoxigraph store whose default graph is the whole graph
    (ontology and data) as validated, and every graph's triples as canonical N-Triples lines, which the writers
    read. rdflib stays the API for reading: `dataset` (one named graph per source plus the ontology graph) is made
    from the sources when first asked for (about 50 s per million triples); `data_triples()` does not need it.
    """

    version: str
    ontology: Graph
    sources: list[src.Source]
    report: validate.Report
    loaded: loading.Loaded
    text_root: Path | None = None
    counts: dict[str, int] = field(default_factory=dict)
    drafts: list[drafts.DraftStatus] = field(default_factory=list)  # sources/drafts/, reported, never loaded
    timings: dict[str, float] = field(default_factory=dict)  # seconds per build step (for bench/)
    _dataset: Dataset | None = None

    @property
    def store(self):
        """The pyoxigraph Store of the whole graph (default graph: ontology and data)."""
        return self.loaded.store

    @property
    def dataset(self) -> Dataset:
        if self._dataset is None:
            self._dataset = builder.build_dataset(self.sources, self.ontology, text_root=self.text_root)
        return self._dataset

    def data_triples(self):
        """Every triple of every source graph (the ontology graph excluded), as rdflib terms."""
        if self._dataset is None:  # regenerate each source's graph instead of building the Dataset
            index = builder.Index(self.sources)
            for source in self.sources:
                yield from loading.source_triples(source, index, self.text_root)
            return
        for source in self.sources:
            yield from self.dataset.graph(KG[source.id])

    def derived_triples(self):
        """The derived shortcuts' triples (graph.build.derive), as rdflib terms."""
        yield from Graph().parse(data=self.loaded.derived_ntriples.decode("utf-8"), format="nt")

    def all_triples(self):
        yield from self.ontology
        yield from self.data_triples()
        yield from self.derived_triples()


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
    verbose: bool = False,
) -> Build:
    """Load the ontology and every source, build the graph into one store and validate it; raise InvalidData on any
    problem. One path for every size: triples -> pyoxigraph store -> SHACL compiled to SPARQL and the check queries
    on the store."""
    with gc_paused():
        return _build(sources_dir, ontology_dir, shapes_dir, checks_dir, version, quiet, verbose)


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


def _build(sources_dir, ontology_dir, shapes_dir, checks_dir, version, quiet, verbose) -> Build:
    progress = Progress(6, quiet=quiet)
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
    result = _build_store(sources, ontology, version, text_root, progress, shapes_dir, checks_dir)
    result.timings = progress.timings
    # The curator's report: what each source added, and the drafts still waiting in sources/drafts/.
    result.drafts = drafts.scan(sources_dir)
    per_source = drafts.source_lines(sources, verbose=verbose)
    if len(sources) > MAX_SOURCE_LINES and not verbose:  # a large build: the report file has every line
        per_source = [f"  {len(sources)} sources: see validation-report.txt (-v lists them here)"]
    for line in ["statements added, per source:", *per_source,
                 "drafts awaiting confirmation (not loaded):", *drafts.draft_lines(result.drafts, verbose=verbose)]:
        progress.note(line)
    return result


def _build_store(sources, ontology, version, text_root, progress, shapes_dir, checks_dir) -> Build:
    """Sources to one pyoxigraph store (graph/loading.py), validated there: SHACL compiled to SPARQL
    (graph/shacl_sparql.py, kept equal to pySHACL by the parity tests), the terms used, the check queries."""
    done = progress("building the graph", key="rdf")
    loaded = loading.load(sources, ontology, text_root=text_root)
    result = Build(version, ontology, sources, validate.Report(), loaded, text_root=text_root)
    total, classes = loading.data_counts(loaded, ontology)
    done(f"{total} data triples in {len(sources)} named graphs")

    done = progress("deriving the shortcuts (queries/derived/)", key="derive")
    loading.add_derived(loaded, derive.derive(loaded.store))  # before validation: the checks hold them to their rule
    done(f"{len(loaded.derived_lines)} triples in <{derive.DERIVED_GRAPH}>")

    done = progress("validating (SHACL, terms, check queries)", key="validate")
    locate = validate.locator(builder.Index(sources))
    report = result.report
    report.add("shapes/data.ttl (SHACL)", validate.shacl_on_store(loaded.store, shapes_dir / "data.ttl", ontology,
                                                                   locate=locate))
    report.add("shapes/ontology.ttl (SHACL)", validate.shacl_on_store(loading.store_from_triples(ontology),
                                                                       shapes_dir / "ontology.ttl", ontology,
                                                                       locate=_ontology_locator))
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


def _count_figures(result: Build, data_triples: int, classes: Counter, per_source: dict[str, int]) -> dict[str, int]:
    """The counts of the report (triples per graph, instances per class), from the store's figures."""
    counts = {
        "triples (all)": len(result.ontology) + data_triples + len(result.loaded.derived_lines),
        "triples (ontology)": len(result.ontology),
        "triples (data)": data_triples,
        "triples (derived shortcuts)": len(result.loaded.derived_lines),
    }
    for source in result.sources:
        counts[f"triples in {source.shown}"] = per_source[source.id]
        counts[f"records in {source.shown}"] = len(source.records)
    for cls, n in sorted(classes.items(), key=lambda kv: str(kv[0])):
        counts[f"instances of {curie(cls)}"] = n
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


def write_outputs(result: Build, out_dir: Path = DIST, *, writers: Sequence[Callable] = (),
                  quiet: bool = True) -> dict[str, Path]:
    """Write the release: all, ontology and data as Turtle, the validation report, and the files of each of
    `writers` (each called as writer(result, folder, quiet=…) after the core files, in order, and writing its own
    files atomically; the main job's are graph.api.MAIN_WRITERS: the view, the pages, the exports, the manifest),
    all into a fresh folder that then replaces `out_dir` in one step (graph/build/release.py), so that `out_dir`
    always holds one whole release."""
    progress = Progress(1, quiet=quiet)
    done = progress(f"writing {src.shown_path(out_dir)}/", key="write")
    staged = release.Release(out_dir)
    with staged as stage:
        with gc_paused():  # sorted Turtle from the build's N-Triples lines, by pyoxigraph (graph/loading.py)
            whole, data = loading.sorted_turtle_pair(result.loaded)
        files = {
            stage / OUTPUTS["all"]: whole,
            stage / OUTPUTS["ontology"]: loading.sorted_turtle_bytes(result.loaded.ontology_lines),
            stage / OUTPUTS["data"]: data,
            stage / OUTPUTS["report"]: report_text(result).encode("utf-8"),
        }
        output.write_atomically(files)
        done(", ".join(f"{p.name} ({len(b) // 1024} KiB)" for p, b in files.items()))
        del whole, data, files
        result.timings.update(progress.timings)
        written = {key: stage / name for key, name in OUTPUTS.items()}
        for writer in writers:
            written.update(writer(result, stage, quiet=quiet) or {})
    return {key: staged.final(path) for key, path in written.items()}
