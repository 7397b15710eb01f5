#!/usr/bin/env python3
"""A cold `python build.py query` against the engine alone, on the same data and queries, as a Markdown table.

    python bench/cold_query.py [--dist DIST] [--runs N]

"The engine alone" is a fresh Python process that imports pyoxigraph, loads `DIST/cckg.nq` into memory, runs the
same query text with the same parameters (the default graph as the union of the named graphs) and writes the
result with pyoxigraph's own CSV writer. "Ours" is `python build.py query NAME --param … --format csv`, which opens
the release's on-disk store (graph.store.ondisk; made once, before the timed runs: its making is timed apart).
Both run with this interpreter (not a shim). Figures are medians of `--runs` runs, the two interleaved; the load
average (1 min) is printed beside each, so that a figure measured under contention can be told apart.

Rows: one query (`meeting-participants`), and the 20 first library queries (with their example parameters) as 20
shell calls each; the engine is also timed running the same 20 in one process, for reference.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.store import library, sparql  # noqa: E402

ENGINE = """
import json, sys
import pyoxigraph as ox
job = json.load(open(sys.argv[1]))
store = ox.Store()
store.load(path=job["data"], format=ox.RdfFormat.N_QUADS)
for query in job["queries"]:
    subs = {ox.Variable(k): (ox.NamedNode(v[1:-1]) if v.startswith("<") else ox.Literal(v[1:-1]) if v.startswith('"')
            else ox.Literal(v, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")))
            for k, v in query["params"].items()}
    answer = store.query(query["text"], substitutions=subs, use_default_graph_as_union=True)
    sys.stdout.buffer.write(answer.serialize(format=ox.QueryResultsFormat.CSV) or b"")
"""


def engine_param(value: str) -> str:
    """A --param value as the engine script reads it: <IRI>, "string" or a date."""
    term = sparql.parse_term(value)
    if term.__class__.__name__ == "URIRef":
        return f"<{term}>"
    if getattr(term, "datatype", None) is not None and str(term.datatype).endswith("#date"):
        return str(term)
    return f'"{term}"'


def jobs(count: int) -> list[dict]:
    """The first `count` library queries that run with their example parameters: name, CLI args, engine job."""
    out = []
    for query in library.load("cq"):
        params = {p.name: p.example for p in query.params if p.required}
        if any(v is None for v in params.values()):
            continue
        text, _ = sparql.prepare(query.text)
        cli = [query.name, *[a for k, v in params.items() for a in ("--param", f"{k}={v}")], "--format", "csv"]
        out.append({"name": query.name, "cli": cli,
                    "engine": {"text": text, "params": {k: engine_param(v) for k, v in params.items()}}})
        if len(out) == count:
            break
    return out


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--checkout", type=Path, default=ROOT,
                        help="time the build.py of this checkout (e.g. an older commit, for a before/after)")
    args = parser.parse_args()
    data = args.dist / "cckg.nq"
    if not data.is_file():
        sys.exit(f"{data}: build first (python build.py)")
    py = sys.executable
    build_py = str(args.checkout / "build.py")
    selected = jobs(20)
    one = next(j for j in selected if j["name"] == "meeting-participants")
    work = Path(tempfile.mkdtemp(prefix="cold-query-"))

    def engine_argv(chosen: list[dict]) -> list[str]:
        path = work / f"job-{len(chosen)}-{chosen[0]['name']}.json"
        path.write_text(json.dumps({"data": str(data), "queries": [j["engine"] for j in chosen]}))
        return [py, "-c", ENGINE, str(path)]

    # The on-disk store is made by the first query on a release: timed apart, then every run opens it.
    from graph.store import ondisk

    digest = ondisk.release_digest(args.dist)
    made = None
    if digest and not (ondisk.cache_root() / digest).is_dir():
        made = timed([py, build_py, "query", *one["cli"]])
    # Both sides produce the same rows (checked once, not timed).
    for job in selected:
        ours = subprocess.run([py, build_py, "query", *job["cli"]], check=True, capture_output=True).stdout
        theirs = subprocess.run(engine_argv([job]), check=True, capture_output=True).stdout
        if len(ours.splitlines()) != len(theirs.splitlines()):
            print(f"note: {job['name']}: {len(ours.splitlines())} lines from ours, {len(theirs.splitlines())} "
                  "from the engine", file=sys.stderr)

    rows = []
    cases = [
        ("one query (meeting-participants)", [[py, build_py, "query", *one["cli"]]], [engine_argv([one])]),
        (f"{len(selected)} queries as {len(selected)} shell calls",
         [[py, build_py, "query", *j["cli"]] for j in selected], [engine_argv([j]) for j in selected]),
    ]
    for label, ours_argvs, engine_argvs in cases:
        ours_t, engine_t, loads = [], [], []
        for _ in range(args.runs):
            loads.append(os.getloadavg()[0])
            ours_t.append(sum(timed(a) for a in ours_argvs))
            engine_t.append(sum(timed(a) for a in engine_argvs))
        o, e = statistics.median(ours_t), statistics.median(engine_t)
        rows.append((label, o, e, statistics.median(loads)))
    single = [timed(engine_argv(selected)) for _ in range(args.runs)]
    shutil.rmtree(work, ignore_errors=True)

    print(f"{data} ({data.stat().st_size / 1e6:.1f} MB), {args.runs} runs, medians; interpreter {py}\n")
    print("| case | ours | the engine alone | ratio | load average |")
    print("|---|---|---|---|---|")
    for label, o, e, load in rows:
        print(f"| {label} | {o:.3f} s | {e:.3f} s | {o / e:.2f}× | {load:.2f} |")
    print(f"| {len(selected)} queries, the engine in one process (reference) | | {statistics.median(single):.3f} s "
          f"| {rows[1][1] / statistics.median(single):.1f}× | {os.getloadavg()[0]:.2f} |")
    if made is not None:
        print(f"\nfirst query on this release (makes the on-disk store): {made:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
