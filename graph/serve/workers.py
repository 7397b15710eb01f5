"""The endpoint's query workers: a pool of processes, each holding the graph in its own in-memory Oxigraph store,
each under a memory cap and with no network (graph.sandbox). A query goes to an idle worker, which parses, runs and
serializes it; the pool waits until the deadline and kills the worker past it. A worker that is killed or dies (the
deadline, the memory cap, a SERVICE or LOAD asking for a socket) is replaced in the background: its slot is free
again as soon as the new process has loaded the graph (tens of milliseconds for this project's graph: workers fork
from a process that has imported their code), and nothing of the query keeps running.

Every worker loads the same N-Quads file (written once by the endpoint: each named graph, and the default graph
holding their union) into memory: the library's queries run several times faster there than on an on-disk store
opened read-only (0.08 ms against 0.47 ms for meeting-participants on the project's graph).

As with any multiprocessing program, a script that starts the endpoint must guard its top level with
`if __name__ == "__main__":` (build.py does): the process the workers fork from imports the main module.

The pool and a worker speak over a pipe: a JSON request; per answer, one message: JSON headers on one line (a
`phase` message first when the worker tries the text as an update, then one with the `status`) and the body's bytes
after the line break.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import select
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

#: How long a worker may take to start and load the graph.
START_TIMEOUT = 120.0
#: A query that has used this many seconds of CPU yields the CPU to the others (its worker drops to the priority
#: DEMOTED_NICE until it answers): a few expensive queries (a listing of thousands of rows, a hostile product) cannot
#: slow every short one down, and a short one that only waited for a CPU keeps its priority. A library lookup uses
#: under 20 ms at 1M triples.
DEMOTE_AFTER = 0.05
#: The same where a demoted worker cannot get its priority back (an unprivileged server without RLIMIT_NICE) and
#: is replaced once it answers: a replacement loads the graph again (seconds of CPU at 1M triples), so only a
#: query this long pays for it.
DEMOTE_AFTER_FOR_GOOD = 1.0
#: The worker checks how much CPU its query has used this often (seconds of waiting).
CHECK_EVERY = 0.025
#: The priority of a demoted worker (19 is the lowest).
DEMOTED_NICE = 19
#: Exit status of a worker that hit the memory cap in Python code (the engine aborts instead: SIGABRT).
EXIT_MEMORY = 3


@dataclass(frozen=True)
class Answer:
    """What the endpoint sends back: a status, a media type and a body (an error message when status != 200)."""

    status: int
    media: str | None = None
    body: bytes = b""
    error: str | None = None


class Pool:
    """`size` worker processes over the graph in `data` (an N-Quads file, read by each worker at start)."""

    def __init__(self, data: Path, *, size: int, timeout: float, queue_timeout: float, max_memory: int,
                 max_rows: int, log: bool = False):
        self.data, self.timeout, self.max_memory, self.max_rows, self.log = data, timeout, max_memory, max_rows, log
        self.queue_timeout = queue_timeout
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.closed = False
        #: Whether a demoted worker can be given its priority back (False after the first refusal).
        self.restorable = True
        self._lock = threading.Lock()
        self._all: set[_Worker] = set()
        starting = [_Worker.start(self) for _ in range(size)]
        for worker in starting:
            worker.wait_ready()
            self.idle.put(worker)

    def run(self, text: str, *, solution_format: str | None, graph_format: str | None) -> Answer:
        """Run one query on an idle worker (waiting for one at most `queue_timeout` s) within the deadline."""
        try:
            worker = self.idle.get(timeout=self.queue_timeout)
        except queue.Empty:
            return Answer(503, error=f"the server is busy: no query worker was free within {self.queue_timeout:g} s")
        deadline = time.monotonic() + self.timeout  # parsing included: the worker parses
        request = {"query": text, "solution_format": solution_format, "graph_format": graph_format,
                   "max_rows": self.max_rows}
        answer = worker.ask(request, deadline)
        if worker.alive and worker.demoted:
            # Back to its priority for the next query; where raising a priority is not allowed (an unprivileged
            # server without RLIMIT_NICE), replaced instead, at the cost of loading the graph again.
            worker.restore()
        if worker.alive:
            self.idle.put(worker)
        else:
            self._replace(worker)
        return answer

    def _replace(self, dead: _Worker) -> None:
        with self._lock:
            self._all.discard(dead)

        def start() -> None:
            while not self.closed:
                try:
                    worker = _Worker.start(self)
                    worker.wait_ready()
                except OSError as exc:  # could not start (out of processes, memory): try again shortly
                    if self.closed:
                        return
                    sys.stderr.write(f"query worker failed to start: {exc}\n")
                    time.sleep(1.0)
                    continue
                if self.closed:
                    worker.kill()
                else:
                    self.idle.put(worker)
                return

        threading.Thread(target=start, name="worker-restart", daemon=True).start()

    def pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._all if w.alive]

    def close(self) -> None:
        self.closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.kill()


def _context():
    """Workers fork from a server process that has imported their modules once (multiprocessing's forkserver):
    a new worker is ready in tens of milliseconds, so a killed worker is replaced at once."""
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = multiprocessing.get_context("forkserver")
        _CONTEXT.set_forkserver_preload(["graph.serve.workers", "graph.store.engines", "graph.store.results", "graph.serve.formats",
                                          "pyoxigraph"])
    return _CONTEXT


_CONTEXT = None


class _Worker:
    def __init__(self, pool: Pool, process, conn):
        self.pool, self.process, self.conn = pool, process, conn
        self.alive = True
        self.demoted = False
        self.nice = 0  # its priority before a demotion
        self.phase = ""
        self._poller = select.poll()  # made once: Connection.poll makes a selector at every call
        self._poller.register(conn.fileno(), select.POLLIN)
        self._clock = ((~process.pid) << 3) | 2  # the kernel's CPU clock of the process (CPUCLOCK_SCHED)

    @classmethod
    def start(cls, pool: Pool) -> _Worker:
        context = _context()
        ours, theirs = context.Pipe(duplex=True)
        process = context.Process(target=serve, args=(theirs, str(pool.data), pool.max_memory, pool.log),
                                  name="cckg-query-worker", daemon=True)
        process.start()
        theirs.close()
        worker = cls(pool, process, ours)
        with pool._lock:
            pool._all.add(worker)
            if pool.closed:
                worker.kill()
        return worker

    def wait_ready(self) -> None:
        try:
            said = self.conn.recv_bytes() if self.conn.poll(START_TIMEOUT) else b""
        except (OSError, EOFError):
            said = b""
        if said != b"ready":
            self.kill()
            if said.startswith(b"error: "):
                raise OSError(f"a query worker cannot run: {said[7:].decode('utf-8', 'replace')}")
            raise OSError(f"a query worker did not start (exit status {self.process.exitcode}): is --max-memory "
                          f"({self.pool.max_memory} MB) too small for the graph?")

    def ask(self, request: dict, deadline: float) -> Answer:
        self.phase = ""
        try:
            self.conn.send_bytes(json.dumps(request).encode("utf-8"))
            started = self._cpu_seconds()
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                if not self._poller.poll(1000 * (remaining if self.demoted else min(remaining, CHECK_EVERY))):
                    after = DEMOTE_AFTER if self.pool.restorable else DEMOTE_AFTER_FOR_GOOD
                    if not self.demoted and self._cpu_seconds() - started > after:
                        self._demote()
                    continue
                head, _, body = self.conn.recv_bytes().partition(b"\n")
                header = json.loads(head)
                if "phase" in header:
                    self.phase = header["phase"]
                    continue
                return Answer(header["status"], header.get("media"), body, header.get("error"))
        except (OSError, EOFError, ValueError):
            pass
        return self._failed(deadline)

    def _cpu_seconds(self) -> float:
        """The CPU time the worker has used (user and system): its CPU clock (one system call), else /proc."""
        try:
            return time.clock_gettime(self._clock)
        except OSError:
            pass
        try:
            with open(f"/proc/{self.process.pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _demote(self) -> None:
        self.demoted = True
        try:
            self.nice = os.getpriority(os.PRIO_PROCESS, self.process.pid)
            os.setpriority(os.PRIO_PROCESS, self.process.pid, max(self.nice, DEMOTED_NICE))
        except OSError:
            pass

    def restore(self) -> None:
        """The priority the worker had before its query was demoted, or, if that is not allowed, its end."""
        try:
            os.setpriority(os.PRIO_PROCESS, self.process.pid, self.nice)
        except OSError:
            self.pool.restorable = False
            self.kill()
            return
        self.demoted = False

    def _failed(self, deadline: float) -> Answer:
        """The worker gave no answer: past the deadline, or it died. Kill it (its slot is replaced) and explain."""
        if self.process.exitcode is None and time.monotonic() >= deadline:
            # Answer at once: a low-priority worker on a busy machine can take a while to exit (it is reaped apart).
            self.kill(wait=False)
            return Answer(503, error=f"the query did not finish within the time limit of {self.pool.timeout:g} s")
        self.kill()
        status = self.process.exitcode
        if status == -signal.SIGSYS:  # asked for a network socket (graph.sandbox)
            if self.phase == "update":
                return Answer(403, error=_UPDATE_REFUSED)
            return Answer(400, error="SERVICE (federated query) is not allowed: this endpoint makes no outbound "
                                     "requests")
        if status in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV, EXIT_MEMORY):
            return Answer(413, error=f"the query needs more memory than this endpoint allows "
                                     f"({self.pool.max_memory} MB); narrow it or add a LIMIT")
        return Answer(500, error="the query worker failed")

    def kill(self, *, wait: bool = True) -> None:
        self.alive = False
        if self.process.exitcode is None:
            self.process.kill()
        self.conn.close()
        if wait:
            self.process.join()
        else:
            threading.Thread(target=self.process.join, name="worker-reap", daemon=True).start()


def write_data(store) -> Path:
    """The store as an N-Quads file (every graph, the default graph included) for the workers to load, and beside
    it the full-text index of its quotes and names (graph.store.fulltext: a phrase or name search bound in the
    query's text asks it); the caller deletes both (`remove_data`)."""
    import pyoxigraph as ox

    from graph.store import fulltext

    handle, name = tempfile.mkstemp(prefix="cckg-endpoint-", suffix=".nq")
    with os.fdopen(handle, "wb") as out:
        store.dump(out, format=ox.RdfFormat.N_QUADS)
    fulltext.write_index(store, fulltext.index_path(Path(name)))
    return Path(name)


def remove_data(data: Path) -> None:
    from graph.store import fulltext

    data.unlink(missing_ok=True)
    fulltext.index_path(data).unlink(missing_ok=True)


# --- the worker process

_UPDATE_REFUSED = "updates (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE…) are not allowed: this endpoint is read-only"


def _answer(conn, status: int, *, media: str | None = None, body: bytes = b"", error: str | None = None) -> None:
    header = {"status": status}
    if media:
        header["media"] = media
    if error:
        header["error"] = error
    conn.send_bytes(json.dumps(header).encode("utf-8") + b"\n" + body)  # one message: the head's JSON has no line break


def _handle(store, request: dict, out) -> None:  # out: the worker's end of the pipe
    import pyoxigraph as ox

    from graph.serve import formats as endpoint_formats
    from graph.store import results, sparql
    from graph.store.results import RowLimitExceeded

    # Known prefixes the query uses and does not declare are declared for it (as on the command line); messages
    # point into the text as the client sent it.
    text = request["query"]
    full, added = sparql.complete(text)
    fast = request["solution_format"] == "json"  # a SELECT's rows stay the engine's terms (formats.solutions_json)
    try:
        result = store.query(full, max_rows=request["max_rows"], graph_form="construct", added=added,
                             engine_terms=fast)
    except sparql.QueryError as exc:
        if exc.position is None and not str(exc).startswith("syntax error"):
            return _answer(out, 400, error=f"the query failed: {exc}")
        # Not a query: an update is refused with 403, anything else gets the query parser's message. The engine
        # reads it as an update on a scratch store of its own (LOAD asking for a socket ends the process).
        _answer_phase(out, "update")
        try:
            ox.Store().update(text)
        except SyntaxError:
            return _answer(out, 400, error=str(exc))
        except Exception:  # noqa: BLE001 - an update that failed on the scratch store is an update all the same
            pass
        return _answer(out, 403, error=_UPDATE_REFUSED)
    except (OSError, RuntimeError) as exc:  # an evaluation error, raised while reading the rows
        return _answer(out, 400, error=f"the query failed: {exc}")
    except RowLimitExceeded as exc:
        return _answer(out, 413, error=f"{exc} (this endpoint returns at most {request['max_rows']} rows)")
    fmt = request["graph_format"] if result.is_graph else request["solution_format"]
    if fmt is None:
        kinds = endpoint_formats.GRAPH_FORMATS if result.is_graph else results.SOLUTION_FORMATS
        return _answer(out, 406, error=f"cannot answer in the accepted media types; this {result.form.upper()} "
                                       f"result is available as {', '.join(kinds.values())}")
    # Rows keep the engine's order when the query asks for one; otherwise they are sorted (the same bytes for the
    # same query, whichever worker ran it).
    ordered = endpoint_formats.is_ordered(full)
    if fast and result.form == "select":
        rows = result.rows if ordered or len(result.rows) < 2 else sorted(result.rows, key=store.row_key)
        body = endpoint_formats.solutions_json(result.variables, rows)
    else:
        body = endpoint_formats.serialize(result.normalized(ordered=ordered), fmt)
    media = (endpoint_formats.GRAPH_FORMATS if result.is_graph else results.SOLUTION_FORMATS)[fmt]
    _answer(out, 200, media=media, body=body)


def _answer_phase(conn, phase: str) -> None:
    conn.send_bytes(json.dumps({"phase": phase}).encode("utf-8"))


def serve(conn, data: str, max_memory: int, log: bool) -> None:
    """A worker's life: no network, the memory cap, the graph loaded, then one query after another."""
    from graph.serve import sandbox

    try:
        sandbox.forbid_network()
        sandbox.limit_memory(max_memory)
    except OSError as exc:  # not Linux on x86-64 / AArch64, or no seccomp: refuse to run queries at all
        conn.send_bytes(f"error: {exc}".encode("utf-8"))
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the server; it stops the workers
    if not log:  # the engine's own message when it runs out of memory
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
    import pyoxigraph as ox

    from graph.store.engines import OxigraphStore

    from graph.store import fulltext

    raw = ox.Store()
    raw.load(path=data, format=ox.RdfFormat.N_QUADS)
    store = OxigraphStore(raw, origin=data)
    fulltext.attach(store, fulltext.index_path(Path(data)))
    conn.send_bytes(b"ready")
    while True:
        try:
            request = json.loads(conn.recv_bytes())
        except EOFError:
            return
        try:
            _handle(store, request, conn)
        except MemoryError:
            os._exit(EXIT_MEMORY)
        except Exception as exc:  # noqa: BLE001 - a bug: answer, keep serving (the server shows no traceback)
            sys.stderr.write(f"query worker: {type(exc).__name__}: {exc}\n")
            _answer(conn, 500, error="the query failed: internal error")
