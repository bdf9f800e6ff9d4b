"""Batch benchmark: report rendering on this machine, every figure measured side by side in one run.

    .venv/bin/python benchmarks/batch.py [--projects 20] [--large 200] [--rounds 3]

On the same generated params files (synthetic variations of the seed form), one after the other:
  1. `selfeval run --jobs 2` as shipped: report kernels forked from a pre-imported process;
  2. the empty-notebook floor through the same path: forked kernels, a notebook with only its
     parameters cell;
  3. `selfeval run --dask` on a fresh local cluster of 1, then 2 worker processes (one thread each,
     started before the clock; their fork servers start inside it);
     1–3 are run in turn `--rounds` times and reported as medians;
  4. an all-skipped incremental rerun of (1);
  5. the same with ordinary kernels (SELFEVAL_FORK=0): the previous engine;
  6. the imports-only floor through the previous path: ordinary kernels, a notebook that only
     imports what the report imports;
  7. a naive serial loop: `papermill` CLI then `jupyter nbconvert --to html` CLI per project;
  8. `--large` projects with (1): projects per minute and peak memory (PSS: forked processes
     share their pages, so RSS would count the preloaded modules once per kernel).
It also checks that (1), (5) and the Dask run wrote byte-identical reports. Writes
benchmarks/RESULTS-batch.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
from common import write_results

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def make_projects(folder: Path, n: int) -> list[Path]:
    from selfeval.layouts.suzhou import dump_suzhou_text
    from selfeval.loaders import load_form
    from selfeval.synth import vary

    seed = load_form(ROOT / "selfeval" / "examples" / "seed.txt")
    (folder / "forms").mkdir(parents=True)
    out = []
    for i in range(n):
        form = vary(seed, random.Random(i), i)
        (folder / "forms" / f"p{i:03d}.txt").write_text(dump_suzhou_text(form), encoding="utf-8")
        params = folder / f"p{i:03d}.yaml"
        params.write_text(f"form: forms/p{i:03d}.txt\nreview_date: 2024-03-15\n", encoding="utf-8")
        out.append(params)
    return out


def floor_notebook(folder: Path, imports: bool) -> Path:
    """The report's parameters cell, and (imports=True) the report's imports; nothing else."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    p = nbformat.v4.new_code_cell("params_file = None\nprepared = None")
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p]
    if imports:
        nb.cells.append(nbformat.v4.new_code_cell(
            "from selfeval.report import charts, sections\nfrom selfeval.report.fonts import configure_matplotlib, show_figure"))
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / "project_report.ipynb")
    return folder


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except OSError:
            continue
    return out


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("Pss:"))
    except (OSError, StopIteration):
        return 0


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _role(pid: int, root: int) -> str:
    """What a process of the run is: forked processes keep their parent's command line, so a
    forked kernel is told from the fork server, and a pool worker from the batch, by parentage."""
    cmd = _cmdline(pid)
    if not cmd:
        return "gone"
    if "selfeval.execution.forkserver" in cmd:
        return "forked kernel" if "selfeval.execution.forkserver" in _cmdline(_parent(pid)) else "fork server"
    if "ipykernel" in cmd:
        return "ordinary kernel"
    return "batch (main process)" if pid == root else "pool worker"


class Sampler(threading.Thread):
    """Peak PSS of a process tree, in total and per process role, sampled every 0.25 s."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.by_role, self.stop = pid, 0, {}, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            total = 0
            for p in _tree(self.pid):
                kib = _pss_kib(p)
                total += kib
                role = _role(p, self.pid)
                self.by_role[role] = max(self.by_role.get(role, 0), kib)
            self.peak = max(self.peak, total)
            self.stop.wait(0.25)


def timed(cmd: list[str], env: dict | None = None, sample: bool = False) -> tuple[float, Sampler | None]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sampler = Sampler(proc.pid) if sample else None
    if sampler:
        sampler.start()
    proc.wait()
    elapsed = time.perf_counter() - start
    if sampler:
        sampler.stop.set()
        sampler.join()
    return elapsed, sampler


def run_cmd(params_dir: Path, out: Path, *extra: str) -> list[str]:
    return [str(BIN / "selfeval"), "run", str(params_dir), "--out", str(out), "--jobs", "2", "--no-portfolio",
            *extra]


def timed_dask(params_dir: Path, out: Path, workers: int, env: dict) -> float:
    """A batch sent to a fresh local Dask cluster: its workers (one thread each) are up before the
    clock starts; their fork servers start inside the timing, when the batch registers them."""
    import distributed

    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        return timed(run_cmd(params_dir, out, "--dask", cluster.scheduler_address), env)[0]


MEDIANS = ("selfeval run --jobs 2 (forked kernels)", "floor: new path, empty notebook", "Dask, 1 worker",
           "Dask, 2 workers")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=20)
    ap.add_argument("--large", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3, help="rounds of the rows marked as medians")
    args = ap.parse_args()
    n = args.projects
    tmp = Path(tempfile.mkdtemp(prefix="selfeval-bench-"))
    params_dir = tmp / "params"
    params = make_projects(params_dir, n)
    env = {k: v for k, v in os.environ.items() if k not in ("SELFEVAL_FORK", "SELFEVAL_NOTEBOOKS")}
    old = {**env, "SELFEVAL_FORK": "0"}
    subprocess.run([str(BIN / "python"), "-c", "from selfeval.report.fonts import warm_font_cache; warm_font_cache()"],
                   check=True)
    empty = floor_notebook(tmp / "nb2", False)

    rounds: dict[str, list[float]] = {k: [] for k in MEDIANS}
    # --no-portfolio: the comparison is per project report; the overview page is its own step.
    for r in range(args.rounds):  # interleaved, so a slow minute of the machine hits every row alike
        rounds[MEDIANS[0]].append(timed(run_cmd(params_dir, tmp / f"new-{r}"), env)[0])
        rounds[MEDIANS[1]].append(timed(run_cmd(params_dir, tmp / f"floor-new-{r}"),
                                        {**env, "SELFEVAL_NOTEBOOKS": str(empty)})[0])
        rounds[MEDIANS[2]].append(timed_dask(params_dir, tmp / f"dask1-{r}", 1, env))
        rounds[MEDIANS[3]].append(timed_dask(params_dir, tmp / f"dask2-{r}", 2, env))
    results: dict[str, float] = {k: statistics.median(v) for k, v in rounds.items()}
    results["incremental rerun (all skipped)"] = timed(run_cmd(params_dir, tmp / "new-0"), env)[0]
    results["selfeval run --jobs 2, ordinary kernels (previous engine)"] = timed(run_cmd(params_dir, tmp / "old"),
                                                                               old)[0]
    results["floor: previous path, imports-only notebook"] = timed(
        run_cmd(params_dir, tmp / "floor-old"), {**old, "SELFEVAL_NOTEBOOKS": str(floor_notebook(tmp / "nb1", True))})[0]
    naive = tmp / "naive"
    naive.mkdir()
    start = time.perf_counter()
    for p in params:
        executed = naive / f"{p.stem}.ipynb"
        subprocess.run([str(BIN / "papermill"), str(ROOT / "notebooks" / "project_report.ipynb"), str(executed),
                        "-p", "params_file", str(p), "--cwd", str(ROOT / "notebooks"), "--no-progress-bar"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results["naive serial loop (papermill CLI + nbconvert CLI)"] = time.perf_counter() - start

    new_pages = sorted((tmp / "new-0").glob("p[0-9]*.html"))
    same = [p.name for p in new_pages if p.read_bytes() == (tmp / "old" / p.name).read_bytes()]
    same_dask = [p.name for p in new_pages
                 if (tmp / "dask2-0" / p.name).exists() and p.read_bytes() == (tmp / "dask2-0" / p.name).read_bytes()]

    large_dir = tmp / "large"
    make_projects(large_dir, args.large)
    large_t, sampler = timed(run_cmd(large_dir, tmp / "large-out"), env, sample=True)
    large_done = len(list((tmp / "large-out").glob("p[0-9]*.html")))

    ours = results[MEDIANS[0]]
    floor_new = results[MEDIANS[1]]
    dask1, dask2 = results[MEDIANS[2]], results[MEDIANS[3]]
    before = results["selfeval run --jobs 2, ordinary kernels (previous engine)"]
    naive_t = results["naive serial loop (papermill CLI + nbconvert CLI)"]
    floor_old = results["floor: previous path, imports-only notebook"]
    lines = [
        "# Batch benchmark",
        "",
        f"Measured by `benchmarks/batch.py` on {time.strftime('%Y-%m-%d')}: {n} generated projects, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}. "
        "Every row measured in one run, one after the other; the first four rows are medians of "
        f"{args.rounds} rounds, run in turn. The shipped engine rendered {len(new_pages)}/{n} reports; "
        f"{len(same)}/{len(new_pages)} are byte-identical to the previous engine's and "
        f"{len(same_dask)}/{len(new_pages)} to those the Dask cluster of 2 workers rendered. A Dask row "
        "is a fresh local cluster (workers of one thread, started before the clock) serving its first "
        "batch: the workers' fork servers start inside the timing.",
        "",
        "| run | wall time (s) | per project (s) | every round (s) |",
        "|---|---:|---:|---|",
        *(f"| {k} | {v:.1f} | {v / n:.2f} | {', '.join(f'{x:.1f}' for x in rounds.get(k, []))} |"
          for k, v in results.items()),
        "",
        f"- per project with `--jobs 2`: **{ours / n:.2f} s** (aim < 1 s)",
        f"- speed-up over the naive loop: **{naive_t / ours:.2f}×** (aim ≥ 8×)",
        f"- speed-up over the previous engine: **{before / ours:.2f}×**",
        f"- the report path over the new empty-notebook floor: **{ours / floor_new:.2f}×** (aim ≤ 1.6×); the "
        f"previous imports-only floor over the new one: **{floor_old / floor_new:.2f}×**",
        f"- Dask, 2 workers, over local `--jobs 2`: **{dask2 / ours:.2f}×** the time (aim ≤ 1.15×)",
        f"- Dask, 2 workers, against 1 worker: **{dask1 / dask2:.2f}×** the throughput (aim ≥ 1.7×)",
        f"- incremental rerun of {n} unchanged projects: **{results['incremental rerun (all skipped)']:.2f} s** "
        "(aim < 3 s)",
        "",
        f"## {args.large} projects",
        "",
        f"`selfeval run --jobs 2` rendered {large_done}/{args.large} in **{large_t:.1f} s**: "
        f"**{large_done / large_t * 60:.0f} projects per minute** (stretch aim: {args.large} in under 180 s). "
        f"Peak memory of the whole process tree (PSS, sampled every 0.25 s): **{sampler.peak / 1024:.0f} MiB**.",
        "",
        "| process | peak PSS (MiB) |",
        "|---|---:|",
        *(f"| {role} | {kib / 1024:.0f} |" for role, kib in sorted(sampler.by_role.items()) if role != "gone"),
        "",
    ]
    write_results(ROOT / "benchmarks" / "RESULTS-batch.md", "\n".join(lines), heading="## Where the time goes")
    print("\n".join(lines))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
