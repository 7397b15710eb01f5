"""The build: ontology and sources in, a validated dataset out (the library API behind `python build.py`)."""

from __future__ import annotations

import functools
import gc
import sys
import time
from collections import Counter
from concurrent import futures
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
from graph.errors import InvalidData
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
    validation: validate.Running | None = None  # the validation, if it ran beside the caller (`start`)
    _dataset: Dataset | None = None
    _announce: Callable[[str], None] | None = None  # the progress line of the validation, once it finished

    def validated(self) -> Build:
        """This build once its validation has finished (waiting for it if it still runs, see `start`); InvalidData
        if it found problems (every time it is asked)."""
        if self.validation is not None:
            self.report = self.validation.wait()
            self.timings["validate"] = self.validation.seconds
            if self._announce is not None:
                self._announce(f"validated: {len(self.report.checks)} checks, {len(self.report.problems)} problems "
                               f"({self.validation.seconds:.2f} s)")
                self._announce = None
            if self.report.problems:
                raise InvalidData(self.report.problems)
        return self

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
    for found in src.read_sources(files, (lambda items: progress.bar(items, "source files")) if progress else iter):
        if isinstance(found, InvalidData):
            problems.extend(found.problems)
        elif isinstance(found, Exception):
            raise found
        else:
            loaded.append(found)
    if problems:
        raise InvalidData(problems)
    return loaded


def build(**options) -> Build:
    """Load the ontology and every source, build the graph into one store and validate it; raise InvalidData on any
    problem. One path for every size: triples -> pyoxigraph store -> SHACL compiled to SPARQL and the check queries
    on the store (on validate.WORKERS threads). Takes the keyword arguments of `start` (sources_dir, ontology_dir,
    shapes_dir, checks_dir, version, quiet, verbose), and returns once the validation has passed."""
    return start(**options).validated()


def start(
    *,
    sources_dir: Path = src.SOURCES_DIR,
    ontology_dir: Path = onto.ONTOLOGY_DIR,
    shapes_dir: Path = validate.SHAPES_DIR,
    checks_dir: Path = validate.CHECKS_DIR,
    version: str | None = None,
    quiet: bool = True,
    verbose: bool = False,
    on_load: Callable[[], object] | None = None,
) -> Build:
    """`build`, returned as soon as the graph is in its store: the validation runs meanwhile in threads
    (`Build.validation`), so that the caller's work overlaps it. Nothing read from such a build is validated until
    `Build.validated()` returned (it waits, and raises InvalidData as `build` does); `write_outputs` (the main job:
    api.write_release) writes the release beside the validation and publishes it only if it passed. The problems
    of the sources themselves (ids, references, …) are raised here, before any store is built. `on_load` is called
    as the store begins to load: the build's thread then waits for the store about half of the time, so that work
    it starts in a thread of its own costs the build little (python build.py imports its writers there)."""
    with gc_paused():
        return _build(sources_dir, ontology_dir, shapes_dir, checks_dir, version, quiet, verbose, on_load)


@contextmanager
def gc_paused():
    """Python's cyclic garbage collector off for the duration (restored after). The build makes millions of
    short-lived, acyclic objects; at 1M triples the collector's passes over them cost about 10 s of 42
    (bench/, measured). Reference counting still frees them. Those still alive at the end are moved to the oldest
    generation (gc.freeze then gc.unfreeze: no pass over them) rather than left young, where the first passes after
    would go over every one of them (about 0.9 s for the young generation then 1.0 s for the oldest, at 1M); a
    cycle among them is collected by the next full collection."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _build(sources_dir, ontology_dir, shapes_dir, checks_dir, version, quiet, verbose, on_load=None) -> Build:
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
    if on_load is not None:
        on_load()
    result = _build_store(sources, ontology, version, text_root, progress, shapes_dir, checks_dir)
    result.timings = progress.timings  # validate's figure is added when the validation has finished
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
    """Sources to one pyoxigraph store (graph/loading.py), and its validation started there, in threads
    (validate.Running): SHACL compiled to SPARQL (graph/shacl_sparql.py, kept equal to pySHACL by the parity
    tests), the terms used, the check queries."""
    done = progress("building the graph", key="rdf")
    loaded = loading.load(sources, ontology, text_root=text_root)
    result = Build(version, ontology, sources, validate.Report(), loaded, text_root=text_root)
    total, classes = loading.data_counts(loaded, ontology)
    done(f"{total} data triples in {len(sources)} named graphs")

    done = progress("deriving the shortcuts (queries/derived/)", key="derive")
    loading.add_derived(loaded, derive.derive(loaded.store))  # before validation: the checks hold them to their rule
    done(f"{len(loaded.derived_lines)} triples in <{derive.DERIVED_GRAPH}>")

    result.counts = _count_figures(result, total, classes, loaded.per_source)  # the store's figures, known now
    progress(f"validating (SHACL, terms, check queries) on {validate.WORKERS} threads, beside what follows")
    result.validation = validate.Running(loaded, ontology, validate.locator(builder.Index(sources)), shapes_dir,
                                         checks_dir)
    result._announce = progress.note
    return result


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
    """Write the release: all, ontology and data as Turtle, the files of each of `writers` (each called as
    writer(result, folder, quiet=…), in order, and writing its own files atomically; the main job's are
    graph.api.MAIN_WRITERS: the view, the pages, the exports, the manifest), and last the validation report, all
    into a fresh folder that then replaces `out_dir` in one step (graph/build/release.py), so that `out_dir` always
    holds one whole release.

    The core Turtle files are written in a thread beside the writers (pyoxigraph parses and serializes cckg.ttl in a
    child process: graph/build/apart.py), once the first writer that runs beside (below) has finished. A build from
    `start` is still being validated meanwhile: a writer begins once the store no longer holds the validation's
    inferred graph (`validate.Running.store_clean`), unless it says it reads only the store's default graph (an
    attribute `reads_default_graph_only = True`). A writer with an attribute `runs_beside = True` (work done outside
    Python: SQLite, a child process) is run in a thread of its own while the writers after it run here (none of them
    may read its files), and waited for before the release is published. The release is published only once the
    validation passed; if it found problems, InvalidData is raised (also in place of a writer's error, which invalid
    data may explain), the fresh folder is removed and `out_dir` is left as it was."""
    progress = Progress(1, quiet=quiet)
    done = progress(f"writing {src.shown_path(out_dir)}/")
    staged = release.Release(out_dir)
    with staged as stage, gc_paused():
        result.loaded.union_ntriples()  # made once, here, before the two threads that read it
        # ontology.ttl here, before the thread: a few hundred triples, whose parse and serialization in a thread
        # would wait for the GIL once a triple while the writers run (seconds at 1M)
        ontology_ttl = output.sorted_turtle_bytes(result.loaded.ontology_lines)
        core = None  # the core files' thread, begun after the first writer beside (see `_write_core_files`)
        beside = []  # the writers that run in a thread beside those after them (`runs_beside`)
        try:
            written = {key: stage / name for key, name in OUTPUTS.items()}
            for writer in writers:
                if result.validation is not None and not getattr(writer, "reads_default_graph_only", False):
                    result.validation.store_clean.wait()
                if getattr(writer, "runs_beside", False):
                    beside.append(output.in_thread("cckg-writer", functools.partial(writer, quiet=quiet), result,
                                                   stage))
                    if core is None:
                        core = output.in_thread("cckg-core-files", _write_core_files, result, stage, ontology_ttl,
                                                beside[-1])
                else:
                    written.update(writer(result, stage, quiet=quiet) or {})
            if core is None:
                core = output.in_thread("cckg-core-files", _write_core_files, result, stage, ontology_ttl)
            for pending in beside:
                written.update(pending.result() or {})
        except Exception:
            futures.wait([*beside, *([core] if core is not None else [])])
            result.validated()  # invalid data: its InvalidData is the error
            raise
        futures.wait([core])
        result.validated()  # raises InvalidData: the stage is discarded, out_dir unchanged
        sizes = core.result()
        report = stage / OUTPUTS["report"]
        output.write_atomically({report: report_text(result).encode("utf-8")})  # last: from the validation
        done(", ".join([*sizes, f"{report.name} ({report.stat().st_size // 1024} KiB)"]))
    return {key: staged.final(path) for key, path in written.items()}


def _write_core_files(result: Build, stage: Path, ontology_ttl: bytes, after: futures.Future | None = None
                      ) -> list[str]:
    """cckg.ttl, ontology.ttl (`ontology_ttl`) and data.ttl written into the stage (run in a thread by
    write_outputs): their sizes, and the wall time in the build's timings ("write").

    Begun once `after` (the first writer beside the others: the engine's formats, in a child process) has finished:
    the core files' child process then has the core that the Python work of the writers after it (the view, the
    pages: one core) leaves idle. Begun with the exports made in Python (as before 2026-12), it shared the two
    cores with them and with the validation's queries, and that core stood idle at the end of the release."""
    if after is not None:
        futures.wait([after])
    started = time.perf_counter()
    try:  # sorted Turtle from the build's N-Triples lines, by pyoxigraph (graph/loading.py); data.ttl is cckg.ttl
        loaded = result.loaded  # less the ontology's triples the data does not repeat, cut out of its bytes
        only_ontology = [line.encode("utf-8") for line in sorted(loaded.ontology_lines - loaded.data_lines)]
        with output.AtomicFiles() as out:  # (the Turtle of a large text written by a child process, not read here)
            pair = out.reserve(stage / OUTPUTS["all"]), out.reserve(stage / OUTPUTS["data"])
            output.write_turtle_pair(loaded.union_ntriples(), only_ontology, pair, checked=True)  # parsed strictly
            sizes = {OUTPUTS["all"]: out.seal(pair[0]),
                     OUTPUTS["ontology"]: out.write(stage / OUTPUTS["ontology"], ontology_ttl),
                     OUTPUTS["data"]: out.seal(pair[1])}
        return [f"{name} ({size // 1024} KiB)" for name, size in sizes.items()]
    finally:
        result.timings["write"] = time.perf_counter() - started
