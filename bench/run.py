"""The benchmark: builds generated graphs of about 10k, 100k and 1M triples and prints a table of times and memory.

    python bench/run.py [--sizes 10k,100k,1m] [--runs 3] [--query-runs 20] [--out bench/results.json]

For each size it generates the sources (bench/generate.py, seeded), then, each measurement in a fresh process:
the build split by step (read, check, build RDF, validate, write) and its peak RSS; the load of the built
cckg.ttl into an in-memory pyoxigraph Store and into a plain rdflib Graph; p50/p95 of every library query
(queries/cq/*.rq, or queries/checks/*.rq where the library is absent) on both: bound to its example parameters
(a lookup; an example absent from the generated graph is replaced by the first instance of its class, STAND_INS)
and, where the parameters are optional, unbound as "name [all]" (a whole-graph listing), with the ratio rdflib/Oxigraph
and its geometric mean, and the kind each run is held to (query_kind: lookup ≤ 20 ms, listing or text search
≤ 150 ms); the time of each export format (graph/export.py, when present) and of a 1,000-node focus view
(viz/render.py, when present); the extra writers of the main build (graph.api.MAIN_WRITERS) at every size, and the
whole main job (build, core outputs and writers) with its peak RSS. rdflib is skipped at 1M (its load alone takes
minutes), and the table says so. Medians over `--runs` builds (one at 1M). Results go to bench/results.json.
"""

from __future__ import annotations

import argparse
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
RDFLIB_MAX = 200_000  # triples above which plain rdflib is not measured (load ~75 s, queries up to minutes at 1M)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------------------------------------ child processes

def child_build(sources: Path, out: Path) -> dict:
    from graph.build import pipeline

    t0 = time.perf_counter()  # the core build; the view and export writers are timed by child_exports
    result = pipeline.build(sources_dir=sources, quiet=True)
    pipeline.write_outputs(result, out, quiet=True)
    total = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"total_s": total, "cpu_s": usage.ru_utime + usage.ru_stime, "steps": result.timings,
            "triples": result.counts["triples (all)"], "peak_mb": _peak_mb(),
            "load": os.getloadavg()[0]}


def child_main_job(sources: Path, out: Path) -> dict:
    """The whole main job, as `python build.py` runs it: the build, the core outputs and every extra writer
    (graph.api.MAIN_WRITERS), with its wall and CPU time and its peak RSS."""
    from graph import api
    from graph.build import pipeline

    t0, c0 = time.perf_counter(), time.process_time()
    result = pipeline.build(sources_dir=sources, quiet=True)
    api.write_release(result, out, quiet=True)
    return {"total_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0, "peak_mb": _peak_mb()}


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


def child_queries(ttl: Path, engine: str, runs: int) -> dict:
    out: dict = {"engine": engine, "queries": {}}
    t0 = time.perf_counter()
    if engine == "oxigraph":
        import pyoxigraph as ox

        store = ox.Store()
        store.load(path=str(ttl), format=ox.RdfFormat.TURTLE)
        run = lambda q, b: sum(1 for _ in store.query(q, substitutions=b))  # noqa: E731
    else:
        from rdflib import Graph

        from graph.store.engines import from_oxigraph

        graph = Graph()
        graph.parse(ttl, format="turtle")
        run = lambda q, b: sum(1 for _ in graph.query(q, initBindings={k.value: from_oxigraph(v)  # noqa: E731
                                                                         for k, v in b.items()}))
    out["load_s"] = time.perf_counter() - t0
    out["load_peak_mb"] = _peak_mb()
    import pyoxigraph as ox

    if engine != "oxigraph":  # a store only to pick the same stand-ins as the Oxigraph run
        store = ox.Store()
        store.load(path=str(ttl), format=ox.RdfFormat.TURTLE)
    import signal

    def _timeout(signum, frame):
        raise TimeoutError

    signal.signal(signal.SIGALRM, _timeout)
    queries = _queries()
    bound = {name: {ox.Variable(k): _stand_in(store, k, v) for k, v in params.items()}
             for name, _, params, _ in queries}
    if engine != "oxigraph":
        del store
    for name, text, _, _ in queries:
        times, rows = [], 0
        for _ in range(runs):
            t = time.perf_counter()
            signal.alarm(QUERY_TIMEOUT)  # rdflib is pure Python: the alarm interrupts a runaway query
            try:
                rows = run(text, bound[name])
            except TimeoutError:
                out["queries"][name] = {"timeout_s": QUERY_TIMEOUT, "rows": None}
                break
            finally:
                signal.alarm(0)
            times.append((time.perf_counter() - t) * 1000)
            if sum(times) > 60_000:  # a minute per query at most
                break
        if times:
            times.sort()
            out["queries"][name] = {"p50_ms": _pct(times, 50), "p95_ms": _pct(times, 95), "n": len(times),
                                         "rows": rows, "kind": query_kind(name, rows)}
    return out


def child_exports(sources: Path, out: Path) -> dict:
    """Time a 1,000-node focus view gathered from the store (viz, when present) and each extra writer of the main
    build (graph.api.MAIN_WRITERS: the graph view, the pages, the exports), wall and CPU seconds, at every size
    (the writers read the store and the build's N-Triples, not rdflib graphs of the whole build)."""
    from graph import api
    from graph.build import pipeline

    result = pipeline.build(sources_dir=sources, quiet=True)
    found: dict = {"writers": {}, "writers_cpu": {}, "view": None, "skipped": None}
    for target, writer in zip(api.MAIN_WRITERS, api.main_writers()):  # first: the focus view's memory apart
        t, c = time.perf_counter(), time.process_time()
        writer(result, out, quiet=True)
        found["writers"][target] = time.perf_counter() - t
        found["writers_cpu"][target] = time.process_time() - c
    found["writers_peak_mb"] = _peak_mb()
    try:
        from viz import render, view
    except ImportError:
        view = None
    if view is not None:  # the focus view from the store (viz.view.focus_from_store), at every size
        t = time.perf_counter()
        focus, dataset, centre = view.focus_from_store(result, FOCUS_CENTRE, FOCUS_DEPTH, limit=FOCUS_NODES)
        render.build_view(result, out_file=out / "focus.html", title="focus", g=focus, dataset=dataset)
        found["view"] = time.perf_counter() - t
        found["view_nodes"] = focus.number_of_nodes()
    return found


#: Seconds after which one export format is reported as not finished ("> N s").
FORMAT_TIMEOUT = 300


def child_formats(sources: Path, out: Path) -> dict:
    """Each export format of the whole graph (graph.export.FORMATS) as `python build.py export --format F` pays
    for it after the build: a fresh Exporter per format (no conversion shared with another format), the files
    written; wall and CPU seconds and the bytes written."""
    import signal

    from graph.export import exporter as export
    from graph.build import pipeline

    result = pipeline.build(sources_dir=sources, quiet=True)
    found: dict = {}

    def _timeout(signum, frame):
        raise TimeoutError

    signal.signal(signal.SIGALRM, _timeout)
    for fmt in export.FORMATS:
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


def measure(size: str, *, runs: int, query_runs: int, work: Path) -> dict:
    from bench.generate import generate, parse_size

    target = parse_size(size)
    sources, out = work / f"sources-{size}", work / f"out-{size}"
    generate(sources, triples=target)
    builds = [_child("build", str(sources), str(out)) for _ in range(1 if target >= 1_000_000 else runs)]
    row: dict = {"size": size, "triples": builds[0]["triples"], "load": builds[0]["load"],
                 "build_runs": len(builds),
                 "build_s": statistics.median(b["total_s"] for b in builds),
                 "build_cpu_s": statistics.median(b["cpu_s"] for b in builds),
                 "steps_s": {k: statistics.median(b["steps"].get(k, 0.0) for b in builds)
                             for k in ("read", "check", "rdf", "validate", "write")},
                 "build_peak_mb": statistics.median(b["peak_mb"] for b in builds)}
    ttl = out / "cckg.ttl"
    row["oxigraph"] = _child("queries", str(ttl), "oxigraph", str(query_runs))
    if row["triples"] <= RDFLIB_MAX:
        row["rdflib"] = _child("queries", str(ttl), "rdflib", str(max(3, query_runs // 4)))
    else:
        row["rdflib"] = None
    ratios = {}
    if row["rdflib"]:
        for name, ox_q in row["oxigraph"]["queries"].items():
            rd = row["rdflib"]["queries"].get(name)
            if rd and ox_q["p50_ms"] > 0:
                ratios[name] = rd.get("p50_ms", rd.get("timeout_s", 0) * 1000) / ox_q["p50_ms"]
    row["ratio_rdflib_over_oxigraph"] = ratios
    row["geomean_speedup"] = math.exp(statistics.mean(math.log(r) for r in ratios.values())) if ratios else None
    row["extras"] = _child("extras", str(sources), str(work / f"extras-{size}"))
    row["formats"] = _child("formats", str(sources), str(work / f"formats-{size}"))
    row["main_job"] = _child("main", str(sources), str(work / f"main-{size}"))  # build + every writer, peak RSS
    return row


#: The issue's latency targets (p50 at about 1M triples), by kind of query.
TARGET_MS = {"lookup": 20.0, "listing": 150.0, "text search": 150.0}
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


def table(rows: list[dict]) -> str:
    lines = ["| size | triples | load avg | build s wall (runs) | build CPU s | read | check | build RDF | validate | write "
             "| peak MB | store load s (Oxigraph / rdflib) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        s = r["steps_s"]
        rd = f"{r['rdflib']['load_s']:.2f}" if r["rdflib"] else "skipped"
        lines.append(f"| {r['size']} | {r['triples']:,} | {r.get('load', float('nan')):.1f} "
                     f"| {r['build_s']:.2f} ({r['build_runs']}) | {r['build_cpu_s']:.2f} | {s['read']:.2f} | {s['check']:.2f} | {s['rdf']:.2f} "
                     f"| {s['validate']:.2f} | {s['write']:.2f} | {r['build_peak_mb']:.0f} "
                     f"| {r['oxigraph']['load_s']:.2f} / {rd} |")
    lines += ["", "| size | query | rows | kind (p50 target) | Oxigraph p50 / p95 ms | rdflib p50 / p95 ms "
              "| rdflib / Oxigraph |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        for name, q in r["oxigraph"]["queries"].items():
            rd = r["rdflib"]["queries"].get(name) if r["rdflib"] else None
            rds = ("skipped" if not rd else f"> {rd['timeout_s']} s (stopped)" if "timeout_s" in rd
                   else f"{rd['p50_ms']:.1f} / {rd['p95_ms']:.1f}")
            ratio = r["ratio_rdflib_over_oxigraph"].get(name)
            kind = q.get("kind") or query_kind(name, q["rows"])
            met = "met" if q["p50_ms"] <= TARGET_MS[kind] else "**not met**"
            lines.append(f"| {r['size']} | {name} | {q['rows']} | {kind} (≤ {TARGET_MS[kind]:.0f} ms: {met}) "
                         f"| {q['p50_ms']:.2f} / {q['p95_ms']:.2f} | {rds} | {f'{ratio:.0f}x' if ratio else '–'} |")
        gm = r["geomean_speedup"]
        lines.append(f"| {r['size']} | **geometric mean** | | | | | {f'{gm:.0f}x' if gm else 'rdflib skipped'} |")
    lines += ["", "| size | extra writers of the build, wall s (CPU s) | 1,000-node focus view from the store, s (gather + page) "
              "| main job (build + all writers) wall s / CPU s / peak MB |", "|---|---|---|---|"]
    for r in rows:
        ex = r["extras"]
        cpu = ex.get("writers_cpu", {})
        writers = ", ".join(f"{k.split(':')[0]} {v:.2f} ({cpu.get(k, float('nan')):.2f})" for k, v in ex["writers"].items())
        if ex.get("skipped"):
            writers = f"skipped: {ex['skipped']}"
        view = f"{ex['view']:.2f} ({ex['view_nodes']} nodes)" if isinstance(ex.get("view"), float) else "n/a"
        job = r.get("main_job")
        job_text = f"{job['total_s']:.2f} / {job['cpu_s']:.2f} / {job['peak_mb']:.0f}" if job else "n/a"
        lines.append(f"| {r['size']} | {writers or 'none'} | {view} | {job_text} |")
    formats = [r.get("formats") or {} for r in rows]
    names = sorted({fmt for found in formats for fmt in found}, key=lambda f: list(FORMAT_ORDER).index(f)
                   if f in FORMAT_ORDER else len(FORMAT_ORDER))
    if names:
        lines += ["", "| size | " + " | ".join(f"export {f} s (MB)" for f in names) + " |",
                  "|---|" + "---|" * len(names)]
        for r, found in zip(rows, formats):
            cells = []
            for fmt in names:
                got = found.get(fmt)
                cells.append("–" if got is None else f"> {got['timeout_s']} (stopped)" if "timeout_s" in got
                             else f"{got['s']:.2f} ({got['bytes'] / 1e6:.0f})")
            lines.append(f"| {r['size']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


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
        elif kind == "formats":
            data = child_formats(Path(rest[0]), Path(rest[1]))
        elif kind == "main":
            data = child_main_job(Path(rest[0]), Path(rest[1]))
        else:
            data = child_exports(Path(rest[0]), Path(rest[1]))
        print(json.dumps(data))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1m")
    parser.add_argument("--runs", type=int, default=3, help="builds per size (one at 1M)")
    parser.add_argument("--query-runs", type=int, default=20, help="runs of each query on Oxigraph (rdflib: a quarter)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="cckg-bench-") as tmp:
        for size in args.sizes.split(","):
            print(f"measuring {size} …", file=sys.stderr, flush=True)
            rows.append(measure(size.strip(), runs=args.runs, query_runs=args.query_runs, work=Path(tmp)))
    result = {"machine": machine(), "rows": rows}
    args.out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps(result["machine"]))
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
