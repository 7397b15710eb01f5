#!/usr/bin/env python3
"""Query latency of the library on the built graph: the p50 of every competency question (with its example
parameters) on the embedded Oxigraph store and on plain rdflib, as a Markdown table.

    python bench/query_latency.py [--runs N] [--sources DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.store import library, sparql, engines as stores  # noqa: E402
from graph.build import pipeline


def p50(store, text: str, params: dict, runs: int) -> tuple[float, int]:
    rows = len(stores.run(store, text, params=params).rows)  # warm-up (rdflib builds its grammar once)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        stores.run(store, text, params=params)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--sources", type=Path, default=pipeline.src.SOURCES_DIR)
    args = parser.parse_args()
    build = pipeline.build(sources_dir=args.sources)
    oxigraph, rdflib_store = stores.OxigraphStore.from_build(build), stores.RdflibStore.from_build(build)
    print(f"{build.counts['triples (all)']} triples, {args.runs} runs per query, p50 in ms (query parse and result "
          "normalization included)\n")
    print("| query | rows | Oxigraph p50 ms | rdflib p50 ms | rdflib / Oxigraph |")
    print("|---|---|---|---|---|")
    totals = [0.0, 0.0]
    for query in library.load("cq"):
        params = {p.name: sparql.parse_term(p.example) for p in query.params if p.example}
        fast, rows = p50(oxigraph, query.text, params, args.runs)
        slow, _ = p50(rdflib_store, query.text, params, args.runs)
        totals[0] += fast
        totals[1] += slow
        print(f"| {query.name} | {rows} | {fast:.2f} | {slow:.1f} | {slow / fast:.0f}x |")
    print(f"| **all {len(library.load('cq'))}** | | {totals[0]:.1f} | {totals[1]:.0f} | {totals[1] / totals[0]:.0f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
