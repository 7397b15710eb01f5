"""Two lanes of writers at once: the main build's writers split over two processes (this machine class has 2 cores).

    written = lanes.run(main=[...], side=[...], timings=result.timings)

Each lane is a list of (name, function) run in order; a function takes no argument and returns the files it wrote
({key: path}). The `side` lane runs in a child forked when `run` is called, the `main` lane in this process, at
the same time; `run` returns when both are done, with what both wrote (the main lane's entries last). Both write
into the same staging folder of the release (graph/build/release.py), which becomes the release only after `run`
returned: a failure in either lane leaves no half release.

What may go to the side lane: writers that only read the build (the fork gives the child the parent's memory as it
is, copy on write) and write files no writer of the main lane reads; their bytes are the same in either lane.

Errors: an exception in the side lane is sent back to the parent (pickled, with its traceback's text) and raised
there once the main lane is done, so the command line reports it as if it had happened in this process (its
message, its exit code). An exception in the main lane kills the child first (it writes only into the stage,
which the release removes). Where there is no fork (not POSIX), the side lane runs after the main one.

Memory: the child shares the parent's pages until either writes them (Python's reference counts do, for the
objects a lane touches), so the job's memory is the sum of both processes' PSS, not the parent's RSS alone:
bench/memory.py measures it that way.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import time
import traceback
from collections.abc import Callable, Sequence

Lane = Sequence[tuple[str, Callable[[], dict]]]


def run(*, main: Lane, side: Lane = (), timings: dict | None = None) -> dict:
    """Run `side` in a forked child while `main` runs here; see the module's docstring."""
    timings = timings if timings is not None else {}
    if not side or not hasattr(os, "fork"):
        return {**_run_lane(main, timings), **_run_lane(side, timings)}
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    gc.freeze()  # the objects made so far stay out of the child's collections (fewer pages copied)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run the side lane, send back what it wrote (or its error), and leave at once
        os.close(read_end)
        _child(side, write_end, timings)
    os.close(write_end)
    gc.unfreeze()
    try:
        written = _run_lane(main, timings)
    except BaseException:
        _kill(pid)
        os.close(read_end)
        raise
    with os.fdopen(read_end, "rb") as handle:
        payload = handle.read()
    _, status = os.waitpid(pid, 0)
    side_written = _outcome(payload, status, timings)
    return {**side_written, **written}


def _run_lane(lane: Lane, timings: dict) -> dict:
    """Run one lane's writers in order; each one's wall and CPU seconds go to `timings` ("writer NAME" and
    "writer NAME cpu")."""
    written: dict = {}
    for name, function in lane:
        t, c = time.perf_counter(), time.process_time()
        try:
            written.update(function() or {})
        finally:
            timings[f"writer {name}"] = time.perf_counter() - t
            timings[f"writer {name} cpu"] = time.process_time() - c
    return written


def _child(side: Lane, write_end: int, timings: dict) -> None:
    """Run the side lane; send back ("ok", what it wrote, `timings` as the child left them) or its error."""
    code = 0
    try:
        payload = ("ok", _run_lane(side, timings), timings)
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent, which raises it
        code = 1
        payload = ("error", exc, "".join(traceback.format_exception(exc)))
    try:
        data = pickle.dumps(payload)
    except Exception:  # an exception that does not pickle: its text alone
        data = pickle.dumps(("error", None, payload[2] if payload[0] == "error" else traceback.format_exc()))
        code = 1
    try:
        with os.fdopen(write_end, "wb") as handle:
            handle.write(data)
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
    finally:
        os._exit(code)  # no cleanup of the parent's state (atexit handlers, the release's stage) in the child


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _outcome(payload: bytes, status: int, timings: dict) -> dict:
    """What the side lane wrote, or its error raised here."""
    try:
        kind, value, extra = pickle.loads(payload) if payload else ("error", None, "")
    except Exception as exc:  # noqa: BLE001 - a truncated or unreadable answer is reported as such
        kind, value, extra = "error", None, f"unreadable answer from the writers' process: {exc}"
    if kind == "ok" and os.waitstatus_to_exitcode(status) == 0:
        timings.update(extra)
        return value
    if isinstance(value, BaseException):
        value.add_note(f"(in the writers' second process)\n{extra}")
        raise value
    code = os.waitstatus_to_exitcode(status)
    how = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
    raise RuntimeError(f"the writers' second process failed ({how}){': ' + extra.strip() if extra else ''}")


__all__ = ["Lane", "run"]
