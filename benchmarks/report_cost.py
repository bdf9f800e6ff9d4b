"""Where a report's CPU goes, against the empty notebook `benchmarks/batch.py` takes as its floor.

    .venv/bin/python benchmarks/report_cost.py [--projects 12]

One report at a time on the batch's path (a fork server running, forked kernels), on generated
projects (variations of the seed form), the report notebook and the floor's empty notebook in
turn. For each: the CPU of this process (the batch worker's part: the review, papermill and the
kernel's messages, the HTML) step by step, and the CPU of the kernel from its fork to its last
cell (read inside the kernel by a cell appended to a copy of each notebook). Then each of the
four charts drawn in this process, built and saved. Medians over the projects (the first two are
warm-up and not counted).

Writes benchmarks/RESULTS-report-cost.md (a hand-written "## Reading" part there is kept).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch import floor_notebook, make_projects
from common import machine, write_results

ROOT = Path(__file__).resolve().parent.parent
#: Appended to each notebook: the kernel's CPU since its fork (the fork server's is not counted).
_KERNEL_CPU = "import resource as _r\n_u = _r.getrusage(_r.RUSAGE_SELF)\nprint(_u.ru_utime + _u.ru_stime)"
STEPS = ("review (prepare, fingerprint)", "kernel run, this process", "kernel, fork to last cell", "HTML")


def with_cpu_cell(source: Path, folder: Path) -> Path:
    """A copy of a notebook folder whose report notebook ends by printing its kernel's CPU."""
    from selfeval.report.render import REPORT_NOTEBOOK

    shutil.copytree(source, folder)
    nb = nbformat.read(folder / REPORT_NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_KERNEL_CPU))
    nbformat.write(nb, folder / REPORT_NOTEBOOK)
    return folder


def one_report(params: Path, notebooks: Path, tmp: Path) -> dict[str, float]:
    from selfeval.batch.job import fingerprint
    from selfeval.report.notebook import prepare, save_prepared
    from selfeval.report.render import notebook_html, run_report_notebook

    os.environ["SELFEVAL_NOTEBOOKS"] = str(notebooks)
    cpu = time.process_time
    c = cpu()
    ctx = prepare(params)
    fingerprint(params)
    save_prepared(ctx, tmp / "prepared.pickle")
    row = {STEPS[0]: cpu() - c}
    c, wall = cpu(), time.perf_counter()
    nb = run_report_notebook(params, None, prepared=tmp / "prepared.pickle")
    row[STEPS[1]], row["kernel run, wall"] = cpu() - c, time.perf_counter() - wall
    last = nb.cells.pop()
    row[STEPS[2]] = float("".join(o.get("text", "") for o in last.outputs).split()[-1])
    c = cpu()
    notebook_html(nb, ctx.evaluation.form.project_name, str(params))
    row[STEPS[3]] = cpu() - c
    return row


def charts_cost(params: list[Path]) -> dict[str, tuple[float, float]]:
    """Median seconds to build and to save each report chart, in this process."""
    from selfeval.report import charts
    from selfeval.report.fonts import configure_matplotlib, fig_to_png_bytes
    from selfeval.report.notebook import prepare

    configure_matplotlib()
    evs = [prepare(p).evaluation for p in params]
    out = {}
    for name, draw in charts.ALL_CHARTS.items():
        build, save = [], []
        for ev in evs + evs:  # the first pass warms up
            start = time.perf_counter()
            fig = draw(ev)
            middle = time.perf_counter()
            fig_to_png_bytes(fig)
            build.append(middle - start)
            save.append(time.perf_counter() - middle)
        out[name] = (statistics.median(build[len(evs):]), statistics.median(save[len(evs):]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=12)
    args = ap.parse_args()
    load = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="selfeval-cost-"))
    params = make_projects(tmp / "params", args.projects)

    from selfeval.execution.kernels import start_fork_server
    from selfeval.report.render import notebooks_dir

    kinds = {"report": with_cpu_cell(notebooks_dir(), tmp / "report"),
             "empty notebook": with_cpu_cell(floor_notebook(tmp / "floor-src", False), tmp / "floor")}
    server = start_fork_server()
    try:
        rows: dict[str, list[dict[str, float]]] = {k: [] for k in kinds}
        for p in params:  # in turn, so a slow minute of the machine hits both alike
            for kind, folder in kinds.items():
                rows[kind].append(one_report(p, folder, tmp))
    finally:
        if server is not None:
            server.close()
        os.environ.pop("SELFEVAL_NOTEBOOKS", None)
    med = {k: {s: statistics.median(r[s] for r in rs[2:]) for s in (*STEPS, "kernel run, wall")}
           for k, rs in rows.items()}
    drawn = charts_cost(params[:4])
    rep, flo = med["report"], med["empty notebook"]
    total = {k: sum(m[s] for s in STEPS) for k, m in med.items()}
    charts_total = sum(b + s for b, s in drawn.values())
    lines = [
        "# Where a report's CPU goes",
        "",
        f"`python benchmarks/report_cost.py --projects {args.projects}` on {time.strftime('%Y-%m-%d')}. "
        f"{machine(load)} One report at a time with the fork server running; the report notebook and "
        f"the empty notebook of `batch.py`'s floor in turn on each project; medians over {args.projects - 2} "
        "projects (two more were warm-up). CPU seconds per report.",
        "",
        "| step | report (CPU-s) | empty notebook (CPU-s) | report less empty (CPU-s) |",
        "|---|---:|---:|---:|",
        *(f"| {s} | {rep[s]:.3f} | {flo[s]:.3f} | {round(rep[s] - flo[s], 3) + 0.0:.3f} |" for s in STEPS),
        f"| **all of the above** | **{total['report']:.3f}** | **{total['empty notebook']:.3f}** | "
        f"**{total['report'] - total['empty notebook']:.3f}** |",
        "",
        f"The kernel run took {rep['kernel run, wall']:.2f} s of wall time for the report and "
        f"{flo['kernel run, wall']:.2f} s for the empty notebook.",
        "",
        "The four charts drawn in this process (median seconds, warm):",
        "",
        "| chart | build | save (PNG) |",
        "|---|---:|---:|",
        *(f"| {name} | {b:.3f} | {s:.3f} |" for name, (b, s) in drawn.items()),
        f"| **all four** | | **{charts_total:.3f}** (build and save) |",
        "",
        f"- the charts are **{charts_total / (total['report'] - total['empty notebook']):.0%}** of what a "
        "report costs beyond the empty notebook (drawn in a kernel they cost more: its first chart "
        "opens the font again, see `RESULTS-batch.md`).",
    ]
    text = "\n".join(lines) + "\n"
    write_results(ROOT / "benchmarks" / "RESULTS-report-cost.md", text)
    print(text)


if __name__ == "__main__":
    main()
