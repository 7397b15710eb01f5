"""Memory of a process tree counted honestly: the peak of the SUM over the process and all its descendants.

    python bench/memory.py [--interval 0.05] -- python build.py -q --sources /tmp/gen1m --out /tmp/o1m

A build that forks writers (tried on branch mainjob, reverted: the copies on write cost 0.6-0.9 GB at 1M) has
two processes whose pages are partly shared (copy on write): the parent's peak RSS alone undercounts, and the
sum of the peak RSS of each process counts the shared pages twice. This samples /proc every `interval` seconds
and reports, for the whole tree at each instant:

* `peak_pss_mb`: the peak of the summed PSS (proportional set size: a page shared by two processes counts half
  in each), i.e. the physical memory the job held, the figure held against the goal;
* `peak_rss_sum_mb`: the peak of the summed RSS (shared pages counted in every process: an upper bound);
* `max_rss_mb`: the largest RSS of any one process (getrusage's ru_maxrss, which the kernel keeps exactly);
and the wall time, the CPU time of the whole tree (the command and every child it waited for), the exit code and
the 1-minute load average at the end. Linux only (/proc). A sample can miss a peak shorter than the interval;
`max_rss_mb` cannot.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo.extend(int(child) for child in task.read_text().split())
            except OSError:
                pass
    return found


def _rollup(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in kB; (0, 0) when it is gone."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def measure(command: list[str], *, interval: float = 0.05, **popen) -> dict:
    """Run `command` to its end, sampling its process tree; the figures of the module's docstring."""
    t0 = time.perf_counter()
    popen.setdefault("stdout", sys.stderr)  # the command's output goes to stderr: stdout has the figures alone
    proc = subprocess.Popen(command, **popen)
    peak_pss = peak_rss = 0
    processes = 1
    while proc.poll() is None:
        pids = _descendants(proc.pid)
        processes = max(processes, len(pids))
        totals = [_rollup(pid) for pid in pids]
        peak_pss = max(peak_pss, sum(p for p, _ in totals))
        peak_rss = max(peak_rss, sum(r for _, r in totals))
        time.sleep(interval)
    wall = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_pss_mb": round(peak_pss / 1024, 1), "peak_rss_sum_mb": round(peak_rss / 1024, 1),
            "max_rss_mb": round(usage.ru_maxrss / 1024, 1), "processes": processes, "exit": proc.returncode,
            "load": round(os.getloadavg()[0], 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between samples (default 0.05)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given (put it after --)")
    print(json.dumps(measure(command, interval=args.interval)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
