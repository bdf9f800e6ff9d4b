"""Storing many projects at once, oldest year first, so each year is reviewed against the one
before it: a batch's params files before it renders, or a folder of earlier years' forms
(`selfeval history add`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selfeval.assess.history import PriorYear
from selfeval.errors import SelfevalError
from selfeval.form.keys import project_key
from selfeval.form.model import Form
from selfeval.loaders import load_form
from selfeval.params import ResolvedParams, is_params_file
from selfeval.pipeline import load_params_form, review_form, review_params_form
from selfeval.record.store import Record, Stored


@dataclass(frozen=True)
class Added:
    """One file stored, or why not: its review, and the previous year it was compared with."""

    path: Path
    stored: Stored | None = None
    previous: PriorYear | None = None  # the previous year's stored review it was compared with
    error: str = ""


def params_record(rp: ResolvedParams) -> dict[str, Any]:
    """The params a review ran with, as the record keeps them (enough to render the year again)."""
    return {
        "reviewer": rp.reviewer, "review_date": rp.review_date.isoformat() if rp.review_date else None,
        "document_number": rp.document_number, "checker": rp.checker, "approver": rp.approver,
        "rectify_by": rp.rectify_by.isoformat() if rp.rectify_by else None, "project_id": rp.project_id,
        "analyst_notes": rp.analyst_notes, "narrative": rp.narrative, "region": rp.region, "sheet": rp.sheet,
        # a ruleset or layout given as a file is not kept: the year renders with the shipped ones
        "ruleset": rp.ruleset if rp.ruleset and not Path(rp.ruleset).is_absolute() else None,
        "layout": rp.layout if rp.layout and not Path(rp.layout).is_absolute() else None,
        "decisions": [{"kind": d.kind, "subject": d.subject, "score": None if d.score is None else str(d.score),
                       "reason": d.reason, "reviewer": d.reviewer} for d in rp.decisions],
    }


def add_files(record: Record, files: list[Path], aliases: dict[str, str] | None = None,
              year: int | None = None) -> list[Added]:
    """Review and store every file (a params file, or a form file on its own), oldest year first,
    each against the previous year the record holds by then. A file that cannot be read or
    reviewed is reported with its reason; the others go on. `year`: the year the files are for (a
    form stating another one is refused)."""
    loaded: list[tuple[Path, ResolvedParams | None, Form, str]] = []
    out: dict[Path, Added] = {}
    for path in files:
        try:
            if is_params_file(path):
                rp, form = load_params_form(path)
            else:
                rp, form = None, load_form(path)
            if year is not None and form.year != year:
                raise SelfevalError(f"{path}: the form is for {form.year}, not {year} (--year)")
            key = project_key(form.project_name, form.department, rp.project_id if rp else None, aliases)
            loaded.append((path, rp, form, key))
        except SelfevalError as exc:
            out[path] = Added(path, error=str(exc))
    for path, rp, form, key in sorted(loaded, key=lambda x: (x[2].year, str(x[0]))):
        try:
            previous = record.previous(key, form.year)
            if rp is not None:
                ev = review_params_form(rp, form, previous)
                stored = record.add(ev, key=key, signoff=rp.signoff(), params=params_record(rp),
                                    form_file=rp.form_path)
            else:
                ev = review_form(form, previous=previous)
                stored = record.add(ev, key=key, form_file=path)
            out[path] = Added(path, stored, previous)
        except SelfevalError as exc:
            out[path] = Added(path, error=str(exc))
    return [out[p] for p in files]


__all__ = ["Added", "add_files", "params_record"]
