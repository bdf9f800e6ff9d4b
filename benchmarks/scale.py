"""Scaling out, side by side in one run: local workers against Dask workers, one and two.

    .venv/bin/python benchmarks/scale.py [--projects 20] [--rounds 3]

On the same generated params files (variations of the seed form), each round runs, in turn:
`run_batch` with 1 and 2 local workers, and with a local Dask cluster of 1 and of 2 worker
processes (one thread each, started and warmed — their fork servers up — before timing). It
reports the median seconds per project of each, the per-task scheduler overhead (a Dask task
that does nothing, timed on the same cluster), and a throughput model checked against what was
measured. Writes benchmarks/RESULTS-scale.md.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch import make_projects

ROOT = Path(__file__).resolve().parent.parent


def _noop(x: int) -> int:
    return x


def timed_local(params: Path, out: Path, jobs: int) -> float:
    from selfeval.batch.run import run_batch

    start = time.perf_counter()
    summary = run_batch(params, out, jobs=jobs, force=True, portfolio=False, db=False)
    assert summary.failed == 0
    return time.perf_counter() - start


def timed_dask(params: Path, out: Path, address: str) -> float:
    from selfeval.batch.run import run_batch

    start = time.perf_counter()
    summary = run_batch(params, out, force=True, portfolio=False, db=False, dask_address=address)
    assert summary.failed == 0
    return time.perf_counter() - start


def task_overhead(client, n: int = 200) -> float:
    """Seconds a do-nothing task costs through the scheduler, per task."""
    start = time.perf_counter()
    client.gather(client.map(_noop, range(n), pure=False))
    return (time.perf_counter() - start) / n


def main() -> None:
    import distributed

    from selfeval.batch.distributed import ForkServerPlugin

    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    n = args.projects
    results: dict[str, list[float]] = {"local, 1 worker": [], "local, 2 workers": [], "Dask, 1 worker": [],
                                       "Dask, 2 workers": []}
    overhead: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        params = root / "params"
        make_projects(params, n)
        clusters = {}
        try:
            for workers in (1, 2):
                cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                   dashboard_address=None)
                client = distributed.Client(cluster)
                client.register_plugin(ForkServerPlugin())  # the fork servers start now, not in the timing
                client.run(lambda: None)
                overhead[workers] = task_overhead(client)
                clusters[workers] = (cluster, client)
            for r in range(args.rounds):
                results["local, 1 worker"].append(timed_local(params, root / f"l1-{r}", 1))
                results["local, 2 workers"].append(timed_local(params, root / f"l2-{r}", 2))
                for workers in (1, 2):
                    cluster, _ = clusters[workers]
                    results[f"Dask, {workers} worker{'s' if workers > 1 else ''}"].append(
                        timed_dask(params, root / f"d{workers}-{r}", cluster.scheduler_address))
        finally:
            for cluster, client in clusters.values():
                client.close()
                cluster.close()
    per = {k: statistics.median(v) / n for k, v in results.items()}
    # The model: a batch of N projects on W workers takes fixed + N * (report / W + overhead); the
    # fixed part (record, index, scores) and the report's cost come from the local 1-worker run.
    one, two = per["Dask, 1 worker"], per["Dask, 2 workers"]
    predicted_two = one / 2 + overhead[2]
    lines = [
        "# Scaling out: local workers and Dask workers, side by side",
        "",
        f"`python benchmarks/scale.py --projects {n} --rounds {args.rounds}` on {platform.platform()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}. Every configuration renders the same "
        f"{n} generated projects (`--force`, no record, no portfolio); Dask workers are processes with one "
        "thread and their own fork server, started before timing.",
        "",
        "| configuration | median wall time (s) | per project (s) | every round (s) |",
        "|---|---|---|---|",
    ]
    for k, v in results.items():
        lines.append(f"| {k} | {statistics.median(v):.2f} | {per[k]:.3f} | {', '.join(f'{x:.2f}' for x in v)} |")
    lines += [
        "",
        f"Dask scheduler overhead for a task that does nothing: {overhead[1] * 1000:.1f} ms (1 worker), "
        f"{overhead[2] * 1000:.1f} ms (2 workers).",
        "",
        f"- Dask, 2 workers against local `--jobs 2`: **{per['Dask, 2 workers'] / per['local, 2 workers']:.2f}×** "
        "the time per project.",
        f"- Dask, 2 workers against Dask, 1 worker: **{one / two:.2f}×** the throughput.",
        f"- Model (per project = one worker's time ÷ workers + scheduler overhead): 2 workers predicted "
        f"{predicted_two:.3f} s, measured {two:.3f} s. On {os.cpu_count()} cores, a third worker shares a core: "
        "the model stops where workers exceed cores.",
    ]
    text = "\n".join(lines) + "\n"
    (ROOT / "benchmarks" / "RESULTS-scale.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
