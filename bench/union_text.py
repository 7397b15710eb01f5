"""Benchmark of the sorted text of every triple (graph.build.loading.Loaded.union_ntriples: dist/cckg.nt, which the
core Turtle files and the exports are made from): CPU seconds the way before (one sort of the set of every line)
and the way now (a merge of the sorted runs the build has: each source's lines, sorted as they were added, and the
ontology's and the derived shortcuts').

Not a test (timings vary by machine). Run from the repository root on a built release: its cckg.nq gives each
graph's lines (as the build held them), and both ways must give its cckg.nt byte for byte:

    python bench/union_text.py DIST [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyoxigraph as ox  # noqa: E402

from graph.build import loading, output  # noqa: E402
from graph.build.derive import DERIVED_GRAPH  # noqa: E402
from graph.export.void import VOID_GRAPH  # noqa: E402
from graph.namespaces import ONTOLOGY  # noqa: E402


def graph_lines(dump: Path) -> dict[str, set[str]]:
    """Graph IRI -> its N-Triples lines, from an N-Quads dump (the VoID description's graph left out)."""
    graphs: dict[str, set[str]] = {}
    for quad in ox.parse(path=str(dump), format=ox.RdfFormat.N_QUADS, lenient=True):
        if quad.graph_name.value != str(VOID_GRAPH):
            graphs.setdefault(quad.graph_name.value, set()).add(f"{quad.triple} .")
    return graphs


def loaded_of(graphs: dict[str, set[str]]) -> loading.Loaded:
    """A Loaded holding the graphs' lines as the build does (each source's sorted), without its store."""
    loaded = loading.Loaded(ox.Store(), ontology_lines=graphs.pop(str(ONTOLOGY), set()),
                            derived_lines=graphs.pop(str(DERIVED_GRAPH), set()))
    for name, lines in graphs.items():
        loaded.source_lines.append(sorted(lines))
        loaded.data_lines |= lines
    return loaded


def before(loaded: loading.Loaded) -> bytes:
    return output.join_lines(sorted(loaded.ontology_lines | loaded.data_lines | loaded.derived_lines))


def now(loaded: loading.Loaded) -> bytes:
    loaded.__dict__.pop("_union", None)  # made again each run
    return loaded.union_ntriples()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dist", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    whole = (args.dist / "cckg.nt").read_bytes()
    loaded = loaded_of(graph_lines(args.dist / "cckg.nq"))
    cpu: dict[str, list[float]] = {"before": [], "now": []}
    for _ in range(args.runs):  # interleaved: the same load for both ways
        for way in (before, now):
            started = time.process_time()
            text = way(loaded)
            cpu[way.__name__].append(time.process_time() - started)
            if text != whole:
                raise SystemExit(f"{way.__name__}: not the text of {args.dist / 'cckg.nt'}")
            del text
    print(json.dumps({"load (1 min)": os.getloadavg()[0], "lines": whole.count(b"\n"),
                      "runs of the merge": len(loaded.source_lines) + 2,
                      **{f"{way} cpu s (median)": round(statistics.median(times), 3) for way, times in cpu.items()}},
                     indent=2))


if __name__ == "__main__":
    main()
