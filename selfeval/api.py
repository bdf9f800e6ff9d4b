"""The analyst's API, re-exported at the top level: `selfeval.load`, `selfeval.review`, …

Every call goes through `selfeval.pipeline`, the same load → choose the ruleset → review path the
command line and the reports use, so a form reviewed here scores exactly as in its report.

    import selfeval
    ev = selfeval.review("forms/greening.txt")          # load, choose the ruleset, review
    ev                                                   # a table in JupyterLab
    ev.to_frame()                                        # one row per indicator, float columns
    table = selfeval.review_folder("forms")              # one row per form in a folder
    selfeval.use_chinese_font()                          # Chinese labels in your own charts
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from selfeval.errors import SelfevalError

if TYPE_CHECKING:
    import pandas as pd

    from selfeval.assess.decisions import Decision
    from selfeval.assess.evaluation import Evaluation
    from selfeval.assess.rulesets import Ruleset
    from selfeval.form.model import Form
    from selfeval.layouts import Layout

Lang = Literal["en", "zh"]


def load(path: str | Path, *, sheet: str | None = None, layout: str | Path | Layout | None = None) -> Form:
    """Load a form from any format selfeval reads (text export, .xlsx/.xls, YAML, HTML, Word, PDF).

    `sheet` picks a workbook's sheet; `layout` a layout by name or a layout file (see
    docs/layouts.md). Raises `SelfevalError` naming the file, row and field of bad input.
    """
    # imported on first use, so `import selfeval` stays fast
    from selfeval.loaders import load_form

    return load_form(path, sheet=sheet, layout=layout)


def review(form: Form | str | Path, ruleset: str | Path | Ruleset | None = None, *, region: str | None = None,
           decisions: str | Path | list[Decision] | None = None, sheet: str | None = None,
           layout: str | Path | Layout | None = None) -> Evaluation:
    """Score and review a form (a loaded `Form` or a path to one) and return its `Evaluation`.

    `ruleset` is a ruleset's name (`"suzhou-2023"`), a ruleset file or a `Ruleset`; by default the
    one that applies to the form is chosen (layout, year, region: docs/rules.md), and `region`
    names the region when the form does not. `decisions` are the reviewer's (a decisions file or a
    list). `sheet` and `layout` are used when `form` is a path.
    """
    # imported on first use, so `import selfeval` stays fast
    from selfeval.form.model import Form
    from selfeval.pipeline import evaluate, review_form

    if isinstance(form, Form):
        if sheet is not None or layout is not None:
            raise SelfevalError("review: sheet and layout apply to a form file, not to a loaded Form")
        return review_form(form, ruleset=ruleset, region=region, decisions=decisions)
    if not isinstance(form, str | Path):
        raise SelfevalError(f"review: expected a Form or a path to a form file, got {type(form).__name__}")
    return evaluate(form, ruleset=ruleset, region=region, layout=layout, sheet=sheet, decisions=decisions)


def review_params(params_file: str | Path) -> Evaluation:
    """Review the project a params file describes (its form, ruleset, layout and decisions)."""
    # imported on first use, so `import selfeval` stays fast
    from selfeval.pipeline import evaluate_params

    return evaluate_params(params_file)[1]


def form_files(folder: str | Path) -> list[Path]:
    """The files in `folder` that are forms or params files, by name (hidden files, Office lock
    files and `*.decisions.yaml` left out)."""
    # imported on first use, so `import selfeval` stays fast
    from selfeval.loaders import form_files as forms_in

    return forms_in(folder)


def is_params_file(path: Path) -> bool:
    """Whether a YAML file is a params file (it names a `form`) rather than a form."""
    # imported on first use, so `import selfeval` stays fast
    from selfeval.params import is_params_file as names_a_form

    return names_a_form(Path(path))


def review_file(path: str | Path, *, ruleset: str | Path | Ruleset | None = None,
                region: str | None = None) -> Evaluation:
    """Review a form file, or the project of a params file, whichever `path` is."""
    path = Path(path)
    if is_params_file(path):
        if ruleset is not None or region is not None:
            raise SelfevalError(f"{path}: a params file names its own ruleset and region")
        return review_params(path)
    return review(path, ruleset=ruleset, region=region)


def review_folder(folder: str | Path, *, ruleset: str | Path | Ruleset | None = None, region: str | None = None,
                  indicators: bool = False, findings: bool = False, lang: Lang = "en") -> pd.DataFrame:
    """Review every form (or params file) in a folder and return one DataFrame.

    One row per form (totals, 得分率 `score_rate`, ratings, rates, finding counts), one row per
    indicator (`indicators=True`), or one row per finding across the projects (`findings=True`:
    project, code, severity, title, indicators, message, dismissed), each starting with its `file`. A form that cannot be read is
    not dropped: its row has the error in the `error` column and no numbers. Numbers are float
    columns; `lang="zh"` gives the Chinese column names of `scores.xlsx`.
    """
    import pandas as pd

    # imported on first use, so `import selfeval` stays fast
    from selfeval.views.document import finding_dict
    from selfeval.views.frames import (
        FINDING_FIELDS,
        INDICATOR_FIELDS,
        PROJECT_FIELDS,
        PROJECT_NUMERIC,
        evaluation_frame,
        finding_rows,
        project_row,
        rename,
    )

    if indicators and findings:
        raise SelfevalError("review_folder: ask for indicators=True or findings=True, not both (one row per what?)")
    parts: list[pd.DataFrame] = []
    rows: list[dict[str, Any]] = []
    for path in form_files(folder):
        try:
            ev = review_file(path, ruleset=ruleset, region=region)
        except SelfevalError as exc:
            rows.append({"file": path.name, "error": str(exc)})
            if indicators:
                parts.append(pd.DataFrame([{"file": path.name, "error": str(exc)}]))
            continue
        if findings:
            rows += [{"file": path.name, **r, "error": None}
                     for r in finding_rows(ev.form.project_name, [finding_dict(f) for f in ev.findings])]
        elif indicators:
            frame = evaluation_frame(ev)
            frame.insert(0, "project_name", ev.form.project_name)
            frame.insert(0, "file", path.name)
            frame["error"] = None
            parts.append(frame)
        else:
            rows.append({"file": path.name, **project_row(ev), "error": None})
    if indicators:
        columns = ["file", "project_name", *INDICATOR_FIELDS, "error"]
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
        return rename(frame.reindex(columns=columns), lang)
    if findings:
        return rename(pd.DataFrame(rows, columns=["file", *FINDING_FIELDS, "error"]), lang)
    columns = ["file", *PROJECT_FIELDS, "error"]
    frame = pd.DataFrame(rows, columns=columns)
    for c in PROJECT_NUMERIC:
        frame[c] = frame[c].astype(float)
    frame["year"] = frame["year"].astype("Int64")
    return rename(frame, lang)


def list_rulesets() -> pd.DataFrame:
    """The rulesets selfeval knows (shipped and in your folders): name, title, what each applies
    to and its file."""
    import pandas as pd

    # imported on first use, so `import selfeval` stays fast
    from selfeval.assess.rulesets import load_ruleset, sources

    rows = []
    for name, paths in sorted(sources().items()):
        row: dict[str, Any] = {"name": name, "file": str(paths[0])}
        try:
            rs = load_ruleset(name)
        except SelfevalError as exc:  # listed with its error rather than hidden
            rows.append({**row, "error": str(exc)})
            continue
        a = rs.applies_to
        rows.append({**row, "title": rs.title, "full_marks": float(rs.full_marks), "layouts": list(a.layouts),
                     "years": sorted(a.years), "regions": list(a.regions), "error": None})
    return pd.DataFrame(rows, columns=["name", "title", "full_marks", "layouts", "years", "regions", "file",
                                       "error"])


def example_folder() -> Path:
    """The folder of the bundled example forms (Suzhou and national layouts), to try things on."""
    from importlib import resources

    return Path(str(resources.files("selfeval").joinpath("examples")))


def report_notebook() -> Path:
    """The installed report notebook (`project_report.ipynb`): run it with papermill and a params
    file (`-p params_file PATH`), then `jupyter nbconvert --to html --template selfeval
    --TemplateExporter.extra_template_basedirs=<report_template_dir()>` hides its code as
    `selfeval report` does."""
    # imported on first use, so `import selfeval` stays fast
    from selfeval.report.render import REPORT_NOTEBOOK, notebooks_dir

    return notebooks_dir() / REPORT_NOTEBOOK


def report_template_dir() -> Path:
    """The folder holding selfeval's nbconvert template (`--template selfeval`: no code cells,
    the report's stylesheet, offline); `selfeval report` selects it itself."""
    return Path(str(resources.files("selfeval").joinpath("templates/nbconvert")))


def write_opinion(review: Evaluation | str | Path, path: str | Path) -> Path:
    """Write the 复核意见书 (.docx) of a review to `path`: an `Evaluation` (from `selfeval.review`),
    or a params file, whose `document_number`, `checker`, `approver` and `rectify_by` fill the
    document's 文号, 审核人, 负责人 and 整改期限 (left blank to sign or fill otherwise)."""
    # imported on first use, so `import selfeval` stays fast
    from selfeval.assess.evaluation import Evaluation
    from selfeval.report.context import ReportContext
    from selfeval.report.notebook import prepare
    from selfeval.report.opinion import write_opinion as write

    ctx = ReportContext.of(review) if isinstance(review, Evaluation) else prepare(review)
    return write(ctx, path)


def show_figure(fig: Any) -> None:
    """Show a matplotlib figure in a notebook as a PNG that is the same on every run (and close
    it, so it is not shown twice)."""
    # imported on first use, so `import selfeval` stays fast
    from selfeval.report.fonts import show_figure as show

    show(fig)


def use_chinese_font() -> str:
    """Set matplotlib up to draw Chinese (the bundled Noto Sans SC) in your own figures; returns
    the font family's name. Call it once per notebook, before plotting."""
    # imported on first use, so `import selfeval` stays fast
    from selfeval.report.fonts import configure_matplotlib

    return configure_matplotlib()


__all__ = ["example_folder", "form_files", "is_params_file", "list_rulesets", "load", "report_notebook",
           "report_template_dir", "review", "review_file", "review_folder", "review_params", "show_figure",
           "use_chinese_font"]
