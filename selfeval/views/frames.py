"""DataFrames for analysts: a form's indicators, an evaluation's scores, its findings.

Numbers come as float columns (NaN where a cell is blank) so `.describe()`, `.plot()` and
arithmetic work; `exact=True` keeps the exact `Decimal`s instead. Column names are English field
names, or Chinese (`lang="zh"`, the words of `scores.xlsx`). `Form.to_frame()` and
`Evaluation.to_frame()` call these; the notebook display (`_repr_html_`) shows them.
"""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any, Literal

from selfeval.assess.findings import SEVERITY_WORDS
from selfeval.errors import SelfevalError
from selfeval.form.labels import category_name
from selfeval.form.values import format_decimal, show_range
from selfeval.views.row import DECIMALS, ProjectRow, rounded

Lang = Literal["en", "zh"]
NUMERIC = ("weight", "self_score", "rescore", "review_score", "difference", "completion")
INDICATOR_FIELDS = ["category", "category_name", "name", "target", "weight", "weight_source", "actual", "self_score",
                    "rescore", "review_score", "pending", "difference", "completion", "review_source", "review_reason"]
#: One project's columns (`selfeval.review_folder`, the batch's scores.csv), and which are numbers.
PROJECT_FIELDS = ["project_name", "department", "year", "ruleset", "full_marks", "self_total", "review_total",
                  "review_low", "review_high", "difference", "self_score_rate", "score_rate", "score_rate_low",
                  "score_rate_high", "self_rating", "rating", "rating_settled", "rating_bands",
                  "provisional", "execution_rate", "funding_rate", "budget", "paid", "errors", "warnings", "infos",
                  "previous_year", "previous_share", "previous_rating", "share_change"]
PROJECT_NUMERIC = DECIMALS  # the project row's exact decimals: float columns in a frame
ZH = {
    "file": "文件", "params": "参数文件", "status": "本次运行", "project_name": "项目名称", "department": "主管部门",
    "year": "年度", "ruleset": "评分规则", "full_marks": "满分", "self_total": "自评总分", "review_total": "复核总分",
    "self_rating": "自评评级", "rating": "复核评级", "provisional": "临时", "review_low": "复核得分下限",
    "review_high": "复核得分上限", "rating_settled": "评级已定", "rating_bands": "可能评级", "weight_source": "权重来源",
    "pending": "待评", "execution_rate": "预算执行率（支付÷预算）(%)",
    "funding_rate": "资金到位率（到位÷预算）(%)", "budget": "预算数(万元)", "paid": "实际支出(万元)", "errors": "错误",
    "warnings": "警告", "infos": "提示", "reason": "失败原因", "error": "错误信息",
    "category": "类别代码", "category_name": "类别", "name": "指标名称", "target": "目标值", "weight": "权重",
    "actual": "实际完成值", "self_score": "自评分", "rescore": "重算分", "review_score": "复核分",
    "difference": "差异", "completion": "完成率(%)", "review_source": "复核依据", "review_reason": "复核说明",
    "level1": "一级指标", "level2": "二级指标", "deviation_note": "偏差原因", "code": "代码", "severity": "级别",
    "title": "标题", "message": "说明", "dismissed": "已撤销",
    "score_rate": "复核得分率(%)", "score_rate_low": "复核得分率下限(%)", "score_rate_high": "复核得分率上限(%)",
    "self_score_rate": "自评得分率(%)", "project": "项目", "indicators": "相关指标",
    "previous_year": "上年年度", "previous_share": "上年复核得分率(%)", "previous_rating": "上年复核评级",
    "share_change": "得分率变化(百分点)",
}


def indicator_rows(ev) -> list[dict[str, Any]]:
    """One dict per indicator with its three scores and how the review score was reached."""
    rows = []
    for r in ev.indicators:
        ind = r.indicator
        rows.append({
            "category": ind.category.value,
            "category_name": category_name(ind.category.value),
            "name": ind.name,
            "target": ind.target.raw,
            "weight": ind.weight,
            "weight_source": r.weight_origin.source,
            "actual": ind.actual,
            "self_score": ind.self_score,
            "rescore": r.rescore.score,
            "review_score": r.review.score,
            "pending": r.pending,
            "difference": r.difference,
            "completion": rounded(r.rescore.completion, 4),
            "rescore_reason": r.rescore.reason,
            "review_source": r.review_source,
            "accepted_actual": r.accepted_actual,
            "review_reason": r.review.reason,
            "decision": None if r.decision is None else {
                "score": r.decision.score, "reason": r.decision.reason, "reviewer": r.decision.reviewer},
            "status": r.review.status,
        })
    return rows


def rename(frame, lang: Lang):
    """`frame` with Chinese column names for `lang="zh"` (unchanged for `"en"`)."""
    if lang not in ("en", "zh"):
        raise SelfevalError(f"lang: expected 'en' or 'zh', got {lang!r}")
    return frame.rename(columns=ZH) if lang == "zh" else frame


def project_row(ev) -> dict[str, Any]:
    """One project's totals, ratings, rates (in %) and finding counts, numbers as floats."""
    row = ProjectRow.of(ev).as_dict()
    for k in PROJECT_NUMERIC:
        v = row.get(k)
        row[k] = float(v) if isinstance(v, Decimal | int) else v
    return {k: row.get(k) for k in PROJECT_FIELDS}


def _frame(rows: list[dict[str, Any]], columns: list[str], exact: bool, lang: Lang):
    import pandas as pd

    frame = pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns)
    if not exact:
        for c in columns:
            if c in NUMERIC:
                frame[c] = [float(v) if isinstance(v, Decimal | int | float) else float("nan") for v in frame[c]]
    return rename(frame, lang)


def form_frame(form, exact: bool = False, lang: Lang = "en"):
    """One row per indicator of a form as it states them (weight, self-score, actual)."""
    rows = [{"category": i.category.value, "category_name": category_name(i.category.value), "name": i.name,
             "target": i.target.raw, "weight": i.weight, "actual": i.actual, "self_score": i.self_score,
             "level1": i.level1, "level2": i.level2, "deviation_note": i.deviation_note} for i in form.indicators]
    cols = ["category", "category_name", "name", "target", "weight", "actual", "self_score", "level1", "level2",
            "deviation_note"]
    return _frame(rows, cols, exact, lang)


def evaluation_frame(ev, exact: bool = False, lang: Lang = "en"):
    """One row per indicator with its self, rescored and review scores and how the review got there."""
    return _frame(indicator_rows(ev), INDICATOR_FIELDS, exact, lang)


#: One finding of one project (`review_folder(findings=True)`, the 问题清单 sheet of scores.xlsx).
FINDING_FIELDS = ["project", "code", "severity", "title", "indicators", "message", "dismissed"]


def finding_rows(project: str, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of one project's findings (`finding_dict`s), severity in words, indicators joined."""
    return [{"project": project, "code": f["code"], "severity": SEVERITY_WORDS[f["severity"]], "title": f["title"],
             "indicators": "、".join(f.get("indicators") or []), "message": f["message"],
             "dismissed": bool(f.get("dismissed"))} for f in findings]


def findings_frame(ev, lang: Lang = "en"):
    """One row per finding: code, severity (in words with `lang="zh"`: 错误/警告/提示), title,
    message, whether a reviewer dismissed it."""
    rows = [{"code": f.code, "severity": SEVERITY_WORDS[f.severity] if lang == "zh" else f.severity, "title": f.title,
             "message": f.message, "dismissed": f.dismissed is not None} for f in ev.findings]
    return _frame(rows, ["code", "severity", "title", "message", "dismissed"], True, lang)


def _d(v: Decimal | None) -> str:
    return "—" if v is None else format_decimal(v)


def form_html(form) -> str:
    """A form in a notebook: its name, year and department, then its indicators."""
    head = f"<p><strong>{html.escape(form.project_name)}</strong>　{form.year}年　{html.escape(form.department or '')}" \
           f"（{len(form.indicators)}项指标）</p>"
    return head + form_frame(form, lang="zh").to_html(index=False, na_rep="—", escape=True)


def evaluation_html(ev) -> str:
    """An evaluation in a notebook: totals and rating, the indicators' scores, the findings."""
    f = ev.form
    head = (f"<p><strong>{html.escape(f.project_name)}</strong>　{f.year}年　评分规则 {html.escape(ev.ruleset.name)}"
            f"　满分 {_d(ev.full_marks)}　自评 {_d(ev.self_total) if ev.self_claimed else '未填'}"
            f"　复核 {show_range(ev.review_low, ev.review_high)}{'（临时）' if ev.provisional else ''}"
            f"　评级 {html.escape(ev.rating_text)}</p>")
    table = evaluation_frame(ev, lang="zh").to_html(index=False, na_rep="—", escape=True)
    items = "".join(f"<li><code>{html.escape(x.code)}</code> {html.escape(x.title)}：{html.escape(x.message)}</li>"
                    for x in ev.findings)
    return head + table + (f"<p>复核发现（{len(ev.findings)}）</p><ul>{items}</ul>" if items else "<p>无复核发现。</p>")


__all__ = [
    "INDICATOR_FIELDS",
    "PROJECT_FIELDS",
    "evaluation_frame",
    "evaluation_html",
    "findings_frame",
    "form_frame",
    "form_html",
    "indicator_rows",
    "project_row",
    "rename",
]
