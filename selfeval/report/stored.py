"""A year rendered again from the record: the form file and the params the review ran with are
laid out in a temporary folder and rendered as they were, compared with the same previous year.
With the same selfeval version the report is the same."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml

from selfeval.errors import RecordError
from selfeval.record.store import Record
from selfeval.report.render import Rendered, render_report

_DECISION_KEYS = {"score": ("scores", "indicator", "score"), "weight": ("weights", "indicator", "weight"),
                  "dismiss": ("dismiss", "finding", None)}


def params_text(form_name: str, params: dict) -> str:
    """A params file for a stored review: its form beside it and its decisions inline."""
    data: dict = {"form": form_name}
    for k, v in params.items():
        if k == "decisions" or v in (None, {}, []):
            continue
        data[k] = v
    made: dict[str, list] = {}
    for d in params.get("decisions") or []:
        key, subject, number = _DECISION_KEYS[d["kind"]]
        entry = {subject: d["subject"], "reason": d["reason"], "reviewer": d["reviewer"]}
        if number:
            entry[number] = d["score"]
        made.setdefault(key, []).append(entry)
    if made:
        data["decisions"] = made
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def render_stored(record: Record, review_id: int, out_dir: Path, name: str, docx: bool = False) -> Rendered:
    """Render a stored review again into `out_dir/<name>.html` (and .docx)."""
    src = record.source(review_id)
    if src["form_bytes"] is None or src["params"] is None:
        raise RecordError(f"{record.where}: review {review_id} was stored without its form file or params "
                          "(a record of schema version 1); it cannot be rendered again")
    previous = record.prior(src["prior_ref"]) if src["prior_ref"] else None
    with tempfile.TemporaryDirectory(prefix="selfeval-stored-") as tmp:
        root = Path(tmp)
        (root / src["form_name"]).write_bytes(src["form_bytes"])
        params = root / f"{name}.yaml"
        params.write_text(params_text(src["form_name"], src["params"]), encoding="utf-8")
        return render_report(params, out_dir, docx=docx, previous=previous)


__all__ = ["params_text", "render_stored"]
