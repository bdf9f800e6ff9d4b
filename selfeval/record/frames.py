"""The record as DataFrames for analysts (`selfeval.history`): one row per project-year, or per
indicator or finding, with `year` and float columns, so `pivot` gives a trend at once."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from selfeval.errors import RecordError
from selfeval.loaders import form_files
from selfeval.record.store import Record

if TYPE_CHECKING:
    import pandas as pd

PROJECT_COLUMNS = ["project_key", "project_name", "department", "year", "revision", "ruleset", "full_marks",
                   "self_total", "review_total", "review_low", "review_high", "review_share", "difference",
                   "rating", "rating_text", "self_rating", "settled", "provisional", "execution_rate",
                   "funding_rate", "budget", "paid", "errors", "warnings", "infos", "reviewer", "review_date",
                   "form_sha256", "selfeval_version"]
INDICATOR_COLUMNS = ["project_key", "project_name", "year", "indicator_key", "name", "category", "target",
                     "target_value", "unit", "actual", "actual_value", "weight", "self_score", "rescore",
                     "review_score"]
FINDING_COLUMNS = ["project_key", "project_name", "year", "code", "severity", "title", "message", "dismissed"]
FLOATS = ("full_marks", "self_total", "review_total", "review_low", "review_high", "review_share", "difference",
          "execution_rate", "funding_rate", "budget", "paid", "target_value", "actual_value", "weight",
          "self_score", "rescore", "review_score")


def _float(v: Any) -> float | None:
    return None if v is None or v == "" else float(v)


def _open(source: str | Path, aliases: dict[str, str] | None) -> Record:
    """A record to read: a database (path or URL), or a folder of forms reviewed into an
    in-memory one."""
    text = str(source)
    if "://" in text:
        return Record(text)
    path = Path(text).expanduser()
    if path.is_dir():
        # deferred: only a folder of forms is reviewed here; reading a database needs no review
        from selfeval.record.backfill import add_files

        rec = Record("sqlite://")
        files = form_files(path)
        failed = [a for a in add_files(rec, files, aliases) if a.error]
        if failed and len(failed) == len(files):
            raise RecordError(f"{path}: no form could be read ({failed[0].error})")
        return rec
    if not path.is_file():
        raise RecordError(f"{path}: no such record (a database file, a postgresql:// URL, or a folder of forms)")
    return Record(path)


def history(source: str | Path, *, indicators: bool = False, findings: bool = False,
            aliases: dict[str, str] | None = None) -> pd.DataFrame:
    """Every project-year in the record (the latest revision of each): a database file, a
    `postgresql://` URL, or a folder of forms (reviewed into a record in memory, oldest year
    first). `indicators=True`: one row per indicator instead; `findings=True`: one per finding.

    >>> h = selfeval.history("reports/selfeval.db")
    >>> h.pivot(index="project_name", columns="year", values="review_share")
    """
    import pandas as pd

    if indicators and findings:
        raise RecordError("history: ask for indicators=True or findings=True, not both (one row per what?)")
    with _open(source, aliases) as rec:
        reviews = rec.reviews()
        for r in reviews:
            full = _float(r["full_marks"])
            settled_range = r["review_low"] == r["review_high"]
            r["review_share"] = (float(r["review_total"]) / full * 100) if full and settled_range else None
        if not indicators and not findings:
            frame = pd.DataFrame([{k: r.get(k) for k in PROJECT_COLUMNS} for r in reviews], columns=PROJECT_COLUMNS)
        else:
            by_id = {r["id"]: r for r in reviews}
            table = "indicators" if indicators else "findings"
            rows = []
            for x in rec.rows(table, list(by_id)):
                r = by_id[x["review_id"]]
                row = {"project_key": r["project_key"], "project_name": r["project_name"], "year": r["year"], **x}
                if indicators:
                    row["indicator_key"] = x["key"]
                else:
                    row["dismissed"] = x["dismissed_by"] is not None
                rows.append(row)
            columns = INDICATOR_COLUMNS if indicators else FINDING_COLUMNS
            frame = pd.DataFrame([{k: r.get(k) for k in columns} for r in rows], columns=columns)
    for c in frame.columns.intersection(FLOATS):
        frame[c] = frame[c].map(_float).astype("float64")
    if "year" in frame:
        frame["year"] = frame["year"].astype("int64")
    return frame


__all__ = ["history"]
