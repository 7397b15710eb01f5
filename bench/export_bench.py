"""Benchmark of the exports: seconds per format on the real graph and on a synthetic copy scaled to ~N triples.

Not a test (timings vary by machine). Run from the repository root:

    python bench/export_bench.py [--sources DIR] [--triples 100000] [--repeat 3]

The synthetic graph replicates every source graph k times with renamed IRIs (kg:x -> kg:x-c<k>, graph IRIs too),
keeping the ontology once, so it has the real graph's shape at k times its size. Each format is timed with a fresh
graph.export.Exporter, so the time includes converting the terms (what `python build.py export` pays); the
"build outputs" row is the main build's batch (nt, nq, trig, jsonld and void.ttl share one conversion). For
reference, rdflib's own serializers are timed on the same graph for the formats pyoxigraph writes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rdflib import Dataset, URIRef  # noqa: E402

from graph.export import exporter as export  # noqa: E402
from graph.build import output, pipeline
from graph.sources import read as src  # noqa: E402
from graph.namespaces import KG  # noqa: E402


@dataclass
class FakeSource:
    id: str
    meta: dict


@dataclass
class SyntheticBuild:
    """Enough of graph.pipeline.Build for the exporter: version, ontology, dataset, sources."""

    version: str
    ontology: object
    dataset: Dataset
    sources: list = field(default_factory=list)

    def data_triples(self):
        for source in self.sources:
            yield from self.dataset.graph(KG[source.id])

    def all_triples(self):
        yield from self.ontology
        yield from self.data_triples()


def renamed(term, k: int):
    text = str(term)
    if isinstance(term, URIRef) and text.startswith(str(KG)):
        base, hash_, fragment = text.partition("#")
        return URIRef(f"{base}-c{k}{hash_}{fragment}")
    return term


def synthetic(result, target: int) -> SyntheticBuild:
    data = sum(1 for _ in result.data_triples())
    copies = max(1, round((target - len(result.ontology)) / max(data, 1)))
    dataset = Dataset(default_union=True)
    fake = SyntheticBuild(result.version, result.ontology, dataset)
    for k in range(copies):
        for source in result.sources:
            sid = f"{source.id}-c{k}"
            graph = dataset.graph(KG[sid])
            for s, p, o in result.dataset.graph(KG[source.id]):
                graph.add((renamed(s, k), p, renamed(o, k)))
            fake.sources.append(FakeSource(sid, {"title": f"{source.meta['title']} (copy {k})"}))
    return fake


def timed(fn, repeat: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        size = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), size


def measure(name: str, result, repeat: int, out_dir: Path) -> list[tuple]:
    rows = []
    n = len({t for g in export.named_graphs(result, "all") for t in g.triples})
    for fmt in export.FORMATS:
        def run(fmt=fmt):
            return sum(len(b) for b in export.Exporter(result, part="all").to_bytes(fmt).values())
        seconds, size = timed(run, repeat)
        rows.append((name, n, fmt, seconds, size))

    def build_outputs():
        written = export.write_build_outputs(result, out_dir, quiet=True)
        return sum(p.stat().st_size for p in written.values())
    seconds, size = timed(build_outputs, repeat)
    rows.append((name, n, "build outputs (nt+nq+trig+jsonld+void)", seconds, size))
    whole = output.fresh_graph(t for g in export.named_graphs(result, "all") for t in g.triples)
    for fmt in ("nt", "xml"):
        seconds, size = timed(lambda fmt=fmt: len(whole.serialize(format=fmt, encoding="utf-8")), repeat)
        rows.append((name, n, f"rdflib {fmt} (reference, unsorted)", seconds, size))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=src.SOURCES_DIR)
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("/tmp/cckg-export-bench"))
    args = parser.parse_args()
    result = pipeline.build(sources_dir=args.sources)
    rows = measure("real", result, args.repeat, args.out / "real")
    rows += measure("synthetic", synthetic(result, args.triples), args.repeat, args.out / "synthetic")
    print("| graph | triples | format | seconds (median) | bytes |")
    print("|---|---|---|---|---|")
    for name, n, fmt, seconds, size in rows:
        print(f"| {name} | {n} | {fmt} | {seconds:.3f} | {size} |")


if __name__ == "__main__":
    main()
