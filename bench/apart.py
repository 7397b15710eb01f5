#!/usr/bin/env python3
"""pyoxigraph's Turtle serialization of a release's cckg.nt, in this process and in a child process
(graph.build.apart), each alone and each beside a thread doing Python work (a busy loop, as the main job's writers
are), as a Markdown table: wall time, and how much of its speed the Python thread kept.

    python bench/apart.py [--dist DIST] [--limit 60]

In a thread, the serialization takes the GIL once a triple (the parser's triples reach the serializer through
Python's iterator protocol), so beside Python work it waits for the GIL at every triple; it is stopped at `--limit`
seconds (reported as "> limit"). In a child process it has an interpreter of its own.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

from graph.build import apart  # noqa: E402
from graph.namespaces import PREFIXES  # noqa: E402


class Stopped(Exception):
    pass


def here(text: bytes, stop: threading.Event) -> None:
    def triples():
        for triple in ox.parse(text, format=ox.RdfFormat.N_TRIPLES, lenient=True):
            if stop.is_set():
                raise Stopped
            yield triple

    ox.serialize(triples(), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def child(text: bytes, stop: threading.Event) -> None:
    apart.serialize(text, source="N_TRIPLES", target="TURTLE", prefixes=PREFIXES, lenient=True)


def loop_rate(stop: threading.Event, counted: list[int]) -> None:
    while not stop.is_set():
        for _ in range(1000):
            pass
        counted[0] += 1


def measure(way, text: bytes, beside: bool, limit: float) -> tuple[str, str]:
    stop, counted = threading.Event(), [0]
    looping = threading.Thread(target=loop_rate, args=(stop, counted)) if beside else None
    if looping:
        looping.start()
    outcome: list = []
    worker = threading.Thread(target=lambda: outcome.append(_run(way, text, stop)))
    started = time.perf_counter()
    worker.start()
    worker.join(limit)
    wall = time.perf_counter() - started
    stop.set()
    worker.join()
    if looping:
        looping.join()
    shown = f"{wall:.2f}" if outcome and outcome[0] else f"> {limit:g}"
    return shown, (f"{counted[0] / wall:,.0f}" if beside else "")


def _run(way, text: bytes, stop: threading.Event) -> bool:
    try:
        way(text, stop)
        return True
    except Stopped:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="a release folder with cckg.nt")
    parser.add_argument("--limit", type=float, default=60.0, help="seconds after which a run is stopped")
    args = parser.parse_args()
    text = (args.dist / "cckg.nt").read_bytes()
    alone = measure(lambda *_: time.sleep(3.0), b"", True, 10.0)[1]  # the loop's own rate, nothing beside it
    triples = text.count(b"\n")
    print(f"{triples:,} triples from {args.dist / 'cckg.nt'}; load average "
          f"{os.getloadavg()[0]:.2f}; the Python loop alone: {alone} rounds/s\n")
    print("| serialization | alone, s | beside a Python thread, s | the thread's rounds/s beside it |")
    print("|---|---|---|---|")
    for name, way in (("in a thread of this process", here), ("in a child process (graph.build.apart)", child)):
        solo, _ = measure(way, text, False, args.limit)
        together, rate = measure(way, text, True, args.limit)
        print(f"| {name} | {solo} | {together} | {rate} |")


if __name__ == "__main__":
    main()
