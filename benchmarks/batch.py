"""Batch benchmark: 20 projects on this machine, measured side by side in one run.

    .venv/bin/python benchmarks/batch.py [--projects 20]

Compares, on the same 20 params files:
  1. `selfeval run --jobs 2` (fresh output folder);
  2. a naive serial loop: `papermill` CLI then `jupyter nbconvert --to html` CLI per project;
  3. the floor: the same `selfeval run --jobs 2` path with a notebook that only imports what the
     report imports (kernel start + imports + HTML conversion, no work);
  4. an all-skipped incremental rerun of (1).
Writes the numbers to benchmarks/RESULTS-batch.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

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
        (folder / "forms" / f"p{i:02d}.txt").write_text(dump_suzhou_text(form), encoding="utf-8")
        params = folder / f"p{i:02d}.yaml"
        params.write_text(f"form: forms/p{i:02d}.txt\nreview_date: 2024-03-15\n", encoding="utf-8")
        out.append(params)
    return out


def floor_notebook(folder: Path) -> Path:
    """A notebook with the report's parameters cell and imports, and nothing else."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    p = nbformat.v4.new_code_cell("params_file = None")
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell(
        "from selfeval import charts, present\nfrom selfeval.fonts import configure_matplotlib, show_figure")]
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / "project_report.ipynb")
    return folder


def timed(cmd: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=False, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=20)
    args = ap.parse_args()
    n = args.projects
    tmp = Path(tempfile.mkdtemp(prefix="selfeval-bench-"))
    params_dir = tmp / "params"
    params = make_projects(params_dir, n)
    selfeval = str(BIN / "selfeval")
    env = dict(os.environ)
    subprocess.run([str(BIN / "python"), "-c", "from selfeval.fonts import warm_font_cache; warm_font_cache()"],
                   check=True)

    results: dict[str, float] = {}
    # --no-portfolio: the comparison is per project report; the overview page is its own step.
    results["selfeval run --jobs 2"] = timed([selfeval, "run", str(params_dir), "--out", str(tmp / "out"),
                                              "--jobs", "2", "--no-portfolio"])
    results["incremental rerun (all skipped)"] = timed([selfeval, "run", str(params_dir), "--out",
                                                        str(tmp / "out"), "--jobs", "2"])
    floor_env = {**env, "SELFEVAL_NOTEBOOKS": str(floor_notebook(tmp / "floor-nb"))}
    results["floor: same path, imports-only notebook"] = timed(
        [selfeval, "run", str(params_dir), "--out", str(tmp / "floor-out"), "--jobs", "2", "--no-portfolio"],
        floor_env)
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

    ours = results["selfeval run --jobs 2"]
    floor = results["floor: same path, imports-only notebook"]
    naive_t = results["naive serial loop (papermill CLI + nbconvert CLI)"]
    rendered = len(list((tmp / "out").glob("p[0-9]*.html")))
    lines = [
        "# Batch benchmark",
        "",
        f"Measured by `benchmarks/batch.py` on {time.strftime('%Y-%m-%d')}: {n} generated projects, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}. "
        "All four measured in one run, one after the other. "
        f"selfeval rendered {rendered}/{n} reports.",
        "",
        "| run | wall time (s) | per project (s) |",
        "|---|---:|---:|",
        *(f"| {k} | {v:.1f} | {v / n:.2f} |" for k, v in results.items()),
        "",
        f"- speed-up over the naive loop: **{naive_t / ours:.2f}×** (aim ≥ 3×)",
        f"- report path vs the floor: **{ours / floor:.2f}×** (aim ≤ 1.3×)",
        f"- incremental rerun of {n} unchanged projects: **{results['incremental rerun (all skipped)']:.2f} s** "
        "(aim < 3 s)",
        "",
    ]
    out = ROOT / "benchmarks" / "RESULTS-batch.md"
    previous = out.read_text(encoding="utf-8").split("\n## Where the time goes", 1) if out.exists() else [""]
    tail = ("\n## Where the time goes" + previous[1]) if len(previous) > 1 else ""
    out.write_text("\n".join(lines) + tail, encoding="utf-8")
    print("\n".join(lines))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
