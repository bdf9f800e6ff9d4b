"""The batch index: `index.html` (sortable offline), `scores.csv` and `scores.xlsx`."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from selfeval.files import atomic_write
from selfeval.form.labels import LABELS
from selfeval.form.values import (
    canonical,
    round_half_up,
    show_number,
    show_range,
    show_rate,
    show_score,
    show_signed,
)
from selfeval.views.frames import FINDING_FIELDS, ZH, finding_rows
from selfeval.views.frames import PROJECT_FIELDS as FRAME_PROJECT_FIELDS
from selfeval.views.row import ProjectRow
from selfeval.views.sheets import frame_csv_bytes, frame_sheet, workbook_bytes


def _dec(v: Any) -> Decimal | None:
    # outcomes carry JSON numbers; their shortest repr is the exact value the evaluation had
    return None if v is None or v == "" else Decimal(str(v))


def _score(v: Decimal | None) -> str:
    return "—" if v is None else show_score(v)


def rating_rank(rating: str) -> int:
    """A rating's rank for sorting (优 highest); unknown words and 待定 sort last."""
    order = LABELS["rating_order"]
    return len(order) - order.index(rating) if rating in order else 0


def report_href(name: str) -> str:
    """A link to a project's report that is only ever a relative file name: a params file called
    `javascript:alert(1).yaml` links to `./javascript%3Aalert%281%29.html`, never runs script."""
    from urllib.parse import quote

    return "./" + quote(f"{name}.html", safe="")


def index_rows(outcomes: list, out_dir: Path | None = None) -> list[dict[str, Any]]:
    """Display rows for the index page (failed projects carry their reason)."""
    rows = []
    for o in outcomes:
        if o.status == "failed":
            rows.append({"name": o.name, "failed": True, "reason": o.reason.splitlines()[0] if o.reason else "",
                         "status": "失败", "stale_href": report_href(o.name) if out_dir is not None and (out_dir / f"{o.name}.html").is_file()
                         else None})
            continue
        r = ProjectRow.from_json(o.row)
        full, low, high = r.full_marks, r.review_low, r.review_high
        settled = r.rating_settled
        share = low / full * 100 if full else None
        high_share = high / full * 100 if full else None
        shown_share = show_rate(share) if low == high else f"{show_rate(share)}–{show_rate(high_share)}"
        rows.append({
            "name": o.name, "failed": False, "href": report_href(o.name),
            "project_name": r.project_name, "department": r.department, "year": r.year,
            "full_marks": show_number(canonical(full)) if full is not None else "—",
            "self_total": _score(r.self_total), "self_total_v": r.self_total,
            "review_total": show_range(low, high), "review_total_v": low if settled else -1,
            # 80- and 100-point schemes side by side: compare them by share of the full marks; an
            # unsettled result sorts apart (as -1: first going up, last going down, never the best)
            "review_share": shown_share,
            "review_share_v": -1 if not settled or share is None else round_half_up(share, 4),
            "settled": settled, "unsettled": r.unsettled,
            "difference": _score(r.difference), "difference_v": r.difference,
            "negative": r.difference is not None and r.difference < 0,
            "self_rating": r.self_rating or "—", "self_rating_v": rating_rank(r.self_rating or ""),
            "rating": r.rating_text, "rating_v": rating_rank(r.rating or ""), "provisional": r.provisional,
            "execution_rate": show_rate(r.execution_rate), "execution_rate_v": r.execution_rate or -1,
            "funding_rate": show_rate(r.funding_rate), "funding_rate_v": r.funding_rate or -1,
            "errors": r.errors, "warnings": r.warnings, "infos": r.infos,
            "review_date": o.review_date or "—",
            # the previous year the record holds: its share and rating, and the change in points
            "previous": "—" if r.previous_year is None else
            f"{r.previous_year}：{show_rate(r.previous_share)}（{r.previous_rating}）",
            "change": "—" if r.share_change is None else show_signed(r.share_change),
            "change_v": "" if r.share_change is None else r.share_change,
            # what the column filters match: one value per row, never a substring of another cell
            "rating_key": r.rating if settled and r.rating else "待定",
            "status": "评级待定" if not settled else "临时" if r.provisional else "最终",
        })
    # failed projects first (they need attention), then unsettled ones (a reviewer must decide),
    # then the settled ones, lowest review share first
    rows.sort(key=lambda x: (not x["failed"], x.get("settled", False), x.get("review_share_v", 0)))
    return rows


# the API's project columns (frames.PROJECT_FIELDS) without the money, with the run's own
PROJECT_FIELDS = ["params", "status", *(f for f in FRAME_PROJECT_FIELDS if f not in ("budget", "paid")), "reason"]
INDICATOR_FIELDS = ["params", "project_name", "category_name", "name", "target", "weight", "actual", "self_score",
                    "rescore", "review_score", "difference", "review_source", "review_reason"]
PROJECT_COLUMNS = {k: ZH[k] for k in PROJECT_FIELDS}
INDICATOR_COLUMNS = {k: ZH[k] for k in INDICATOR_FIELDS}
#: Reviewer-facing sheets hold numbers as the report shows them (2 decimals, 四舍五入); the exact
#: decimals stay in `--json` and the API.
ROUNDED = ("full_marks", "self_total", "review_total", "difference", "execution_rate", "funding_rate", "weight",
           "self_score", "rescore", "review_score", "previous_share", "share_change", "score_rate", "score_rate_low",
           "score_rate_high", "self_score_rate")


def _rounded(row: dict[str, Any]) -> dict[str, Any]:
    return {k: float(round_half_up(_dec(v))) if k in ROUNDED and isinstance(v, int | float | str)
            and v != "" and not isinstance(v, bool) and _is_number(v) else v for k, v in row.items()}


def _is_number(v: Any) -> bool:
    try:
        Decimal(str(v))
    except ArithmeticError:
        return False
    return True


def score_tables(outcomes: list):
    """Two DataFrames with Chinese headers: one row per project, one row per indicator."""
    import pandas as pd

    projects, indicators = [], []
    for o in outcomes:
        shown = ProjectRow.from_json(o.row).to_json() if o.row else {}  # a failed project has no row
        row = {"params": o.name, "status": RUN_WORDS.get(o.status, o.status), **shown, "reason": o.reason}
        projects.append(_rounded({k: row.get(k) for k in PROJECT_COLUMNS}))
        for ind in o.indicators:
            full = {"params": o.name, "project_name": o.row.get("project_name"), **ind}
            indicators.append(_rounded({k: full.get(k) for k in INDICATOR_COLUMNS}))
    p = pd.DataFrame(projects, columns=list(PROJECT_COLUMNS)).rename(columns=PROJECT_COLUMNS)
    p["年度"] = p["年度"].astype("Int64")  # a failed project has no year: not 2023.0 for the others
    i = pd.DataFrame(indicators, columns=list(INDICATOR_COLUMNS)).rename(columns=INDICATOR_COLUMNS)
    return p, i


#: What this run did with a project, in the reviewers' words (a column apart from the results).
RUN_WORDS = {"rendered": "本次生成", "skipped": "未变，沿用上次", "failed": "失败"}


def findings_table(outcomes: list):
    """问题清单: every finding of every project rendered, one row each, Chinese headers."""
    import pandas as pd

    rows = [{"params": o.name, **r} for o in outcomes if o.status != "failed" and o.row
            for r in finding_rows(o.row.get("project_name", ""), o.findings)]
    columns = ["params", *FINDING_FIELDS]
    return pd.DataFrame(rows, columns=columns).rename(columns={k: ZH[k] for k in columns})


def _xlsx_bytes(projects, indicators, findings) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.properties.creator = "selfeval"
    frame_sheet(wb, "项目", projects, first=True)
    frame_sheet(wb, "指标", indicators)
    frame_sheet(wb, "问题清单", findings)
    return workbook_bytes(wb)


def rating_counts(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """How many projects the review and the self-evaluation put in each rating (优/良/中/差), with
    the review's 待定 and the self-evaluation's 未评级 (no self-score, or a row left unscored)."""
    order = [w for w in LABELS["rating_order"] if w != "待定"]
    done = [r for r in rows if not r["failed"]]
    review = {w: sum(1 for r in done if r["rating_key"] == w) for w in order}
    review["待定"] = sum(1 for r in done if r["rating_key"] == "待定")
    own = {w: sum(1 for r in done if r["self_rating"] == w) for w in order}
    own["未评级"] = sum(1 for r in done if r["self_rating"] not in order)
    return {"复核": review, "自评": own}


def write_index(outcomes: list, out_dir: Path, portfolio: bool = False) -> None:
    """Write index.html, scores.csv and scores.xlsx for a run's outcomes."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("selfeval", "templates/index"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    rows = index_rows(outcomes, out_dir)
    html = env.get_template("index.html.j2").render(
        rows=rows, ok=sum(not r["failed"] for r in rows), failed=sum(r["failed"] for r in rows),
        portfolio=portfolio, counts=rating_counts(rows), rate_names=LABELS["rate_names"],
        departments=sorted({r["department"] for r in rows if not r["failed"] and r["department"]}))
    atomic_write(out_dir / "index.html", html)
    projects, indicators = score_tables(outcomes)
    atomic_write(out_dir / "scores.csv", frame_csv_bytes(projects))
    atomic_write(out_dir / "scores.xlsx", _xlsx_bytes(projects, indicators, findings_table(outcomes)))
