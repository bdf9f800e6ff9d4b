"""Write the committed notebooks from their cell sources and execute them in place.

Run after changing a notebook's cells or anything its stored outputs show:
    python tools/build_notebooks.py
nbval then checks that a fresh run reproduces these outputs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent

PROJECT_REPORT = [
    ("parameters", "# Parameters (papermill injects a cell after this one).\n"
                   "# params_file: a params YAML (see params/); None shows the bundled seed example.\n"
                   "params_file = None"),
    ("", "from selfeval import charts, present\n"
         "from selfeval.fonts import configure_matplotlib, show_figure\n\n"
         "configure_matplotlib()\n"
         "ctx = present.prepare(params_file)\n"
         "ev = ctx.evaluation"),
    ("", "present.show(present.overview_html(ctx))"),
    ("", "present.show(present.money_html(ctx))"),
    ("", "show_figure(charts.money_flow(ev))\nshow_figure(charts.sub_items(ev))"),
    ("", "present.show(present.indicators_html(ctx))"),
    ("", "show_figure(charts.category_scores(ev))\nshow_figure(charts.completion(ev))"),
    ("", "present.show(present.findings_html(ctx))"),
    ("", "present.show(present.narrative_html(ctx))"),
    ("", "present.show(present.appendix_html(ctx))"),
]

PORTFOLIO = [
    ("parameters", "# Parameters (papermill injects a cell after this one).\n"
                   "# source: a folder of forms or params files; records_file: records a batch run wrote.\n"
                   "source = \"../params\"\nrecords_file = None\nyear = None\ndepartment = None\n"
                   "reports_dir = None\nload_errors = []"),
    ("", "from selfeval import charts, portfolio, present\n"
         "from selfeval.fonts import configure_matplotlib, show_figure\n\n"
         "configure_matplotlib()\n"
         "ctx = portfolio.prepare(source, records_file, year, department, reports_dir, load_errors)"),
    ("", "present.show(portfolio.page_html(ctx, \"summary\"))"),
    ("", "show_figure(charts.share_distribution(ctx[\"records\"]))\n"
         "show_figure(charts.execution_vs_score(ctx[\"records\"]))"),
    ("", "present.show(portfolio.page_html(ctx, \"ranking\"))\nshow_figure(charts.gap_bars(ctx[\"records\"]))"),
    ("", "present.show(portfolio.page_html(ctx, \"findings\"))\nshow_figure(charts.findings_bars(ctx[\"codes\"]))"),
    ("", "present.show(portfolio.page_html(ctx, \"departments\"))"),
    ("", "present.show(portfolio.page_html(ctx, \"projects\"))"),
]

NOTEBOOKS = {"project_report.ipynb": PROJECT_REPORT, "portfolio.ipynb": PORTFOLIO}


def build(name: str, cells: list[tuple[str, str]]) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, (tag, src) in enumerate(cells):
        cell = nbformat.v4.new_code_cell(src)
        cell.id = f"cell-{i:02d}"  # stable ids: no random churn in diffs
        if tag:
            cell.metadata["tags"] = [tag]
        nb.cells.append(cell)
    path = ROOT / "notebooks" / name
    NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:  # execution timestamps change every run and say nothing
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    print("wrote", path.relative_to(ROOT))


if __name__ == "__main__":
    for n in sys.argv[1:] or NOTEBOOKS:
        build(n, NOTEBOOKS[n])
