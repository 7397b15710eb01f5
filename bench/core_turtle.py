"""Benchmark of the core Turtle files (cckg.ttl, data.ttl, ontology.ttl) as pipeline._write_core_files makes them:
CPU and wall seconds per part, the way before this script (two pyoxigraph serializations, data.ttl filtered triple
by triple) and the way now (output.turtle_pair: data.ttl made from cckg.ttl's bytes).

Not a test (timings vary by machine). Run from the repository root on a built release (its cckg.nt is the sorted
text of every line, ontology.ttl and data.ttl give the line sets; both ways must give its cckg.ttl and data.ttl):

    python bench/core_turtle.py DIST [--runs 3] [--way both|before|now]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyoxigraph as ox  # noqa: E402

from graph.build import output  # noqa: E402


class Timer:
    """CPU (process) and wall seconds per named part."""

    def __init__(self):
        self.parts: dict[str, tuple[float, float]] = {}

    def __call__(self, name: str, fn, *args, **kwargs):
        cpu, wall = time.process_time(), time.perf_counter()
        value = fn(*args, **kwargs)
        self.parts[name] = (time.process_time() - cpu, time.perf_counter() - wall)
        return value


def lines_of(path: Path) -> set[str]:
    """A Turtle file's triples as canonical N-Triples lines (the build's nt_line form)."""
    text = ox.serialize(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE), format=ox.RdfFormat.N_TRIPLES)
    return set(text.decode("utf-8").splitlines())


def before(timer: Timer, whole: bytes, ontology_lines: set[str], data_lines: set[str]) -> dict[str, bytes]:
    """The core files as they were made before output.turtle_pair (two serializations), part by part."""
    cckg = timer("cckg.ttl", output.turtle_of_ntriples, whole, checked=True)
    only_onto = timer("ontology-only set", lambda: set(ox.parse(
        output.join_lines(sorted(ontology_lines - data_lines)), format=ox.RdfFormat.N_TRIPLES)))
    data = timer("data.ttl", output.turtle_of_ntriples, whole, keep=lambda t: t not in only_onto, checked=True)
    return {"cckg.ttl": cckg, "data.ttl": data}


def now(timer: Timer, whole: bytes, ontology_lines: set[str], data_lines: set[str]) -> dict[str, bytes]:
    """output.turtle_pair, the work pipeline._write_core_files has done (in a child process above
    apart.APART_BYTES, by output.write_turtle_pair), here in this process."""
    left_out = timer("ontology-only lines", lambda: [line.encode() for line in sorted(ontology_lines - data_lines)])
    cckg, data = timer("cckg.ttl + data.ttl", output.turtle_pair, whole, left_out, checked=True)
    return {"cckg.ttl": cckg, "data.ttl": data}


def run(way, dist: Path, whole: bytes, ontology_lines: set[str], data_lines: set[str]) -> dict:
    timer = Timer()
    files = way(timer, whole, ontology_lines, data_lines)
    files["ontology.ttl"] = timer("ontology.ttl", output.sorted_turtle_bytes, ontology_lines)
    for name, content in files.items():
        if content != (dist / name).read_bytes():
            raise SystemExit(f"{way.__name__}: {name} differs from {dist / name}")
    with tempfile.TemporaryDirectory(dir=dist.parent) as tmp:
        timer("writing", output.write_atomically, {Path(tmp) / name: content for name, content in files.items()})
    return timer.parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dist", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--way", choices=["both", "before", "now"], default="both")
    args = parser.parse_args()
    timer = Timer()
    whole = timer("reading cckg.nt", (args.dist / "cckg.nt").read_bytes)
    ontology_lines = lines_of(args.dist / "ontology.ttl")
    data_lines = lines_of(args.dist / "data.ttl")  # with the derived shortcuts: the union is the same
    # What Loaded.union_ntriples does before the core files' thread starts (not part of the thread's time).
    sorted_text = timer("sorting + joining the lines", lambda: output.join_lines(sorted(ontology_lines | data_lines)))
    if sorted_text != whole:
        raise SystemExit("the sorted lines of ontology.ttl and data.ttl are not cckg.nt")
    del sorted_text
    ways = {"before": [before], "now": [now], "both": [before, now]}[args.way]
    results: dict[str, list[dict]] = {way.__name__: [] for way in ways}
    for _ in range(args.runs):  # interleaved: the same load for both ways
        for way in ways:
            results[way.__name__].append(run(way, args.dist, whole, ontology_lines, data_lines))
    summary = {"load (1 min)": os.getloadavg()[0], "setup": timer.parts,
               "peak MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    for name, runs in results.items():
        parts = {part: {"cpu": round(statistics.median(r[part][0] for r in runs), 3),
                        "wall": round(statistics.median(r[part][1] for r in runs), 3)} for part in runs[0]}
        parts["total"] = {kind: round(statistics.median(sum(p[i] for p in r.values()) for r in runs), 3)
                          for i, kind in enumerate(["cpu", "wall"])}
        summary[name] = parts
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
