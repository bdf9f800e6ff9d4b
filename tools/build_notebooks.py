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
    ("parameters", "# Parameters (papermill injects a cell after this one): run with -p params_file PATH.\n"
                   "# params_file: a project's params YAML (see params/); a relative path is relative to the\n"
                   "# working directory (in JupyterLab this folder, under papermill where it runs).\n"
                   "# None shows the bundled example project. Any other parameter is refused.\n"
                   "params_file = None\n"
                   "prepared = None  # set by `selfeval report`: the project already read and reviewed"),
    ("", "from selfeval.report import charts, notebook, sections\n"
         "from selfeval.report.fonts import configure_matplotlib, show_figure\n\n"
         "configure_matplotlib()\n"
         "ctx = notebook.start(globals())\n"
         "ev = ctx.evaluation"),
    ("", "sections.show(sections.summary_html(ctx))"),
    ("", "sections.show(sections.goals_html(ctx))"),
    ("", "sections.show(sections.money_html(ctx))"),
    ("", "show_figure(charts.money_flow(ev))\nshow_figure(charts.sub_items(ev))"),
    ("", "sections.show(sections.indicators_html(ctx))"),
    ("", "show_figure(charts.category_scores(ev))\nshow_figure(charts.completion(ev))"),
    ("", "sections.show(sections.history_html(ctx))"),
    ("", "sections.show(sections.findings_html(ctx))"),
    ("", "sections.show(sections.assessment_html(ctx))"),
    ("", "sections.show(sections.narrative_html(ctx))"),
    ("", "sections.show(sections.appendix_html(ctx))"),
]

PORTFOLIO = [
    ("parameters", "# Parameters (papermill injects a cell after this one).\n"
                   "# source: a folder of forms or params files; records_file: records a batch run wrote.\n"
                   "source = \"../params\"\nrecords_file = None\nyear = None\ndepartment = None\n"
                   "reports_dir = None\nload_errors = []"),
    ("", "from selfeval.batch import portfolio\n"
         "from selfeval.report import charts, notebook, sections\n"
         "from selfeval.report.fonts import configure_matplotlib, show_figure\n\n"
         "notebook.check_parameters(globals(), portfolio.PARAMETERS)\n"
         "configure_matplotlib()\n"
         "ctx = portfolio.prepare(source, records_file, year, department, reports_dir, load_errors)"),
    ("", "sections.show(portfolio.page_html(ctx, \"summary\"))"),
    ("", "show_figure(charts.share_distribution(ctx[\"records\"]))\n"
         "show_figure(charts.execution_vs_score(ctx[\"records\"]))"),
    ("", "sections.show(portfolio.page_html(ctx, \"ranking\"))\nshow_figure(charts.gap_bars(ctx[\"records\"]))"),
    ("", "sections.show(portfolio.page_html(ctx, \"findings\"))\nshow_figure(charts.findings_bars(ctx[\"codes\"]))"),
    ("", "sections.show(portfolio.page_html(ctx, \"departments\"))"),
    ("", "sections.show(portfolio.page_html(ctx, \"projects\"))"),
]

ANALYST_GUIDE = [
    ("md", "# 分析师指南：用 selfeval 复核与比较项目\n\n"
           "This notebook is the analyst's guide to the library (the API reference is `docs/api/`). It loads "
           "three projects' self-evaluation forms, reviews them, compares self-scores with review scores "
           "in pandas, charts them with Chinese labels and lists one project's findings. Run it top to "
           "bottom; point `folder` at your own forms."),
    ("", "from pathlib import Path\n\n"
         "import selfeval\n\n"
         "selfeval.use_chinese_font()  # Chinese glyphs in your own matplotlib figures\n"
         "folder = selfeval.example_folder()  # or Path(\"my_forms\")\n"
         "forms = [folder / name for name in (\"seed.txt\", \"greening.txt\", \"rural_roads.txt\")]"),
    ("md", "## One project\n\n`selfeval.review(path)` loads the form, chooses the ruleset that applies "
           "(layout, year, region) and reviews it. The result shows as a table in JupyterLab."),
    ("", "ev = selfeval.review(forms[0])\nev"),
    ("", "ev.to_frame()[[\"name\", \"weight\", \"self_score\", \"review_score\", \"difference\"]].head(8)"),
    ("md", "## Three projects side by side\n\nEvery score is a float column, so pandas arithmetic works. "
           "The exact decimals stay available with `to_frame(exact=True)`. An item still waiting for the "
           "reviewer is a range, not a deduction: `review_low` counts it at 0, `review_high` at its weight; "
           "`rating` is the settled band or `None`, and `rating_text` says which bands remain "
           "(`待定（良或优）`); `difference` leaves pending items out."),
    ("", "import pandas as pd\n\n"
         "evaluations = [selfeval.review(f) for f in forms]\n"
         "rows = [{\"项目\": e.form.project_name, \"自评总分\": float(e.self_total), "
         "\"复核下限\": float(e.review_low),\n"
         "         \"复核上限\": float(e.review_high), \"满分\": float(e.full_marks), \"自评评级\": e.self_rating,\n"
         "         \"复核评级\": e.rating_text, \"差异\": float(e.difference)} for e in evaluations]\n"
         "compare = pd.DataFrame(rows)\n"
         "compare.sort_values(\"差异\")"),
    ("md", "A whole folder in one call: one row per form (a form that cannot be read keeps its row, with "
           "the reason in `error`)."),
    ("", "table = selfeval.review_folder(folder, lang=\"zh\")\n"
         "table[[\"文件\", \"项目名称\", \"自评总分\", \"复核得分下限\", \"复核得分上限\", \"差异\", \"复核评级\", \"可能评级\"]]"),
    ("md", "Suzhou forms are out of 80 and national ones out of 100: compare them by 得分率 (`score_rate`, "
           "% of full marks; a pending item gives `score_rate_low` and `score_rate_high`)."),
    ("", "rates = selfeval.review_folder(folder)\n"
         "rates[[\"project_name\", \"full_marks\", \"review_total\", \"score_rate\", \"score_rate_high\", \"rating\"]]"
         ".sort_values(\"score_rate\").round(2)"),
    ("md", "## A chart with Chinese labels"),
    ("", "import matplotlib.pyplot as plt\n\n"
         "fig, ax = plt.subplots(figsize=(6.4, 3.2))\n"
         "x = range(len(compare))\n"
         "ax.bar([i - 0.2 for i in x], compare[\"自评总分\"], width=0.4, label=\"自评总分\")\n"
         "ax.bar([i + 0.2 for i in x], compare[\"复核下限\"], width=0.4, label=\"复核得分（待评项计0）\")\n"
         "ax.set_xticks(list(x), compare[\"项目\"])\n"
         "ax.set_ylabel(\"分数\")\n"
         "ax.set_title(\"自评与复核总分\")\n"
         "ax.set_ylim(0, 100)\n"
         "ax.legend(loc=\"upper right\", ncols=2)\n"
         "selfeval.show_figure(fig)  # a reproducible PNG (plt.show() works too)"),
    ("md", "## One project's findings\n\nEach finding has a stable code, a severity and a message to paste "
           "into the review."),
    ("", "low = min(evaluations, key=lambda e: e.review_low)\n"
         "low.findings_frame(lang=\"zh\")[[\"代码\", \"级别\", \"标题\"]]"),
    ("md", "## Findings across projects\n\nOne row per finding of every form in the folder (the 问题清单 sheet of "
           "`scores.xlsx` holds the same): which problems do many projects share?"),
    ("", "found = selfeval.review_folder(folder, findings=True)\n"
         "found.groupby(\"title\")[\"project\"].nunique().sort_values(ascending=False).head(5)"),
]

NOTEBOOKS = {"project_report.ipynb": PROJECT_REPORT, "portfolio.ipynb": PORTFOLIO,
             "analyst_guide.ipynb": ANALYST_GUIDE}


def build(name: str, cells: list[tuple[str, str]]) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, (tag, src) in enumerate(cells):
        cell = nbformat.v4.new_markdown_cell(src) if tag == "md" else nbformat.v4.new_code_cell(src)
        cell.id = f"cell-{i:02d}"  # stable ids: no random churn in diffs
        if tag and tag != "md":
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
