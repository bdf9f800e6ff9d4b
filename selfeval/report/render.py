"""One project report: params file → papermill run of the report notebook → offline HTML.

The params file and the form are validated in this process first, so bad input fails fast with
a clear message and never starts a kernel. Output is written atomically: a reader (or an
interrupted run) never sees a half-written HTML file.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from selfeval.assess.evaluation import Evaluation
from selfeval.assess.history import PriorYear
from selfeval.errors import SelfevalError
from selfeval.files import atomic_write, fit_name

if TYPE_CHECKING:  # nbformat pulls in jsonschema (seconds); the skip path of a batch must not
    import nbformat

REPORT_NOTEBOOK = "project_report.ipynb"


class ReportError(SelfevalError):
    """A report could not be rendered (its notebook failed or leaked diagnostics)."""


def notebooks_dir() -> Path:
    """The folder of the report notebooks: `selfeval/notebooks/` in an installed package, the
    checkout's `notebooks/` otherwise (an editable install); SELFEVAL_NOTEBOOKS overrides both."""
    env = os.environ.get("SELFEVAL_NOTEBOOKS")
    here = Path(__file__).resolve().parents[1]  # the package folder
    installed = here / "notebooks"
    path = Path(env) if env else installed if (installed / REPORT_NOTEBOOK).is_file() else here.parent / "notebooks"
    if not (path / REPORT_NOTEBOOK).is_file():
        raise ReportError(f"{path}: report notebook {REPORT_NOTEBOOK} not found (set SELFEVAL_NOTEBOOKS)")
    return path


@dataclass(frozen=True)
class Rendered:
    """A rendered report: where it went and the evaluation it shows."""

    html_path: Path
    evaluation: Evaluation
    html: str
    review_date: str | None = None  # the params file's (YYYY-MM-DD), as the report shows it


def run_report_notebook(params_file: Path, executed_path: Path | None, notebook: str = REPORT_NOTEBOOK,
                        prepared: Path | None = None) -> nbformat.NotebookNode:
    """Execute a notebook for a params file; the executed copy is kept at `executed_path`.
    `prepared` is a context already made from the params file (`notebook.save_prepared`)."""
    # deferred: papermill, nbconvert and the review load only when a report renders (a batch's skip path imports this module)
    from selfeval.execution.execute import execute_notebook

    nb_dir = notebooks_dir()
    parameters = {"params_file": str(params_file.resolve())}
    if prepared is not None:
        parameters["prepared"] = str(prepared)
    return execute_notebook(nb_dir / notebook, executed_path, parameters, cwd=nb_dir)


def notebook_html(nb: nbformat.NotebookNode, title: str, source: str) -> str:
    """Offline HTML of an executed notebook; refuses one whose outputs leaked diagnostics."""
    # deferred: papermill, nbconvert and the review load only when a report renders (a batch's skip path imports this module)
    from selfeval.report.html import leaked_outputs, notebook_to_html

    leaked = leaked_outputs(nb)
    if leaked:
        raise ReportError(f"{source}: the notebook printed diagnostics instead of a clean report:\n"
                          + "\n".join(x[:500] for x in leaked))
    return notebook_to_html(nb, title=title)


def render_report(params_file: Path, out_dir: Path, failed_dir: Path | None = None, docx: bool = False,
                  previous: PriorYear | None = None) -> Rendered:
    """Render `out_dir/<params stem>.html` from a params file (and, with `docx`, the 复核意见书
    `out_dir/<params stem>.docx` from the same review); raise `SelfevalError` on failure.
    `previous` is the project's previous year from the record (the report compares the two).

    On a notebook failure the executed notebook is kept in `failed_dir` (default
    `out_dir/_failed`) for diagnosis.
    """
    # deferred: papermill, nbconvert and the review load only when a report renders (a batch's skip path imports this module)
    from selfeval.report.notebook import prepare, save_prepared

    # Read and review the project here, once: bad input fails before a kernel starts, and the
    # kernel shows this very evaluation (it is handed over, not made again).
    ctx = prepare(params_file, previous)
    failed_dir = failed_dir or out_dir / "_failed"
    with tempfile.TemporaryDirectory(prefix="selfeval-") as tmp:
        executed = Path(tmp) / "report.ipynb"  # its own folder: the name needs no project in it
        prepared = Path(tmp) / "prepared.pickle"
        save_prepared(ctx, prepared)
        try:
            nb = run_report_notebook(params_file, executed, prepared=prepared)
        except SelfevalError:
            if executed.exists():
                failed_dir.mkdir(parents=True, exist_ok=True)
                atomic_write(failed_dir / fit_name(params_file.stem, ".ipynb"), executed.read_bytes())
            raise
        html = notebook_html(nb, ctx.evaluation.form.project_name, str(params_file))
    target = out_dir / f"{params_file.stem}.html"
    atomic_write(target, html)
    if docx:
        # deferred: python-docx loads only when a 复核意见书 is asked for
        from selfeval.report.opinion import write_opinion

        write_opinion(ctx, out_dir / f"{params_file.stem}.docx")
    return Rendered(target, ctx.evaluation, html, ctx.review_date)
