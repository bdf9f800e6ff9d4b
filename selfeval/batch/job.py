"""One project of a batch: what its report depends on (`fingerprint`), rendering it without
raising (`render_one`), and what came of it (`Outcome`).

Both ways a batch runs (worker processes here, Dask workers in `distributed`) call these, so
neither imports the other.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selfeval.assess.history import PriorYear
from selfeval.errors import SelfevalError
from selfeval.files import atomic_write, fit_name, jsonable
from selfeval.version import __version__


@dataclass
class Outcome:
    """What happened to one project in a run."""

    name: str
    status: str  # rendered | skipped | failed
    reason: str = ""
    fingerprint: str = ""
    row: dict[str, Any] = field(default_factory=dict)  # ProjectRow.to_json(); {} for a failed project
    indicators: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    review_date: str = ""  # the params file's review_date (YYYY-MM-DD), "" where it gives none


def fingerprint(params_file: Path, prior_ref: str = "") -> str:
    """Hash of everything a report depends on (the previous year it is compared with, `prior_ref`,
    among them); raises SelfevalError for an invalid params file."""
    # deferred: a batch's skip path computes fingerprints without loading reviews or papermill
    from selfeval.assess.rulesets import ruleset_files
    from selfeval.params import load_params
    from selfeval.report.render import REPORT_NOTEBOOK, notebooks_dir

    rp = load_params(params_file)
    h = hashlib.sha256(__version__.encode())
    h.update(prior_ref.encode())
    for path in [*rp.input_files(), notebooks_dir() / REPORT_NOTEBOOK]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    for entry in ruleset_files():  # a new or edited ruleset may change which one applies
        h.update(entry.name.encode())
        h.update(entry.read_bytes())
    return h.hexdigest()


def _outcome_from(name: str, rendered, fp: str, seconds: float, review_date: str = "") -> Outcome:
    # deferred: a batch's skip path computes fingerprints without loading reviews or papermill
    from selfeval.views.document import finding_dict
    from selfeval.views.frames import indicator_rows
    from selfeval.views.row import ProjectRow

    ev = rendered.evaluation
    return Outcome(name=name, status="rendered", fingerprint=fp,
                   row=ProjectRow.of(ev).to_json(), indicators=jsonable(indicator_rows(ev)),
                   findings=jsonable([finding_dict(f) for f in ev.findings]), seconds=seconds,
                   review_date=review_date)


def _outside(params_file: Path) -> list[Path]:
    """The files a params file names that lie outside its folder (their content is not the params
    folder's to show)."""
    # deferred: a batch's skip path computes fingerprints without loading reviews or papermill
    from selfeval.params import load_params

    try:
        rp = load_params(params_file)
    except SelfevalError:
        return []
    folder = params_file.resolve().parent
    return [p for p in (rp.form_path, rp.decisions_path) if p is not None and folder not in p.resolve().parents]


def _unquoted(exc: SelfevalError, params_file: Path) -> str:
    """The reason a project failed, without quoting the content of a file outside the params
    folder: the index and scores.csv are read by others, and a form path may point anywhere
    (a secret in `/etc/…` must not appear there). Such a file is named with its place only."""
    outside = [str(p) for p in _outside(params_file)]
    problems = getattr(exc, "problems", None)
    if not outside or not any(o in str(exc) for o in outside):
        return str(exc)
    if problems:
        return "\n".join(f"{p.source}: {p.where + ': ' if p.where else ''}{p.field}: not readable as {p.expected} "
                         "(its content is not quoted: the file is outside the params folder)"
                         if p.source in outside else str(p) for p in problems)
    hit = next(o for o in outside if o in str(exc))
    return (f"{hit}: cannot be used (its content is not quoted: the file is outside the params folder; "
            f"`selfeval review {hit}` says why)")


def _note_failure(out_dir: Path, stem: str, reason: str) -> None:
    """Every failed project leaves something in `_failed/`: its executed notebook where one ran,
    else a note with the reason (a project that failed before its kernel started)."""
    import contextlib

    failed = out_dir / "_failed"
    if (failed / fit_name(stem, ".ipynb")).exists():
        return
    with contextlib.suppress(OSError):  # a full disk: the reason is still in the index and the log
        atomic_write(failed / fit_name(stem, ".txt"), reason + "\n")


def render_one(params_file: str, out_dir: str, docx: bool = False, previous: PriorYear | None = None) -> Outcome:
    """Render one project (with `docx`, its 复核意见书 too), compared with its `previous` year from
    the record (read by the batch, so a worker never opens the database); never raises (the
    reason goes into the outcome)."""
    # deferred: a batch's skip path computes fingerprints without loading reviews or papermill
    from selfeval.report.render import render_report

    start = time.perf_counter()
    path = Path(params_file)
    try:
        fp = fingerprint(path, previous.ref if previous else "")
        rendered = render_report(path, Path(out_dir), docx=docx, previous=previous)
        for suffix in (".ipynb", ".txt"):  # what an earlier failure left
            (Path(out_dir) / "_failed" / fit_name(path.stem, suffix)).unlink(missing_ok=True)
        return _outcome_from(path.stem, rendered, fp, time.perf_counter() - start, rendered.review_date or "")
    except SelfevalError as exc:
        reason = _unquoted(exc, path)
    except OSError as exc:  # a full disk, a folder turned read-only: the file it could not write
        reason = f"{exc.filename or out_dir}: cannot write ({exc.strerror or exc})"
    except Exception as exc:  # a bug must not take the batch down either; keep its type
        reason = f"{type(exc).__name__}: {exc}"
    if str(path) not in reason and path.name not in reason:  # "MemoryError:" alone says not where
        reason = f"{path}: {reason}"
    _note_failure(Path(out_dir), path.stem, reason)
    return Outcome(name=path.stem, status="failed", reason=reason, seconds=time.perf_counter() - start)
