#!/usr/bin/env python3
"""Our endpoint (`python build.py serve`) against `oxigraph serve` on the same data, queries and client, as a
Markdown table: requests per second, p50 and p99 latency, errors, the ratio, and the load average.

    python bench/endpoint_vs_oxigraph.py [--dist DIST] [--clients 8] [--seconds 5]

The data: `DIST/cckg.nq` with the union of its named graphs as the default graph (what our query workers hold),
POSTed to an in-memory `oxigraph serve` (the `oxigraph` package of the test extra) and served by ours with its
defaults (8 workers, their limits and sandbox on). The queries: the lookup mix, every library query with
parameters, bound to their examples by a VALUES block (graph.store.sparql.bind_inline; an example the data lacks,
as in a generated graph, replaced by the first instance of its class: bench/run.py's STAND_INS), asked as
GET /query?query=… (both servers' route) with Accept: application/sparql-results+json. "repeated" cycles through the same texts;
"distinct" makes each text new (a numbered comment), so that nothing keyed by the text helps. The client:
`--clients` processes, each with one keep-alive connection (http.client), asking one query after another.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.store import library, sparql  # noqa: E402


def lookup_mix(port: int | None = None) -> list[str]:
    """Every library query with parameters, bound to its examples inline; with `port` (a server holding the data),
    an example the data lacks (a generated graph has few of the real names) is replaced by the first instance of
    its class (bench/run.py's STAND_INS), so that each lookup is timed on a resource that exists."""
    texts = []
    for query in library.load("cq"):
        params = {p.name: sparql.parse_term(p.example) for p in query.params if p.example}
        if not params:
            continue
        if port is not None:
            params = {name: stand_in(port, name, term) for name, term in params.items()}
        full, _ = sparql.prepare(query.text)
        texts.append(sparql.bind_inline(full, params))
    return texts


def ask_json(port: int, text: str) -> dict:
    import json

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", "/query?query=" + urllib.parse.quote(text), headers={"Accept": "application/sparql-results+json"})
    return json.loads(conn.getresponse().read())


def stand_in(port: int, name: str, term):
    """`term` if the server's data has it as a subject, else the first instance (by IRI) of STAND_INS[name]."""
    from rdflib import URIRef

    from bench.run import STAND_INS
    from graph.namespaces import PREFIXES

    if not isinstance(term, URIRef) or ask_json(port, f"ASK {{ <{term}> ?p ?o }}")["boolean"]:
        return term
    prefix, _, local = STAND_INS.get(name, "skos:Concept").partition(":")
    found = ask_json(port, f"SELECT ?x WHERE {{ ?x a <{PREFIXES[prefix]}{local}> }} ORDER BY ?x LIMIT 1")
    rows = found["results"]["bindings"]
    return URIRef(rows[0]["x"]["value"]) if rows else term


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(port: int, process: subprocess.Popen, limit: float = 180.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with status {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/query?query=" + urllib.parse.quote("ASK {}"), headers={"Accept": "application/sparql-results+json"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start")


def client(port: int, path: str, texts: list[str], distinct: bool, index: int, seconds: float, out) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies, errors, i = [], 0, 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        text = texts[(index + i) % len(texts)]
        if distinct:
            text += f"\n# client {index} request {i}"
        started = time.perf_counter()
        try:
            conn.request("GET", f"{path}?query={urllib.parse.quote(text)}",
                         headers={"Accept": "application/sparql-results+json"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
        except OSError:
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        latencies.append(time.perf_counter() - started)
        i += 1
    out.put((latencies, errors))


def load(port: int, path: str, texts: list[str], distinct: bool, clients: int, seconds: float) -> dict:
    results = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=client, args=(port, path, texts, distinct, n, seconds, results))
               for n in range(clients)]
    loads = os.getloadavg()[0]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    gathered = [results.get() for _ in workers]
    elapsed = time.monotonic() - started
    for worker in workers:
        worker.join()
    latencies = sorted(x for lat, _ in gathered for x in lat)
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "errors": sum(e for _, e in gathered),
        "load": (loads + os.getloadavg()[0]) / 2,
    }


def union_nquads(source: Path, target: Path) -> None:
    import pyoxigraph as ox

    store = ox.Store()
    store.load(path=str(source), format=ox.RdfFormat.N_QUADS)
    store.extend([ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in store])
    with open(target, "wb") as out:
        store.dump(out, format=ox.RdfFormat.N_QUADS)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--checkout", type=Path, default=ROOT, help="serve with this checkout's build.py")
    args = parser.parse_args()
    oxigraph = shutil.which("oxigraph")
    if oxigraph is None:
        sys.exit("oxigraph is not installed (pip install oxigraph: the test extra has it)")
    work = Path(tempfile.mkdtemp(prefix="endpoint-bench-"))
    data = work / "union.nq"
    union_nquads(args.dist / "cckg.nq", data)
    rows = []
    servers = []
    try:
        ours_port, ox_port = free_port(), free_port()
        ours = subprocess.Popen([sys.executable, str(args.checkout / "build.py"), "serve", "--port", str(ours_port),
                                 "--data", str(data), "--dist", str(args.dist), "-q"], stderr=subprocess.DEVNULL)
        servers.append(ours)
        theirs = subprocess.Popen([oxigraph, "serve", "--bind", f"127.0.0.1:{ox_port}"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        servers.append(theirs)
        wait_ready(ox_port, theirs)
        conn = http.client.HTTPConnection("127.0.0.1", ox_port, timeout=120)
        conn.request("POST", "/store", body=data.read_bytes(), headers={"Content-Type": "application/n-quads"})
        if conn.getresponse().status not in (200, 201, 204):
            sys.exit("oxigraph serve did not take the data")
        texts = lookup_mix(ox_port)  # the examples, or stand-ins where the data lacks them
        wait_ready(ours_port, ours)
        for distinct in (False, True):
            for name, port in (("oxigraph serve", ox_port), ("ours", ours_port)):
                load(port, "/query", texts, distinct, args.clients, 1.0)  # warm-up
                rows.append((name, "distinct" if distinct else "repeated",
                             load(port, "/query", texts, distinct, args.clients, args.seconds)))
    finally:
        for server in servers:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)

    print(f"{len(texts)} lookup queries, {args.clients} clients, {args.seconds:g} s per row, data "
          f"{args.dist / 'cckg.nq'} (+ union default graph)\n")
    print("| server | texts | req/s | p50 ms | p99 ms | errors | ratio (oxigraph req/s ÷ ours) | load average |")
    print("|---|---|---|---|---|---|---|---|")
    by = {(n, t): r for n, t, r in rows}
    for name, texts_kind, r in rows:
        ratio = by[("oxigraph serve", texts_kind)]["rps"] / r["rps"]
        print(f"| {name} | {texts_kind} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} | "
              f"{ratio:.2f}× | {r['load']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
