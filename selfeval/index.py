"""The batch index: `index.html` (sortable offline), `scores.csv` and `scores.xlsx`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from .report import atomic_write
from .sheets import frame_csv_bytes, frame_sheet, workbook_bytes


def _num(v: Any, places: int = 2) -> str:
    if v is None or v == "":
        return "—"
    return f"{float(v):.{places}f}"


def _pct(v: Any) -> str:
    return "—" if v is None else f"{float(v):.2f}%"


def report_href(name: str) -> str:
    """A link to a project's report that is only ever a relative file name: a params file called
    `javascript:alert(1).yaml` links to `./javascript%3Aalert%281%29.html`, never runs script."""
    from urllib.parse import quote

    return "./" + quote(f"{name}.html", safe="")


def index_rows(outcomes: list) -> list[dict[str, Any]]:
    """Display rows for the index page (failed projects carry their reason)."""
    rows = []
    for o in outcomes:
        if o.status == "failed":
            rows.append({"name": o.name, "failed": True, "reason": o.reason.splitlines()[0] if o.reason else ""})
            continue
        r = o.row
        rows.append({
            "name": o.name, "failed": False, "href": report_href(o.name),
            "project_name": r["project_name"], "department": r["department"], "year": r["year"],
            "full_marks": _num(r["full_marks"], 0) if float(r["full_marks"]).is_integer() else _num(r["full_marks"]),
            "self_total": _num(r["self_total"]), "self_total_v": r["self_total"],
            "review_total": _num(r["review_total"]), "review_total_v": r["review_total"],
            # 80- and 100-point schemes side by side: compare them by share of the full marks
            "review_share": _pct(float(r["review_total"]) / float(r["full_marks"]) * 100),
            "review_share_v": float(r["review_total"]) / float(r["full_marks"]) * 100,
            "difference": _num(r["difference"]), "difference_v": r["difference"],
            "negative": r["difference"] is not None and r["difference"] < 0,
            "rating": r["rating"], "provisional": r["provisional"],
            "execution_rate": _pct(r["execution_rate"]), "execution_rate_v": r["execution_rate"] or -1,
            "funding_rate": _pct(r["funding_rate"]), "funding_rate_v": r["funding_rate"] or -1,
            "errors": r["errors"], "warnings": r["warnings"], "infos": r["infos"],
        })
    return rows


PROJECT_COLUMNS = {
    "params": "参数文件", "status": "状态", "project_name": "项目名称", "department": "主管部门", "year": "年度",
    "ruleset": "评分规则", "full_marks": "满分", "self_total": "自评总分", "review_total": "复核总分",
    "difference": "差异", "rating": "评级", "provisional": "临时", "execution_rate": "预算执行率(%)",
    "funding_rate": "资金到位率(%)", "errors": "错误", "warnings": "警告", "infos": "提示", "reason": "失败原因",
}
INDICATOR_COLUMNS = {
    "params": "参数文件", "project_name": "项目名称", "category_name": "类别", "name": "指标名称",
    "target": "目标值", "weight": "权重", "actual": "实际完成值", "self_score": "自评分", "rescore": "重算分",
    "review_score": "复核分", "difference": "差异", "review_source": "复核依据", "review_reason": "复核说明",
}


def score_tables(outcomes: list):
    """Two DataFrames with Chinese headers: one row per project, one row per indicator."""
    import pandas as pd

    projects, indicators = [], []
    for o in outcomes:
        row = {"params": o.name, "status": o.status, **o.row, "reason": o.reason}
        projects.append({k: row.get(k) for k in PROJECT_COLUMNS})
        for ind in o.indicators:
            full = {"params": o.name, "project_name": o.row.get("project_name"), **ind}
            indicators.append({k: full.get(k) for k in INDICATOR_COLUMNS})
    p = pd.DataFrame(projects, columns=list(PROJECT_COLUMNS)).rename(columns=PROJECT_COLUMNS)
    p["年度"] = p["年度"].astype("Int64")  # a failed project has no year: not 2023.0 for the others
    i = pd.DataFrame(indicators, columns=list(INDICATOR_COLUMNS)).rename(columns=INDICATOR_COLUMNS)
    return p, i


def _xlsx_bytes(projects, indicators) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.properties.creator = "selfeval"
    frame_sheet(wb, "项目", projects, first=True)
    frame_sheet(wb, "指标", indicators)
    return workbook_bytes(wb)


def write_index(outcomes: list, out_dir: Path, portfolio: bool = False) -> None:
    """Write index.html, scores.csv and scores.xlsx for a run's outcomes."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("selfeval", "templates/index"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    rows = index_rows(outcomes)
    html = env.get_template("index.html.j2").render(
        rows=rows, ok=sum(not r["failed"] for r in rows), failed=sum(r["failed"] for r in rows),
        portfolio=portfolio)
    atomic_write(out_dir / "index.html", html)
    projects, indicators = score_tables(outcomes)
    atomic_write(out_dir / "scores.csv", frame_csv_bytes(projects))
    atomic_write(out_dir / "scores.xlsx", _xlsx_bytes(projects, indicators))
