"""A fresh Dask cluster's first batch, taken apart: when each project came back, what the workers'
start-up costs, and what the 2-worker speed-up would be if two workers started as fast as one.

    .venv/bin/python benchmarks/first_batch.py [--projects 20] [--rounds 3]

`benchmarks/batch.py` times a fresh cluster's first batch through `selfeval run --dask` and finds
2 workers short of 1.7× one worker. This script says why, on the same generated projects:

1. the start-up CPU of one worker, measured in fresh processes: its fork server's preload (what
   the kernel spec names, rehearsal included) and the worker's own imports on its first project;
2. a fresh local cluster of 1, then 2 workers of one thread (started before the clock, as in
   `batch.py`), `--rounds` times in turn: the batch is sent as `selfeval run --dask` sends it
   (`run_on_dask`: payloads, client, fork-server plugin, tasks), and the time each project
   comes back is kept. From those: the time to the first result of every worker (start-up and
   first render), the steady rate after it, and the batch's wall time.

Writes benchmarks/RESULTS-first-batch.md (a hand-written "## Reading" part there is kept).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch import make_projects
from common import machine, write_results

ROOT = Path(__file__).resolve().parent.parent

_PRELOAD = """
import time
from selfeval.execution.forkserver import preload
from selfeval.execution.kernels import preload_names
start = time.process_time()
preload(preload_names())
print(time.process_time() - start)
"""

_WORKER_IMPORTS = """
import time
start = time.process_time()
from selfeval.startup import skip_unused_imports
skip_unused_imports()
from selfeval.batch.distributed import render_payload
import nbconvert, papermill
from selfeval.execution import execute
from selfeval.report import html, notebook, render
from selfeval.views import document, frames, row
print(time.process_time() - start)
"""


def cpu_of(code: str) -> float:
    """CPU seconds a fresh interpreter spends on `code` (it prints them), best of 3."""
    from selfeval.execution.forkserver import ONE_THREAD

    env = {**os.environ, **ONE_THREAD}
    return min(float(subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True,
                                    text=True).stdout.split()[-1]) for _ in range(3))


def first_batch(params: list[Path], workers: int) -> list[float]:
    """Seconds from sending the batch to each project's return, in order, on a fresh cluster."""
    import distributed

    from selfeval.batch.distributed import run_on_dask

    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        times = []
        for outcome in run_on_dask(cluster.scheduler_address, params, Path(out)):
            assert outcome.status == "rendered", outcome.reason
            times.append(time.perf_counter() - start)
        return times


def parts(times: list[float], workers: int) -> dict[str, float]:
    """The first result of every worker, the steady time a project after it, and the whole."""
    first = times[workers - 1]
    return {"first": first, "steady": (times[-1] - first) / (len(times) - workers), "wall": times[-1]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    load = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="selfeval-first-"))
    params = make_projects(tmp / "params", args.projects)

    preload_cpu, imports_cpu = cpu_of(_PRELOAD), cpu_of(_WORKER_IMPORTS)
    runs: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    for _ in range(args.rounds):  # in turn, so a slow minute of the machine hits both alike
        for workers in runs:
            runs[workers].append(parts(first_batch(params, workers), workers))
    med = {w: {k: statistics.median(r[k] for r in rs) for k in ("first", "steady", "wall")} for w, rs in runs.items()}
    one, two = med[1], med[2]
    n = args.projects
    # the 2-worker batch had its workers started as fast as one worker's: its first results at the
    # 1-worker time to a first result, then its own steady rate
    equal_start = one["first"] + (n - 2) * two["steady"]
    latest = one["wall"] / 1.7 - (n - 2) * two["steady"]  # the aim's latest first results for 2 workers
    lines = [
        "# A fresh Dask cluster's first batch, taken apart",
        "",
        f"`python benchmarks/first_batch.py --projects {n} --rounds {args.rounds}` on "
        f"{time.strftime('%Y-%m-%d')}. {machine(load)} Medians of {args.rounds} rounds, 1 and 2 "
        "workers in turn, each on a fresh local cluster (workers of one thread, started before the "
        "clock). The clock starts when the batch is sent as `selfeval run --dask` sends it, so the "
        "workers' fork servers start inside it.",
        "",
        "## A worker's start-up, in fresh processes (best of 3)",
        "",
        f"- its fork server's preload (the kernel spec's list, rehearsal included): **{preload_cpu:.2f} CPU-s**",
        f"- the worker's own imports for its first project: **{imports_cpu:.2f} CPU-s**",
        "",
        f"One worker's start-up is {preload_cpu + imports_cpu:.2f} CPU-s in two processes that run side by "
        f"side, so on {os.cpu_count()} cores its wall time is about the larger part. Two workers start "
        f"{2 * (preload_cpu + imports_cpu):.2f} CPU-s in four processes on the same cores.",
        "",
        "## The batch",
        "",
        "| workers | first result of every worker (s) | a project after it (s) | wall time (s) | every round: wall (s) |",
        "|---:|---:|---:|---:|---|",
        *(f"| {w} | {m['first']:.2f} | {m['steady']:.3f} | {m['wall']:.2f} | "
          + ", ".join(f"{r['wall']:.2f}" for r in runs[w]) + " |" for w, m in med.items()),
        "",
        f"- 2 workers against 1, the whole first batch: **{one['wall'] / two['wall']:.2f}×** the throughput "
        "(aim ≥ 1.7×).",
        f"- 2 workers against 1 after every worker's first result: **{one['steady'] / two['steady']:.2f}×**.",
        f"- 2 workers' first results came {two['first'] - one['first']:.2f} s later than one worker's first.",
        f"- Had 2 workers started as fast as one ({one['first']:.2f} s to their first results, then their own "
        f"steady rate): {equal_start:.2f} s, **{one['wall'] / equal_start:.2f}×** one worker.",
        f"- For 1.7× at that steady rate, 2 workers' first results had to come by **{latest:.2f} s**, "
        f"{abs(latest - one['first']):.2f} s {'after' if latest >= one['first'] else 'before'} one worker's first.",
    ]
    text = "\n".join(lines) + "\n"
    write_results(ROOT / "benchmarks" / "RESULTS-first-batch.md", text)
    print(text)


if __name__ == "__main__":
    main()
