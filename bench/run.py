"""The benchmark: builds generated graphs of about 10k, 100k and 1M triples and prints a table of times and memory.

    python bench/run.py [--sizes 10k,100k,1m] [--runs 2] [--query-runs 12] [--all-formats] [--cold]
                        [--out bench/results.json]

For each size it generates the sources (bench/generate.py, seeded), then, each measurement in a fresh process that
records the 1-minute load average (os.getloadavg) when it ends, printed beside its figures (this machine has 2
cores shared with other work: a figure measured at load 6 is not a quiet one).

The default run is held under 10 minutes on this machine (2 cores, often shared): two builds per size below 1M,
12 runs of each query (6 above 200k), rdflib once per query above 20k triples (stopped after 15 s), no export
formats above 200k; the table says what was skipped. It measures:

* the core build split by step (read, check, build RDF, derive the shortcuts, validate, write) and its peak RSS,
  `--runs` times below 1M;
* the main job as `python build.py` runs it (build, core outputs, every writer of graph.api.MAIN_WRITERS, each timed),
  its wall and CPU time and peak RSS against the issue's goal at 1M (≤ 30 s, ≤ 1.5 GB), beside the engine alone
  after each run (`child_engine_alone`: pyoxigraph loading its cckg.nt and writing Turtle, the issue's reference); at 1M it runs MAIN_JOB_RUNS
  times (the run of the median wall time is reported, every run's figures beside it, the memory goal read on the
  largest peak), and the median run also gives the core build's row (not --runs); then, in the same process of each
  run, the 1,000-node focus view
  (viz.view.focus_from_store + viz.render.build_view, FOCUS_CENTRE, depth FOCUS_DEPTH) against its goal (≤ 2 s);
* p50/p95 of every library query (queries/cq/*.rq, or queries/checks/*.rq where the library is absent) bound to its
  example parameters (a lookup; an example absent from the generated graph is replaced by the first instance of its
  class, STAND_INS) and, where the parameters are optional, unbound as "name [all]" (a whole-graph listing), on the
  main job's cckg.nq loaded once: "ours" is the library path as `build.py query` runs it (_library_path: the query
  prepared; a `# materialized:` query's whole answer read from the release's listing table, graph.store.listings;
  else run with its parameters, the rows converted and normalized; a phrase or name search asks the full-text
  index), "engine
  alone" the same text with the same parameters on the same pyoxigraph Store by bare `store.query` (rows counted),
  the two interleaved run by run; and plain rdflib (≤ RDFLIB_MAX triples only: its load alone takes minutes at 1M)
  with the ratio rdflib / engine and its geometric mean, and the kind each run is held to, on the library path
  (query_kind: lookup or text search within TARGET_MS; a listing's first page, `--page 1` of PAGE_ROWS rows, timed
  too, within TARGET_MS, and its whole answer at STREAM_ROWS_PER_S or more); fewer runs above RDFLIB_MAX
  (half, at least 5); and the growth of each query's time between the two largest sizes (`growth`: its exponent,
  goal ≤ GROWTH_GOAL, beside its answer's own);
* the time of each export format (graph.export), up to RDFLIB_MAX triples (above, with --all-formats: 20–30 s a
  format at 1M, after a build of their own);
* with --cold, bench/cold_query.py and bench/endpoint_vs_oxigraph.py (the cold shell
  query and the endpoint against `oxigraph serve`): see `extra_benchmarks`.

Results go to bench/results.json.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: The focus view timed: the neighbourhood of this entity, breadth first, cut to FOCUS_NODES nodes.
FOCUS_CENTRE, FOCUS_DEPTH, FOCUS_NODES = "kg:china", 4, 1000
QUERY_TIMEOUT = 120  # seconds: a query still running then is reported as "> 120 s" (its ratio a lower bound)
RDFLIB_TIMEOUT, RDFLIB_BUDGET = 15, 5  # rdflib: a query stopped after 15 s; no more runs once 5 s are spent on it
RDFLIB_RUNS_MAX = 20_000  # triples above which rdflib runs each query once (its 100k runs took minutes)
RDFLIB_MAX = 200_000  # triples above which plain rdflib is not measured (load ~75 s, queries up to minutes at 1M)
#: The issue's goals (issue 14): the main job at 1M, and the 1,000-node focus view generated.
MAIN_JOB_GOAL_S, MAIN_JOB_GOAL_MB, VIEW_GOAL_S = 30.0, 1.5 * 1024, 2.0
#: Runs of the whole main job at 1M (one below).
MAIN_JOB_RUNS = 3
#: Export formats are timed up to RDFLIB_MAX triples; above, only with --all-formats (a build of its own and 20–30 s
#: a format at 1M; the main job's exporter writer, timed in every run, writes the release's exports).


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load() -> float:
    """The 1-minute load average now (2 cores here: above ~2, other work competed with the measurement)."""
    return round(os.getloadavg()[0], 2)


# ------------------------------------------------------------------------------------------------ child processes

def child_build(sources: Path, out: Path) -> dict:
    from graph.build import pipeline

    t0 = time.perf_counter()  # the core build; the writers are timed by child_main_job
    result = pipeline.build(sources_dir=sources, quiet=True)
    pipeline.write_outputs(result, out, quiet=True)
    total = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"total_s": total, "cpu_s": usage.ru_utime + usage.ru_stime, "steps": result.timings,
            "triples": result.counts["triples (all)"], "peak_mb": _peak_mb(), "load": _load()}


def child_main_job(sources: Path, out: Path) -> dict:
    """The whole main job, as `python build.py` runs it: the build, the core outputs and every extra writer
    (graph.api.MAIN_WRITERS, each timed, wall and CPU), with its wall and CPU time and its peak RSS; the core build's
    figures on the way (the build row at 1M); then the 1,000-node focus view from the store, in the same process
    (its memory after the job's peak)."""
    from graph import api
    from graph.build import pipeline

    t0, c0 = time.perf_counter(), time.process_time()
    with pipeline.gc_paused():  # as build.py (graph/cli/main.py): one pause from the build to the release
        imported = []  # as build.py: the writers imported in a thread while the store loads
        result = pipeline.start(sources_dir=sources, quiet=True,  # as build.py: validated beside the writing
                                on_load=lambda: imported.append(api.main_writers_beside()))
        build = {"total_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0, "steps": dict(result.timings),
                 "triples": result.counts["triples (all)"], "peak_mb": _peak_mb(), "load": _load()}
        found: dict = {"writers": {}, "writers_cpu": {}}

        def timed(target, writer):
            @functools.wraps(writer)  # with its attributes (reads_default_graph_only: pipeline.write_outputs)
            def run(*args, **kwargs):
                t, c = time.perf_counter(), time.process_time()
                try:
                    return writer(*args, **kwargs)
                finally:
                    found["writers"][target] = time.perf_counter() - t
                    found["writers_cpu"][target] = time.process_time() - c
            return run

        writers = [timed(target, writer) for target, writer in zip(api.MAIN_WRITERS, imported[0].result())]
        pipeline.write_outputs(result, out, writers=writers, quiet=True)
    # the validation and the core outputs, each its own wall time (they overlap the writers: build.total_s is the
    # time until the validation started)
    build["steps"].update({k: result.timings.get(k, 0.0) for k in ("validate", "write")})
    job = {"total_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0, "peak_mb": _peak_mb(),
           "load": _load()}
    found["writers_peak_mb"] = job["peak_mb"]
    found.update(child_view(result, out))
    return {"build": build, "main_job": job, "extras": found}


def child_view(result, out: Path) -> dict:
    """The 1,000-node focus view of a build from its store (viz.view.focus_from_store + viz.render.build_view):
    wall seconds for the gathering and for the page, and the load average."""
    try:
        from viz import render, view
    except ImportError:
        return {"view": None}
    from graph.build.pipeline import gc_paused

    t, c = time.perf_counter(), time.process_time()
    with gc_paused():  # as viz.view.render_view does: one pause for the gathering and the page
        focus, part, _ = view.focus_from_store(result, FOCUS_CENTRE, FOCUS_DEPTH, limit=FOCUS_NODES)
        gathered = time.perf_counter() - t
        render.build_view(result, out_file=out / "focus.html", title="focus", g=focus, dataset=part)
    return {"view": time.perf_counter() - t, "view_cpu": time.process_time() - c, "view_gather": gathered,
            "view_nodes": focus.number_of_nodes(), "view_load": _load()}


def child_engine_alone(ntriples: Path, out: Path) -> dict:
    """The main job's engine-alone figure (the issue's): pyoxigraph alone loading the release's N-Triples into an
    in-memory store and writing them as Turtle, in a fresh process: wall and CPU seconds, peak RSS, load average."""
    import pyoxigraph as ox

    t0, c0 = time.perf_counter(), time.process_time()
    store = ox.Store()
    store.bulk_load(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES)
    store.dump(output=str(out), format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph())
    return {"total_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0, "peak_mb": _peak_mb(),
            "load": _load(), "triples": len(store)}


#: For a library parameter whose example (from the real sources) is not in a generated graph: the class whose
#: first instance (by IRI) stands in for it, so that the lookup is timed on a resource that exists.
STAND_INS = {"meeting": "cckg:MinisterialMeeting", "person": "foaf:Person", "actor": "foaf:Person",
             "post": "org:Post", "document": "cckg:SourceDocument", "resource": "cckg:Proposal",
             "organization": "cckg:Mechanism", "topic": "skos:Concept", "country": "schema:Country",
             "mechanism": "cckg:Mechanism"}


def _queries() -> list[tuple[str, str, dict, bool]]:
    """(name, text, params, required) of every library query: queries/cq/*.rq with their example parameters
    (and again unbound, as "name [all]", where the parameters are optional), or else queries/checks/*.rq."""
    from graph.store import library, sparql

    cq = library.load("cq")
    if not cq:
        return [(q.name, q.text, {}, False) for q in library.load("checks")]
    out = []
    for q in cq:
        params = {p.name: sparql.parse_term(p.example) for p in q.params if p.example}
        required = any(p.required for p in q.params)
        out.append((q.name, q.text, params, required))
        if params and not required:
            out.append((f"{q.name} [all]", q.text, {}, False))
    return out


def _stand_in(store, name: str, term):
    """The example term if the graph has it as a subject, else the first instance of STAND_INS[name]."""
    import pyoxigraph as ox

    from graph.namespaces import PREFIXES
    from graph.store.engines import to_oxigraph

    value = to_oxigraph(term)
    if not isinstance(value, ox.NamedNode) or next(store.quads_for_pattern(value, None, None), None):
        return value
    prefix, _, local = STAND_INS.get(name, "skos:Concept").partition(":")
    rows = list(store.query(f"SELECT ?x WHERE {{ ?x a <{PREFIXES[prefix]}{local}> }} ORDER BY ?x LIMIT 1"))
    return rows[0][0] if rows else value


def _timed_runs(name: str, runs: int, timeout: int, budget_s: float, *paths) -> dict:
    """Run each of `paths` (callables returning a row count) `runs` times, interleaved run by run; p50/p95 ms of
    each, or {"timeout_s"} when a run passed `timeout` (SIGALRM: it interrupts pure-Python rdflib too)."""
    import signal

    times = [[] for _ in paths]
    rows = None
    for _ in range(runs):
        for i, path in enumerate(paths):
            t = time.perf_counter()
            signal.alarm(timeout)
            try:
                rows = path()
            except TimeoutError:
                return {"timeout_s": timeout, "rows": None}
            finally:
                signal.alarm(0)
            times[i].append((time.perf_counter() - t) * 1000)
        if sum(times[0]) > budget_s * 1000:
            break
    out = {"rows": rows, "n": len(times[0]), "kind": query_kind(name, rows)}
    for i, found in enumerate(times):
        found.sort()
        suffix = "" if i == 0 else f"_{i}"
        out["p50_ms" + suffix], out["p95_ms" + suffix] = _pct(found, 50), _pct(found, 95)
        out["min_ms" + suffix] = found[0] if found else float("nan")
    return out


def _first_page(name: str, runs: int, ours, text: str, params: dict) -> dict:
    """A listing's first page as a user asks for it (`query --page 1`: the query's own ORDER BY, PAGE_ROWS rows;
    from the listing table, by seek for a query with a `# page-key:`, else LIMIT), on the library path as the command
    runs it (`_library_path`; `text` and `params` before the query's own binding): {"first_page_ms": p50,
    "first_page_rows": rows}."""
    from graph.store import library

    page = functools.partial(_library_path, ours, library.find(name.removesuffix(" [all]")), text, params, PAGE_ROWS)
    found = _timed_runs(name, runs, QUERY_TIMEOUT, 60, page)
    if "timeout_s" in found:
        return {"first_page_timeout_s": found["timeout_s"]}
    return {"first_page_ms": found["p50_ms"], "first_page_rows": found["rows"]}


def _library_path(ours, query, text: str, params: dict, limit: int | None = None) -> int:
    """The rows of one run on the library path, as `build.py query` runs it: the text prepared, then its whole
    answer (or its first `limit` rows) from the release's listing table if it has one for these parameters
    (graph.store.listings), else from the engine with the query's own binding (graph.store.paging.fetch: by seek
    for a page of a query with a page key; run, rows converted and normalized)."""
    from graph.store import listings, sparql

    text, info = sparql.prepare(text)
    return _size(listings.fetch(ours, query, text, info, limit, None, params=params,
                                bind=lambda t, p: query.bind(t, p, engine="oxigraph"), added=info.added))


def _size(result) -> int:
    return len(result.triples) if result.is_graph else len(result.rows)


def child_queries(dump: Path, engine: str, runs: int) -> dict:
    """Every library query on `dump` loaded once. Oxigraph: "ours" (_library_path on an OxigraphStore, as `build.py
    query` runs it: prepared; from the listing table beside `dump` for a `# materialized:` query; else run with
    its parameters, rows converted and normalized) beside the engine alone (bare `store.query` on the same
    pyoxigraph Store, rows counted), interleaved; the figures of the engine alone are `p50_ms`, ours `p50_ms_1`.
    rdflib: a plain Graph's query."""
    import signal

    import pyoxigraph as ox

    from graph.store.engines import OxigraphStore, from_oxigraph

    out: dict = {"engine": engine, "queries": {}, "dump": dump.name}
    t0 = time.perf_counter()
    if engine == "oxigraph":
        ours = OxigraphStore.from_file(dump)  # N-Quads: the named graphs and their union as the default graph
        store = ours.store
    else:
        from rdflib import Graph

        graph = Graph()
        graph.parse(dump, format="turtle")
    out["load_s"] = time.perf_counter() - t0
    out["load_peak_mb"] = _peak_mb()
    if engine != "oxigraph":  # a store only to pick the same stand-ins as the Oxigraph run
        store = ox.Store()
        store.load(path=str(dump), format=ox.RdfFormat.TURTLE)

    def _timeout(signum, frame):
        raise TimeoutError

    signal.signal(signal.SIGALRM, _timeout)
    queries = _queries()
    bound = {name: {ox.Variable(k): _stand_in(store, k, v) for k, v in params.items()}
             for name, _, params, _ in queries}
    if engine != "oxigraph":
        del store
    from graph.store import library as queries_library

    for name, text, _, _ in queries:
        b = bound[name]
        if engine == "oxigraph":
            params = {k.value: from_oxigraph(v) for k, v in b.items()}
            unbound = (text, params)  # the first page binds them its own way (graph.store.paging.fetch)
            if not name.endswith(" [all]"):  # the query's own choice of binding (`# binding: inline`), both paths
                text, params = queries_library.find(name).bind(text, params, engine="oxigraph")
                b = {k: v for k, v in b.items() if k.value in params}  # the pre-bound ones (none if inline)
            bare = lambda: sum(1 for _ in store.query(text, substitutions=b))  # noqa: E731
            library = functools.partial(_library_path, ours, queries_library.find(name.removesuffix(" [all]")),
                                        *unbound)
            found = out["queries"][name] = _timed_runs(name, runs, QUERY_TIMEOUT, 60, bare, library)
            if found.get("kind") == "listing" and "p50_ms_1" in found:
                found.update(_first_page(name, runs, ours, *unbound))
        else:
            rd = {k.value: from_oxigraph(v) for k, v in b.items()}
            plain = lambda: sum(1 for _ in graph.query(text, initBindings=rd))  # noqa: E731
            out["queries"][name] = _timed_runs(name, runs, RDFLIB_TIMEOUT, RDFLIB_BUDGET, plain)
    out["load"] = _load()
    return out


#: Seconds after which one export format is reported as not finished ("> N s").
FORMAT_TIMEOUT = 300


def child_formats(sources: Path, out: Path, which: str = "all") -> dict:
    """Each export format of the whole graph (graph.export.FORMATS) as `python build.py export --format F` pays
    for it after the build: a fresh Exporter per format (no conversion shared with another format), the files
    written; wall and CPU seconds and the bytes written. `which` is "all" or a comma-separated list; the others
    are reported as {"skipped": True}."""
    import signal

    from graph.export import exporter as export
    from graph.build import pipeline

    result = pipeline.build(sources_dir=sources, quiet=True)
    found: dict = {}

    def _timeout(signum, frame):
        raise TimeoutError

    signal.signal(signal.SIGALRM, _timeout)
    for fmt in export.FORMATS:
        if which != "all" and fmt not in which.split(","):
            found[fmt] = {"skipped": True}
            continue
        t, c = time.perf_counter(), time.process_time()
        signal.alarm(FORMAT_TIMEOUT)
        try:
            paths = export.export(result, fmt, part="all", out=out / f"cckg.{fmt}")
        except TimeoutError:
            found[fmt] = {"timeout_s": FORMAT_TIMEOUT}
            continue
        finally:
            signal.alarm(0)
        found[fmt] = {"s": time.perf_counter() - t, "cpu_s": time.process_time() - c,
                      "bytes": sum(path.stat().st_size for path in paths)}
    found["load"] = _load()
    return found


# ------------------------------------------------------------------------------------------------ the driver

def _pct(values: list[float], pct: int) -> float:
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, math.ceil(pct / 100 * len(values)) - 1))
    return values[k]


def _child(*args: str, timeout: int = 3600) -> dict:
    """Run this script's child mode in a fresh process; return its JSON (peak RSS is the child's own)."""
    proc = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(size: str, *, runs: int, query_runs: int, work: Path, all_formats: bool = False) -> dict:
    from bench.generate import generate, parse_size

    target = parse_size(size)
    sources, out, main = work / f"sources-{size}", work / f"out-{size}", work / f"main-{size}"
    generate(sources, triples=target)
    large = target > RDFLIB_MAX
    # build + every writer + the focus view, peak RSS; at 1M three times (its wall time moves by ±15 % between runs
    # on this machine at the same load): the run of the median wall time is reported, beside every run's figures
    # each run followed by the engine alone on its cckg.nt (`child_engine_alone`), so that the two meet the same
    # spell of the shared machine
    jobs, alone = [], []
    for _ in range(MAIN_JOB_RUNS if target >= 1_000_000 else 1):
        jobs.append(_child("main", str(sources), str(main)))
        alone.append(_child("engine", str(main / "cckg.nt"), str(work / f"engine-{size}.ttl")))
    job = sorted(jobs, key=lambda j: j["main_job"]["total_s"])[len(jobs) // 2]
    builds = [job["build"]] if target >= 1_000_000 else [_child("build", str(sources), str(out)) for _ in range(runs)]
    row: dict = {"size": size, "triples": builds[0]["triples"], "load": [b["load"] for b in builds],
                 "build_runs": len(builds),
                 "build_s": statistics.median(b["total_s"] for b in builds),
                 "build_cpu_s": statistics.median(b["cpu_s"] for b in builds),
                 "steps_s": {k: statistics.median(b["steps"].get(k, 0.0) for b in builds)
                             for k in ("read", "check", "rdf", "derive", "validate", "write")},
                 "build_peak_mb": statistics.median(b["peak_mb"] for b in builds),
                 # the memory goal is read on the largest peak of the runs, the time on the median run
                 "main_job": {**job["main_job"], "peak_mb": max(j["main_job"]["peak_mb"] for j in jobs)},
                 "extras": job["extras"],
                 "main_job_runs": [{**j["main_job"], "view": j["extras"].get("view")} for j in jobs],
                 "engine_alone": sorted(alone, key=lambda a: a["total_s"])[len(alone) // 2],
                 "engine_alone_runs": alone}
    # half the runs above RDFLIB_MAX, at least 5: the first run of a listing reads and converts its terms (at 1M,
    # statement-source [all]: 345 ms, then 40 ms), and of 3 runs the median was 73 ms
    row["query_runs"] = max(5, query_runs // 2) if large else query_runs
    row["oxigraph"] = _child("queries", str(main / "cckg.nq"), "oxigraph", str(row["query_runs"]))
    if row["triples"] <= RDFLIB_MAX:
        rd_runs = max(3, query_runs // 4) if row["triples"] <= RDFLIB_RUNS_MAX else 1
        row["rdflib"] = _child("queries", str(main / "cckg.ttl"), "rdflib", str(rd_runs))
    else:
        row["rdflib"] = None
    ratios = {}
    if row["rdflib"]:
        for name, ox_q in row["oxigraph"]["queries"].items():
            rd = row["rdflib"]["queries"].get(name)
            if rd and ox_q.get("p50_ms", 0) > 0:
                ratios[name] = rd.get("p50_ms", rd.get("timeout_s", 0) * 1000) / ox_q["p50_ms"]
    row["ratio_rdflib_over_oxigraph"] = ratios
    row["geomean_speedup"] = math.exp(statistics.mean(math.log(r) for r in ratios.values())) if ratios else None
    if all_formats or not large:
        row["formats"] = _child("formats", str(sources), str(work / f"formats-{size}"))
    else:
        row["formats"] = {"skipped": f"above {RDFLIB_MAX:,} triples (--all-formats)"}
    return row


#: The issue's latency targets (p50 at about 1M triples), by kind of query; QUERY_TARGET_MS: a query's own, where
#: the issue sets one tighter than its kind's (the phrase search: 50 ms).
TARGET_MS = {"lookup": 20.0, "listing": 150.0, "text search": 150.0}
QUERY_TARGET_MS = {"statements-by-phrase": 50.0}
#: The issue's bound on growth: no library query whose time grows faster than n^GROWTH_GOAL between the two largest
#: sizes of a run (100k and 1M by default), n the triples.
GROWTH_GOAL = 1.1
#: The issue's goals for listings: the first page (PAGE_ROWS rows, by `--page 1`) within the listing target, and the
#: whole listing read at STREAM_ROWS_PER_S or more (rows / p50 of the whole answer on the library path).
PAGE_ROWS, STREAM_ROWS_PER_S = 1000, 100_000
#: Rows above which a bound query's answer grows with the graph (every stance of a country over the years):
#: it is timed against the whole-graph target, as its unbound run is.
LISTING_ROWS = 1000


def query_kind(name: str, rows: int | None) -> str:
    """How the targets read a library query run: "listing" (unbound, "name [all]", or an answer of more than
    LISTING_ROWS rows), "text search" (a required words parameter matched anywhere in every name or quote: a scan of
    them all, with no text index in SPARQL), else "lookup" (a bound query about one entity, joins included)."""
    from graph.store import library

    base = name.removesuffix(" [all]")
    if name.endswith(" [all]") or (rows or 0) > LISTING_ROWS:
        return "listing"
    query = next((q for q in library.load("cq") if q.name == base), None)
    if query and any(p.required and "words" in p.description for p in query.params):
        return "text search"
    return "lookup"


def machine() -> dict:
    packages = {}
    for name in ("rdflib", "pyoxigraph", "pyshacl", "PyYAML", "pyvis", "networkx"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    with open("/proc/meminfo") as handle:
        mem_kb = int(handle.readline().split()[1])
    return {"nproc": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1), "python": platform.python_version(),
            "platform": platform.platform(), "packages": packages}


def _loads(value) -> str:
    """Load average(s) as printed: one figure, or the figures of each run joined by "/"."""
    if value is None:
        return "–"
    values = value if isinstance(value, list) else [value]
    return "/".join(f"{v:.1f}" for v in values)


def _goal(value: float, goal: float) -> str:
    return "met" if value <= goal else "**not met**"


def _verdict(kind: str, q: dict, name: str = "") -> tuple[str, str, str, str]:
    """(target text, met or not, first page cell, rows/s cell) of one query run `name`, on the library path ("ours").
    A lookup or text search: its p50 within its QUERY_TARGET_MS, else its kind's TARGET_MS. A listing: its first
    page within TARGET_MS and, when it has more than one page, the whole answer at STREAM_ROWS_PER_S or more."""
    p50 = q.get("p50_ms_1", q["p50_ms"])
    if kind != "listing":
        target = QUERY_TARGET_MS.get(name, TARGET_MS[kind])
        return f"≤ {target:.0f} ms", _goal(p50, target), "–", "–"
    rows = q.get("rows") or 0
    if "first_page_timeout_s" in q:
        first, page = float("inf"), f"> {q['first_page_timeout_s']} s"
    elif "first_page_ms" in q:
        first, page = q["first_page_ms"], f"{q['first_page_ms']:.2f} ({q['first_page_rows']})"
    else:  # no first page timed (a result file of an older run): the whole answer stands in for it
        first, page = p50, "–"
    met = first <= TARGET_MS[kind]
    rate = "– (one page)"
    if rows > PAGE_ROWS:
        per_s = rows / (p50 / 1000) if p50 > 0 else float("inf")
        met = met and per_s >= STREAM_ROWS_PER_S
        rate = f"{per_s:,.0f}"
    return (f"first page ≤ {TARGET_MS[kind]:.0f} ms, ≥ {STREAM_ROWS_PER_S // 1000}k rows/s",
            "met" if met else "**not met**", page, rate)


def table(rows: list[dict]) -> str:
    lines = ["Load average: the 1-minute figure when each measurement ended (2 cores: above ~2, other work competed).",
             "", "| size | triples | build s wall (runs) | build CPU s | read | check | build RDF | derive | validate "
             "| write | peak MB | load avg | store load s (Oxigraph nq / rdflib ttl) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        s = r["steps_s"]
        rd = f"{r['rdflib']['load_s']:.2f}" if r["rdflib"] else f"skipped (> {RDFLIB_MAX:,} triples)"
        lines.append(f"| {r['size']} | {r['triples']:,} "
                     f"| {r['build_s']:.2f} ({r['build_runs']}) | {r['build_cpu_s']:.2f} | {s['read']:.2f} | {s['check']:.2f} | {s['rdf']:.2f} "
                     f"| {s.get('derive', 0.0):.2f} | {s['validate']:.2f} | {s['write']:.2f} | {r['build_peak_mb']:.0f} | {_loads(r.get('load'))} "
                     f"| {r['oxigraph']['load_s']:.2f} / {rd} |")
    lines += ["", "Queries: \"engine alone\" is bare pyoxigraph `store.query` (rows counted); \"ours\" the library path "
              "as `build.py query` runs it (prepare; a `# materialized:` query read from the release's listing table, "
              "graph.store.listings; else run with parameters, convert and normalize the rows) on the same "
              "store loaded from the same cckg.nq, interleaved run by run.", "",
              "A listing is held to the issue's two goals: its first page (`--page 1`, 1,000 rows) within 150 ms, and "
              "the whole listing at 100k rows/s or more (its rows over ours p50; a listing of one page has only the "
              "first).", "",
              "| size | query | rows | kind (p50 target, ours) | engine alone p50 / p95 ms | ours p50 / p95 ms | ours / engine "
              "| first page ms (rows) | whole listing rows/s | rdflib p50 / p95 ms | rdflib / engine | runs | load avg |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        load = _loads(r["oxigraph"].get("load"))
        for name, q in r["oxigraph"]["queries"].items():
            if "timeout_s" in q:
                lines.append(f"| {r['size']} | {name} | – | – | > {q['timeout_s']} s (stopped) | | | | | | | | {load} |")
                continue
            rd = r["rdflib"]["queries"].get(name) if r["rdflib"] else None
            rds = (f"skipped (> {RDFLIB_MAX:,} triples)" if not rd else f"> {rd['timeout_s']} s (stopped)"
                   if "timeout_s" in rd else f"{rd['p50_ms']:.1f} / {rd['p95_ms']:.1f}")
            ratio = r["ratio_rdflib_over_oxigraph"].get(name)
            kind = q.get("kind") or query_kind(name, q["rows"])
            target, met, page, rate = _verdict(kind, q, name)
            ours = (f"{q['p50_ms_1']:.2f} / {q['p95_ms_1']:.2f}", f"{q['p50_ms_1'] / q['p50_ms']:.1f}x") \
                if "p50_ms_1" in q and q["p50_ms"] > 0 else ("–", "–")
            lines.append(f"| {r['size']} | {name} | {q['rows']} | {kind} ({target}: {met}) "
                         f"| {q['p50_ms']:.2f} / {q['p95_ms']:.2f} | {ours[0]} | {ours[1]} | {page} | {rate} | {rds} "
                         f"| {f'{ratio:.0f}x' if ratio else '–'} | {q.get('n', '')} | {load} |")
        gm = r["geomean_speedup"]
        lines.append(f"| {r['size']} | **geometric mean** | | | | | | | {f'{gm:.0f}x' if gm else 'rdflib skipped'} | | |")
    lines += growth(rows)
    lines += ["", "The main job beside the engine alone: after each run of the main job, pyoxigraph alone loads its "
              "cckg.nt into a store and writes it as Turtle in a fresh process (`child_engine_alone`; the median run "
              "of each, and the ratio of the medians).", "",
              f"| size | extra writers of the build, wall s (CPU s) | main job (build + all writers) wall s / CPU s / "
              f"peak MB (goal at 1M: ≤ {MAIN_JOB_GOAL_S:.0f} s, ≤ {MAIN_JOB_GOAL_MB:.0f} MB) | load avg "
              f"| the engine alone, wall s / CPU s / peak MB (runs) | main job / engine alone "
              f"| 1,000-node focus view from the store, wall s (gather; CPU s; goal at 1M ≤ {VIEW_GOAL_S:.0f} s) | load avg |",
              "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ex = r["extras"]
        cpu = ex.get("writers_cpu", {})
        writers = ", ".join(f"{k.split(':')[0]} {v:.2f} ({cpu.get(k, float('nan')):.2f})" for k, v in ex["writers"].items())
        if isinstance(ex.get("view"), float):
            view = (f"{ex['view']:.2f} ({ex.get('view_gather', float('nan')):.2f} gather; CPU "
                    f"{ex.get('view_cpu', float('nan')):.2f}; {ex['view_nodes']} nodes)")
            if r["triples"] >= 800_000:
                view += f": {_goal(ex['view'], VIEW_GOAL_S)}"
        else:
            view = "n/a"
        job = r.get("main_job")
        job_text = "n/a"
        if job:
            job_text = f"{job['total_s']:.2f} / {job['cpu_s']:.2f} / {job['peak_mb']:.0f}"
            others = r.get("main_job_runs") or []
            if len(others) > 1:
                job_text += (f" (median of {len(others)} runs: " + "; ".join(
                    f"{j['total_s']:.1f} s, {j['cpu_s']:.1f} CPU s, {j['peak_mb']:.0f} MB at load {j['load']:.1f}"
                    for j in others) + ")")
            if r["triples"] >= 800_000:
                job_text += (f": time {_goal(job['total_s'], MAIN_JOB_GOAL_S)}, "
                             f"memory {_goal(job['peak_mb'], MAIN_JOB_GOAL_MB)}")
        alone, alone_text, ratio = r.get("engine_alone"), "n/a", "–"
        if alone:
            runs = r.get("engine_alone_runs") or [alone]
            alone_text = (f"{alone['total_s']:.2f} / {alone['cpu_s']:.2f} / {alone['peak_mb']:.0f} ("
                          + ", ".join(f"{a['total_s']:.1f} s at load {a['load']:.1f}" for a in runs) + ")")
            if job and alone["total_s"] > 0:
                ratio = f"{job['total_s'] / alone['total_s']:.1f}×"
        lines.append(f"| {r['size']} | {writers or 'none'} | {job_text} | {_loads(job.get('load') if job else None)} "
                     f"| {alone_text} | {ratio} | {view} | {_loads(ex.get('view_load'))} |")
    formats = [r.get("formats") or {} for r in rows]
    names = sorted({fmt for found in formats for fmt in found if fmt not in ("load", "skipped")},
                   key=lambda f: list(FORMAT_ORDER).index(f) if f in FORMAT_ORDER else len(FORMAT_ORDER))
    if names:
        lines += ["", "| size | " + " | ".join(f"export {f} s (MB)" for f in names) + " | load avg |",
                  "|---|" + "---|" * (len(names) + 1)]
        for r, found in zip(rows, formats):
            cells = []
            if found.get("skipped"):
                lines.append(f"| {r['size']} | skipped {found['skipped']} |" + " |" * len(names))
                continue
            for fmt in names:
                got = found.get(fmt)
                cells.append("–" if got is None else "skipped (--all-formats)" if got.get("skipped")
                             else f"> {got['timeout_s']} (stopped)" if "timeout_s" in got
                             else f"{got['s']:.2f} ({got['bytes'] / 1e6:.0f})")
            lines.append(f"| {r['size']} | " + " | ".join(cells) + f" | {_loads(found.get('load'))} |")
    return "\n".join(lines)


def growth(rows: list[dict]) -> list[str]:
    """The growth table: for each library query run at the two largest sizes of `rows`, the exponent k of its
    time on the library path (t ∝ n^k, n the triples) beside its answer's own (rows), steepest first, held to
    GROWTH_GOAL. k is read on each size's fastest run (the query's own cost: a run slowed by other work on the
    machine only adds to it; at 1M, 6 runs of a query take a few seconds, and a slow spell of the shared machine
    moved the p50 of a listing of 28k rows from 12 to 18 ms between two runs of the bench), with the p50's
    exponent beside it. A run with no rows or no time at either size has no exponent ("–")."""
    if len(rows) < 2:
        return []
    small, large = sorted(rows, key=lambda r: r["triples"])[-2:]
    scale = math.log(large["triples"] / small["triples"])
    if scale <= 0:
        return []

    def exponent(a, b) -> float | None:
        return math.log(b / a) / scale if a and b and a > 0 and b > 0 else None

    def ours(q: dict, stat: str) -> float:
        return q.get(f"{stat}_ms_1", q.get(f"{stat}_ms", q.get("p50_ms_1", q["p50_ms"])))

    found = []
    for name, q in large["oxigraph"]["queries"].items():
        p = small["oxigraph"]["queries"].get(name)
        if not p or "timeout_s" in p or "timeout_s" in q:
            continue
        t1, t2 = ours(p, "min"), ours(q, "min")
        found.append((exponent(t1, t2), name, t1, t2, exponent(ours(p, "p50"), ours(q, "p50")),
                      exponent(p.get("rows"), q.get("rows")), p.get("rows"), q.get("rows")))
    found.sort(key=lambda f: (-(f[0] if f[0] is not None else -9), f[1]))
    steep = [f for f in found if f[0] is not None and f[0] > GROWTH_GOAL]
    lines = ["", f"Growth from {small['size']} to {large['size']} ({small['triples']:,} → {large['triples']:,} "
             f"triples): the exponent k of each query's time on the library path (ours, its fastest run at each "
             f"size; t ∝ n^k), goal k ≤ {GROWTH_GOAL}: "
             + ("**not met** by " + ", ".join(f"{f[1]} ({f[0]:.2f})" for f in steep) if steep
                else f"met (the largest: {found[0][1]}, {found[0][0]:.2f})" if found and found[0][0] is not None
                else "nothing to compare") + ".", "",
             f"| query | ours fastest ms at {small['size']} | at {large['size']} | time exponent | p50's exponent "
             f"| rows at {small['size']} → {large['size']} | rows exponent |", "|---|---|---|---|---|---|---|"]

    def shown(k):
        return "–" if k is None else f"{k:.2f}"

    for k, name, t1, t2, k50, rk, r1, r2 in found:
        lines.append(f"| {name} | {t1:.2f} | {t2:.2f} | {shown(k) if k is None or k <= GROWTH_GOAL else f'**{k:.2f}**'} "
                     f"| {shown(k50)} | {r1} → {r2} | {shown(rk)} |")
    return lines


#: The column order of the export formats in the table.
FORMAT_ORDER = ("ttl", "nt", "nq", "trig", "jsonld", "xml", "graphml", "gexf", "csv")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        kind, *rest = argv[1:]
        if kind == "build":
            data = child_build(Path(rest[0]), Path(rest[1]))
        elif kind == "queries":
            data = child_queries(Path(rest[0]), rest[1], int(rest[2]))
        elif kind == "engine":
            data = child_engine_alone(Path(rest[0]), Path(rest[1]))
        elif kind == "formats":
            data = child_formats(Path(rest[0]), Path(rest[1]), *rest[2:])
        else:
            data = child_main_job(Path(rest[0]), Path(rest[1]))
        print(json.dumps(data))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1m")
    parser.add_argument("--runs", type=int, default=2, help="builds per size (one at 1M)")
    parser.add_argument("--query-runs", type=int, default=12,
                        help="runs of each query on Oxigraph, half above 200k (rdflib: a quarter, once above 20k)")
    parser.add_argument("--all-formats", action="store_true",
                        help=f"time the export formats above {RDFLIB_MAX:,} triples too (a build of their own)")
    parser.add_argument("--cold", action="store_true",
                        help="also run " + " and ".join(f"bench/{name}" for name in EXTRA_BENCHMARKS) + " when present")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args(argv)
    rows = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cckg-bench-") as tmp:
        for size in args.sizes.split(","):
            print(f"measuring {size} … (load {_load():.1f})", file=sys.stderr, flush=True)
            rows.append(measure(size.strip(), runs=args.runs, query_runs=args.query_runs, work=Path(tmp),
                                all_formats=args.all_formats))
    extra = extra_benchmarks(EXTRA_BENCHMARKS) if args.cold else {}
    result = {"machine": machine(), "rows": rows, "wall_s": round(time.perf_counter() - started, 1),
              "load_at_end": list(os.getloadavg()), **({"extra": extra} if extra else {})}
    args.out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps(result["machine"]))
    print(table(rows))
    for name, found in extra.items():
        print(f"\n## bench/{name}\n{found}")
    print(f"\nwall time of this run: {result['wall_s']:.0f} s; load average at the end: "
          f"{' / '.join(f'{v:.1f}' for v in result['load_at_end'])} (1, 5, 15 min)")
    return 0


#: Other benchmarks of issue 14, run by --cold when present: the cold `query` from the shell against a fresh
#: pyoxigraph process, and the endpoint against `oxigraph serve` (each prints its own table with the engine-alone
#: column and the load average).
EXTRA_BENCHMARKS = ("cold_query.py", "endpoint_vs_oxigraph.py")


def extra_benchmarks(names) -> dict[str, str]:
    """The printed output of each of bench/NAME that exists (run as is, each in its own process, bounded to
    15 minutes), or why it was not run."""
    found = {}
    for name in names:
        path = ROOT / "bench" / name
        if not path.is_file():
            found[name] = "not present in this checkout"
            continue
        proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=900, cwd=ROOT)
        found[name] = proc.stdout.strip() if proc.returncode == 0 else f"failed ({proc.returncode}): {proc.stderr[-2000:]}"
    return found


if __name__ == "__main__":
    sys.exit(main())
