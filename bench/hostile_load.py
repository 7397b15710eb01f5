#!/usr/bin/env python3
"""The endpoint under hostile load (issue 15): 32 benign clients each run 100 library queries (with their example
parameters) while hostile clients, for the whole run (at least 60 s, until the benign clients are done), send
expensive queries (an ORDER BY over a product: memory; a COUNT over a three-way product: time), SERVICE calls to
a loopback listener, oversize and negative-length bodies, and slow connections. Prints the benign errors (goal 0),
the benign p50/p99, the peak memory of the server (every process: the server, the forkserver, the workers)
against the configured cap, the connections the listener saw (goal 0) and whether the server answers normally
afterwards. Loopback only.

    python bench/hostile_load.py [--seconds 60] [--workers 8] [--max-memory 512] [--timeout 5] [--sources DIR]
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.store import library, sparql  # noqa: E402

EXPENSIVE = [
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f",
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
]


def benign_queries() -> list[tuple[str, str]]:
    """(name, text) of every library query, its example parameters bound inline."""
    out = []
    for query in library.load("cq"):
        params = {p.name: sparql.parse_term(p.example) for p in query.params if p.example}
        out.append((query.name, sparql.bind_inline(query.text, params)))
    return out


def post(url: str, text: str, timeout: float = 60) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=text.encode(), headers={
        "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json, text/turtle;q=0.9"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def tree_memory(pid: int) -> tuple[float, float]:
    """(sum of PSS in MB over the process and its descendants, largest single RSS in MB)."""
    pids, total, largest = [pid], 0.0, 0.0
    while pids:
        current = pids.pop()
        try:
            for line in open(f"/proc/{current}/smaps_rollup", encoding="ascii"):
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) / 1024
                elif line.startswith("Rss:"):
                    largest = max(largest, int(line.split()[1]) / 1024)
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        pids += [int(c) for c in children]
    return total, largest


class Listener:
    """A loopback TCP listener counting connections (a SERVICE that got out would connect here)."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port, self.connections, self.stop = self.sock.getsockname()[1], 0, threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while not self.stop.is_set():
            try:
                self.sock.accept()[0].close()
                self.connections += 1
            except OSError:
                pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--max-memory", type=int, default=512)
    parser.add_argument("--timeout", type=float, default=5)
    parser.add_argument("--sources", type=Path)
    parser.add_argument("--quiet-baseline", action="store_true", help="no hostile client (for comparison)")
    args = parser.parse_args()

    command = [sys.executable, "build.py", "serve", "--port", "0", "--workers", str(args.workers),
               "--max-memory", str(args.max_memory), "--timeout", str(args.timeout), "--read-timeout", "5", "-q"]
    if args.sources:
        command += ["--sources", str(args.sources)]
    server = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not match:
            print(f"the server did not start: {line}{server.stderr.read()}", file=sys.stderr)
            return 1
        port = int(match.group(1))
        return run(args, server.pid, port)
    finally:
        server.terminate()
        server.wait(timeout=30)


def run(args, server_pid: int, port: int) -> int:
    url = f"http://127.0.0.1:{port}/sparql"
    queries = benign_queries()
    expected = {name: post(url, text) for name, text in queries}  # quiet run: the reference answers
    listener = Listener()
    stop = threading.Event()
    hostile = {"expensive": [], "service": [], "oversize": 0, "negative": 0, "slow": 0}
    peak = [0.0, 0.0]

    def sample():
        while not stop.is_set():
            total, largest = tree_memory(server_pid)
            peak[0], peak[1] = max(peak[0], total), max(peak[1], largest)
            time.sleep(0.2)

    def expensive(n: int):
        while not stop.is_set():
            try:
                hostile["expensive"].append(post(url, EXPENSIVE[n % 2], timeout=60)[0])
            except OSError as exc:
                hostile["expensive"].append(type(exc).__name__)

    def service():
        target = f"<http://127.0.0.1:{listener.port}/x>"
        while not stop.is_set():
            text = f"SELECT * WHERE {{ ?x a ?t # c\rSERVICE {target} {{ ?s ?p ?o }}\n}}"
            try:
                hostile["service"].append(post(url, text)[0])
            except OSError as exc:
                hostile["service"].append(type(exc).__name__)
            time.sleep(0.2)

    def raw(head: bytes, body_chunks: int) -> None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(head)
                for _ in range(body_chunks):
                    sock.sendall(b"#" * 1_000_000)
                sock.recv(4096)
        except OSError:
            pass

    def oversize():
        while not stop.is_set():
            raw(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                b"Content-Length: 200000000\r\n\r\n", 2)
            hostile["oversize"] += 1
            raw(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                b"Content-Length: -1\r\n\r\n", 20)
            hostile["negative"] += 1

    def slow():
        while not stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                    for byte in b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n":
                        if stop.is_set():
                            break
                        sock.sendall(bytes([byte]))
                        time.sleep(0.5)
            except OSError:
                pass
            hostile["slow"] += 1

    def benign(n: int) -> tuple[list[float], list[str]]:
        times, errors = [], []
        for i in range(args.queries):
            name, text = queries[(n + i) % len(queries)]
            started = time.perf_counter()
            try:
                status, body = post(url, text)
            except OSError as exc:
                errors.append(f"{name}: {exc}")
                continue
            times.append(time.perf_counter() - started)
            if (status, body) != expected[name]:
                errors.append(f"{name}: {status} {body[:120]!r}")
        return times, errors

    threads = [threading.Thread(target=sample, daemon=True)]
    if args.quiet_baseline:
        args.seconds = 0
    else:
        threads += [threading.Thread(target=expensive, args=(n,), daemon=True) for n in range(2)]
        threads += [threading.Thread(target=service, daemon=True), threading.Thread(target=oversize, daemon=True)]
        threads += [threading.Thread(target=slow, daemon=True) for _ in range(16)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    with ThreadPoolExecutor(max_workers=args.clients) as pool:
        outcomes = list(pool.map(benign, range(args.clients)))
    benign_seconds = time.monotonic() - started
    stop.wait(max(0.0, args.seconds - benign_seconds))  # hostile clients run until both are done
    stop.set()
    hostile_seconds = time.monotonic() - started
    for thread in threads:
        thread.join(timeout=30)
    listener.stop.set()

    times = sorted(t for found, _ in outcomes for t in found)
    errors = [e for _, found in outcomes for e in found]
    after = post(url, queries[0][1])
    codes = {code: hostile["expensive"].count(code) for code in sorted(set(hostile["expensive"]), key=str)}
    print(f"benign: {args.clients} clients x {args.queries} queries = {len(times) + len(errors)} in "
          f"{benign_seconds:.1f} s; errors {len(errors)}")
    for error in errors[:10]:
        print(f"  {error}")
    if times:
        p50 = statistics.median(times) * 1000
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1000
        print(f"benign latency: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {times[-1] * 1000:.0f} ms")
    print(f"hostile for {hostile_seconds:.0f} s: {len(hostile['expensive'])} expensive queries (answers {codes}), "
          f"{len(hostile['service'])} SERVICE (answers {sorted(set(hostile['service']), key=str)}), "
          f"{hostile['oversize']} oversize and {hostile['negative']} negative-length bodies, "
          f"{hostile['slow']} slow connections")
    print(f"server memory peak: {peak[0]:.0f} MB PSS over all its processes ({args.workers} workers); the largest "
          f"process {peak[1]:.0f} MB RSS, cap {args.max_memory} MB per worker")
    print(f"connections the SERVICE listener saw: {listener.connections}")
    same = "the same" if after == expected[queries[0][0]] else "DIFFERENT"
    print(f"afterwards: {queries[0][0]} answers {after[0]}, {same} as before the load")
    return 0 if not errors and after == expected[queries[0][0]] and listener.connections == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
