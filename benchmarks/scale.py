"""Scaling out, side by side in one run: local workers against Dask workers, and a throughput model
that predicts configurations before they are measured.

    .venv/bin/python benchmarks/scale.py [--projects 20] [--rounds 3]

On the same generated params files (variations of the seed form):

1. `run_batch` with 1 and 2 local workers (each run starts its own fork server, as `selfeval run`);
2. a standing local Dask cluster of 1 worker process with 1 thread (its fork server started, and
   one untimed batch run, before timing: a cluster that has served a batch before): each
   project's render time on the worker gives the model's time of a project in flight, the batch's
   wall time the rest (its fixed part); the CPU every process of the run used, and the part the
   worker process used itself, are read from /proc meanwhile;
3. the model then predicts two configurations, printed before either runs: 2 workers with
   1 thread each, and 1 worker with 2 threads;
4. both are measured, on standing clusters as in 2.

Also the per-task scheduler overhead (a Dask task that does nothing). Medians of `--rounds`.
Writes benchmarks/RESULTS-scale.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch import make_projects
from common import write_results

ROOT = Path(__file__).resolve().parent.parent


def _noop(x: int) -> int:
    return x


def _run(params: Path, out: Path, seconds: list[float] | None = None, **kwargs) -> float:
    """Wall time of a forced batch; each project's own render time (on its worker) goes to `seconds`."""
    from selfeval.batch.run import run_batch

    start = time.perf_counter()
    summary = run_batch(params, out, force=True, portfolio=False, db=False, **kwargs)
    elapsed = time.perf_counter() - start
    assert summary.failed == 0, [o.reason for o in summary.outcomes if o.status == "failed"]
    if seconds is not None:
        seconds += [o.seconds for o in summary.outcomes]
    return elapsed


def _cpu(proc: psutil.Process, children: bool = True) -> float:
    """CPU seconds of a process (and, with `children`, of every descendant, alive or reaped)."""
    try:
        t = proc.cpu_times()
        total = t.user + t.system
        if children:
            total += t.children_user + t.children_system
            total += sum(_cpu(c) for c in proc.children())
        return total
    except psutil.NoSuchProcess:
        return 0.0


class CpuMeter:
    """CPU used by a run: this process (client and scheduler) and every cluster process below it,
    and separately by the worker processes themselves (their own Python, under one GIL each)."""

    def __init__(self, worker_pids: list[int]) -> None:
        self.me = psutil.Process()
        self.workers = [psutil.Process(p) for p in worker_pids]

    def read(self) -> tuple[float, float]:
        t = self.me.cpu_times()
        everything = t.user + t.system + sum(_cpu(c) for c in self.me.children())
        return everything, sum(_cpu(w, children=False) for w in self.workers)


def task_overhead(client, n: int = 200) -> float:
    """Seconds a do-nothing task costs through the scheduler, per task."""
    start = time.perf_counter()
    client.gather(client.map(_noop, range(n), pure=False))
    return (time.perf_counter() - start) / n


def standing_cluster(workers: int, threads: int):
    import distributed

    from selfeval.batch.distributed import ForkServerPlugin

    cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=threads, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    client.register_plugin(ForkServerPlugin())  # the fork servers start now, not in the timing
    return cluster, client


def predict(fixed: float, per_project: float, cpu: float, own: float, workers: int, threads: int, n: int,
            cores: int) -> tuple[float, str]:
    """The model: a batch of `n` projects takes `fixed` plus `n` times the slowest of three limits:
    one project's time spread over every concurrent render (workers × threads), the CPU every
    project needs spread over the cores, and the worker's own Python spread over the workers (one
    GIL each: a worker's threads take turns there). Returns the time and the limit that binds."""
    limits = {"renders in flight": per_project / (workers * threads), "cores": cpu / cores,
              "worker's own Python (GIL)": own / workers}
    bound = max(limits, key=limits.__getitem__)
    return fixed + n * limits[bound], bound


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    n, half, cores = args.projects, args.projects // 2, os.cpu_count() or 1
    times: dict[str, list[float]] = {}
    overhead: dict[str, float] = {}
    log: list[str] = []

    def say(line: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        log.append(f"{stamp} {line}")
        print(stamp, line, flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        params, params_half = root / "params", root / "half"
        make_projects(params, n)
        make_projects(params_half, half)  # for warming clusters up
        for r in range(args.rounds):
            times.setdefault("local, 1 worker", []).append(_run(params, root / f"l1-{r}", jobs=1))
            times.setdefault("local, 2 workers", []).append(_run(params, root / f"l2-{r}", jobs=2))

        # calibration: one worker, one thread, standing
        cluster, client = standing_cluster(1, 1)
        try:
            _run(params_half, root / "warm-1-1", dask_address=cluster.scheduler_address)  # workers import on first use
            overhead["1 × 1"] = task_overhead(client)
            meter = CpuMeter(list(client.run(os.getpid).values()))
            cpu, own, rendering = [], [], []
            for r in range(args.rounds):
                before = meter.read()
                times.setdefault("Dask, 1 worker × 1 thread", []).append(
                    _run(params, root / f"c1-{r}", rendering, dask_address=cluster.scheduler_address))
                after = meter.read()
                cpu.append((after[0] - before[0]) / n)
                own.append((after[1] - before[1]) / n)
        finally:
            client.close()
            cluster.close()
        full = statistics.median(times["Dask, 1 worker × 1 thread"])
        # a project in flight: its render on the worker, plus the scheduler's cost per task
        per_project = statistics.median(rendering) + overhead["1 × 1"]
        fixed = full - n * per_project
        cpu_pp, own_pp = statistics.median(cpu), statistics.median(own)
        say(f"calibrated on 1 worker × 1 thread: fixed {fixed:.2f} s, {per_project:.3f} s a project in flight, "
            f"{cpu_pp:.3f} CPU-s a project in all processes, {own_pp:.3f} CPU-s of it in the worker process")
        predictions = {}
        for workers, threads in ((2, 1), (1, 2)):
            predictions[(workers, threads)] = predict(fixed, per_project, cpu_pp, own_pp, workers, threads, n, cores)
            t, bound = predictions[(workers, threads)]
            say(f"predicted before measuring: {workers} worker(s) × {threads} thread(s): {t:.2f} s "
                f"({t / n:.3f} s a project; bound by {bound})")

        for workers, threads in ((2, 1), (1, 2)):
            cluster, client = standing_cluster(workers, threads)
            try:
                _run(params_half, root / f"warm-{workers}-{threads}", dask_address=cluster.scheduler_address)
                overhead[f"{workers} × {threads}"] = task_overhead(client)
                key = f"Dask, {workers} worker{'s' if workers > 1 else ''} × {threads} thread{'s' if threads > 1 else ''}"
                for r in range(args.rounds):
                    times.setdefault(key, []).append(
                        _run(params, root / f"d{workers}{threads}-{r}", dask_address=cluster.scheduler_address))
                say(f"measured: {key}: {statistics.median(times[key]):.2f} s")
            finally:
                client.close()
                cluster.close()

    med = {k: statistics.median(v) for k, v in times.items()}
    two, threaded = med["Dask, 2 workers × 1 thread"], med["Dask, 1 worker × 2 threads"]
    lines = [
        "# Scaling out: local workers and Dask workers, side by side",
        "",
        f"`python benchmarks/scale.py --projects {n} --rounds {args.rounds}` on {time.strftime('%Y-%m-%d')}, "
        f"{platform.platform()}, {cores} cores, Python {platform.python_version()}. Every configuration "
        f"renders the same {n} generated projects (`--force`, no record, no portfolio), medians of "
        f"{args.rounds} rounds. Local runs start their fork server inside the timing, as `selfeval run` "
        "does; the Dask clusters are standing (workers and their fork servers started before timing, as on "
        "a cluster that has served a batch before; `benchmarks/batch.py` times a cluster's first batch).",
        "",
        "| configuration | median wall time (s) | per project (s) | every round (s) |",
        "|---|---:|---:|---|",
        *(f"| {k} | {med[k]:.2f} | {med[k] / n:.3f} | {', '.join(f'{x:.2f}' for x in v)} |"
          for k, v in times.items()),
        "",
        "Dask scheduler overhead for a task that does nothing: "
        + ", ".join(f"{v * 1000:.1f} ms ({k})" for k, v in overhead.items()) + ".",
        "",
        "## The model",
        "",
        "A batch of N projects takes a fixed part F plus N times the slowest of three limits:",
        "",
        "- **renders in flight**: one project's time L, spread over workers × threads;",
        "- **cores**: the CPU a project costs in all processes together (worker, kernel, client, "
        f"scheduler), u, spread over the {cores} cores;",
        "- **the worker's own Python**: the CPU a project costs inside the worker process, g (the "
        "payload, the review, the kernel's messages, the HTML), spread over the workers: a worker's "
        "threads share one GIL, so threads add renders in flight but not this.",
        "",
        "All four come from the 1 worker × 1 thread cluster: L is the median time a project's render "
        "took on the worker plus the scheduler's cost per task (200 do-nothing tasks, pipelined), F the "
        "batch's wall time less N × L, u and g the CPU read from /proc during its runs, divided by N "
        "(so they carry the fixed part's CPU too, which the model then counts twice where cores bind):",
        "",
        f"- F = {fixed:.2f} s, L = {per_project:.3f} s, u = {cpu_pp:.3f} CPU-s, g = {own_pp:.3f} CPU-s.",
        "",
        "What grows with N workers is only the first limit's divisor. Throughput stops growing where "
        f"u / {cores} overtakes L / (workers × threads): at {per_project * cores / cpu_pp:.1f} renders in "
        f"flight on this machine. A worker's threads stop helping where g overtakes L / threads.",
        "",
        "Predictions were written (with the time of day) before the two configurations ran:",
        "",
        "| configuration | predicted (s) | binding limit | measured (s) | measured ÷ predicted |",
        "|---|---:|---|---:|---:|",
    ]
    for (workers, threads), (t, bound) in predictions.items():
        key = f"Dask, {workers} worker{'s' if workers > 1 else ''} × {threads} thread{'s' if threads > 1 else ''}"
        lines.append(f"| {workers} worker(s) × {threads} thread(s) | {t:.2f} | {bound} | {med[key]:.2f} | "
                     f"{med[key] / t:.2f} |")
    lines += [
        "",
        "The run's log, in order:",
        "",
        "```",
        *log,
        "```",
        "",
        f"- Dask, 2 workers against local, 2 workers: **{two / med['local, 2 workers']:.2f}×** the time.",
        f"- Dask, 2 workers against Dask, 1 worker: **{full / two:.2f}×** the throughput.",
        f"- Dask, 1 worker × 2 threads against 2 workers × 1 thread: **{threaded / two:.2f}×** the time.",
    ]
    text = "\n".join(lines) + "\n"
    write_results(ROOT / "benchmarks" / "RESULTS-scale.md", text)
    print(text)


if __name__ == "__main__":
    main()
