#!/usr/bin/env python3
"""Our endpoint (`python build.py serve`) against `oxigraph serve` on the same data, queries and client, as a
Markdown table: requests per second, p50 and p99 latency, errors, the ratio, the servers' CPU time per request (ours:
the server and its query workers; steadier than req/s on a busy machine), and the load average.

    python bench/endpoint_vs_oxigraph.py [--dist DIST] [--clients 8] [--seconds 5] [--mix both|whole|lookups]

The data: `DIST/cckg.nq` with the union of its named graphs as the default graph (what our query workers hold),
POSTed to an in-memory `oxigraph serve` (the `oxigraph` package of the test extra) and served by ours with its
defaults (8 workers, their limits and sandbox on). The queries: the lookup mix, every library query with
parameters, bound to their examples by a VALUES block (graph.store.sparql.bind_inline; an example the data lacks,
as in a generated graph, replaced by the first instance of its class: bench/run.py's STAND_INS), asked as
GET /query?query=… (both servers' route) with Accept: application/sparql-results+json. "repeated" cycles through the same texts;
"distinct" makes each text new (a numbered comment), so that nothing keyed by the text helps. The client:
`--clients` processes, each with one keep-alive connection (http.client), asking one query after another.

Two mixes, each timed on both servers: the whole mix, and the lookups only (the texts bench/run.py's query_kind
calls lookups: at most LISTING_ROWS rows, not a text search; the parts are printed). Then, per query of the whole
mix, its rows, its time asked alone, and p50 / p99 in each run; the queries making up the slowest 1 % of each run;
and how many query workers ours started during each run (a worker replaced reloads the graph). `--mix whole` or
`--mix lookups` times one of the two mixes only (the default, `both`, times both).
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

from bench.run import LISTING_ROWS, query_kind  # noqa: E402
from graph.store import library, sparql  # noqa: E402


def lookup_mix(port: int | None = None) -> list[str]:
    """Every library query with parameters, bound to its examples inline; with `port` (a server holding the data),
    an example the data lacks (a generated graph has few of the real names) is replaced by the first instance of
    its class (bench/run.py's STAND_INS), so that each lookup is timed on a resource that exists."""
    return [text for _, text in named_mix(port)]


def named_mix(port: int | None = None) -> list[tuple[str, str]]:
    """lookup_mix's texts with the name of the library query each binds."""
    texts = []
    for query in library.load("cq"):
        params = {p.name: sparql.parse_term(p.example) for p in query.params if p.example}
        if not params:
            continue
        if port is not None:
            params = {name: stand_in(port, name, term) for name, term in params.items()}
        full, _ = sparql.prepare(query.text)
        texts.append((query.name, sparql.bind_inline(full, params)))
    return texts


def answer_rows(port: int, text: str) -> tuple[int, float]:
    """(rows, ms) of one text asked alone: the solutions of a SELECT (an ASK counts 1), as bench/run.py counts
    them for query_kind."""
    started = time.perf_counter()
    found = ask_json(port, text)
    elapsed = (time.perf_counter() - started) * 1000
    return (len(found["results"]["bindings"]) if "results" in found else 1), elapsed


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


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (ours: the forkserver and the query workers), from /proc."""
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = {int(c) for c in (task / "children").read_text().split()}
            except OSError:
                continue
            todo += list(children - found)
            found |= children
    return found


def cpu_seconds(pids: set[int]) -> float:
    """The CPU time (user and system) the processes `pids` have used, from /proc (0 for one that has exited)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


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
    timed, errors, i = [], 0, 0  # (index of the text in `texts`, seconds)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        which = (index + i) % len(texts)
        text = texts[which]
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
        timed.append((which, time.perf_counter() - started))
        i += 1
    out.put((timed, errors))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def load(port: int, path: str, texts: list[str], distinct: bool, clients: int, seconds: float) -> dict:
    """req/s, p50 and p99 ms, errors and the load average of `clients` processes asking `texts` for `seconds`;
    "timed": every request as (index of its text, ms)."""
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
    timed = [(which, seconds * 1000) for found, _ in gathered for which, seconds in found]
    latencies = [ms for _, ms in timed]
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 0.99),
        "errors": sum(e for _, e in gathered),
        "load": (loads + os.getloadavg()[0]) / 2,
        "timed": timed,
    }


def per_query(timed: list[tuple[int, float]], names: list[str]) -> dict[str, tuple[int, float, float]]:
    """name -> (requests, p50 ms, p99 ms) of one run."""
    by: dict[str, list[float]] = {}
    for which, ms in timed:
        by.setdefault(names[which], []).append(ms)
    return {name: (len(v), statistics.median(v), percentile(v, 0.99)) for name, v in by.items()}


def slowest(timed: list[tuple[int, float]], names: list[str], fraction: float = 0.01) -> str:
    """The queries making up the slowest `fraction` of the requests (at least one), with how many and the worst."""
    worst = sorted(timed, key=lambda t: -t[1])[:max(1, round(len(timed) * fraction))]
    counts: dict[str, list[float]] = {}
    for which, ms in worst:
        counts.setdefault(names[which], []).append(ms)
    return ", ".join(f"{name} ×{len(v)} (≤ {max(v):.0f} ms)" for name, v in
                     sorted(counts.items(), key=lambda kv: (-len(kv[1]), kv[0])))


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
    parser.add_argument("--mix", choices=("both", "whole", "lookups"), default="both",
                        help="which mix to time (default: both)")
    args = parser.parse_args()
    # on PATH, or beside this interpreter (a venv's console scripts, the venv not activated)
    oxigraph = shutil.which("oxigraph") or shutil.which("oxigraph", path=str(Path(sys.executable).parent))
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
        named = named_mix(ox_port)  # the examples, or stand-ins where the data lacks them
        names, texts = [n for n, _ in named], [t for _, t in named]
        alone = [answer_rows(ox_port, text) for text in texts]  # (rows, ms) each, on oxigraph serve
        kinds = [query_kind(name, rows) for name, (rows, _) in zip(names, alone)]
        lookups = [i for i, kind in enumerate(kinds) if kind == "lookup"]
        wait_ready(ours_port, ours, 600)
        servers_run = (("oxigraph serve", ox_port, theirs), ("ours", ours_port, ours))
        mixes = [(mix, chosen) for mix, chosen in (("whole mix", list(range(len(texts)))), ("lookups only", lookups))
                 if args.mix == "both" or mix.startswith(args.mix)]
        for mix, chosen in mixes:
            part = [texts[i] for i in chosen]
            for distinct in (False, True):
                for name, port, process in servers_run:
                    load(port, "/query", part, distinct, args.clients, 1.0)  # warm-up
                    before = descendants(process.pid) if process is ours else set()
                    cpu = cpu_seconds({process.pid} | before)
                    found = load(port, "/query", part, distinct, args.clients, args.seconds)
                    found["cpu"] = (cpu_seconds({process.pid} | before) - cpu) * 1000 / max(1, len(found["timed"]))
                    found["started"] = len(descendants(process.pid) - before) if process is ours else None
                    found["timed"] = [(chosen[which], ms) for which, ms in found["timed"]]
                    rows.append((name, mix, "distinct" if distinct else "repeated", found))
    finally:
        for server in servers:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)

    print(f"{len(texts)} bound library queries, {args.clients} clients, {args.seconds:g} s per row, data "
          f"{args.dist / 'cckg.nq'} (+ union default graph); lookups only: the {len(lookups)} that bench/run.py's "
          f"query_kind calls lookups (bound, at most {LISTING_ROWS} rows, not a text search)\n")
    for kind in ("lookup", "text search", "listing"):
        chosen = [f"{n} ({alone[i][0]} rows)" for i, n in enumerate(names) if kinds[i] == kind]
        print(f"- {kind}: {', '.join(chosen) or 'none'}")
    print()
    print("| server | mix | texts | req/s | p50 ms | p99 ms | errors | ratio (oxigraph req/s ÷ ours) | CPU ms per request "
          "| load average | workers started |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    by = {(n, m, t): r for n, m, t, r in rows}
    for name, mix, texts_kind, r in rows:
        ratio = by[("oxigraph serve", mix, texts_kind)]["rps"] / r["rps"]
        print(f"| {name} | {mix} | {texts_kind} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} | "
              f"{ratio:.2f}× | {r['cpu']:.2f} | {r['load']:.2f} | {'-' if r['started'] is None else r['started']} |")
    shown = "whole mix" if args.mix != "lookups" else "lookups only"
    whole = [(n, t, r) for n, m, t, r in rows if m == shown]
    print(f"\nPer query in the {shown} (requests, p50 / p99 ms); rows and ms of the text asked alone on oxigraph "
          "serve before the runs:\n")
    print("| query | rows | alone ms | kind | " + " | ".join(f"{n} {t}" for n, t, _ in whole) + " |")
    print("|---|---|---|---|" + "---|" * len(whole))
    stats = [per_query(r["timed"], names) for _, _, r in whole]
    for i, name in enumerate(names):
        cells = [f"{s[name][0]}: {s[name][1]:.0f} / {s[name][2]:.0f}" if name in s else "-" for s in stats]
        print(f"| {name} | {alone[i][0]} | {alone[i][1]:.0f} | {kinds[i]} | "
              + " | ".join(cells) + " |")
    print("\nThe slowest 1 % of the requests of each run:\n")
    for name, mix, texts_kind, r in rows:
        print(f"- {name}, {mix}, {texts_kind} ({len(r['timed'])} requests): {slowest(r['timed'], names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
