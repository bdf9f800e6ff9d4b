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

Lang = Literal["en", "zh"]
NUMERIC = ("weight", "self_score", "rescore", "review_score", "difference", "completion")
ZH = {
    "category": "类别代码", "category_name": "类别", "name": "指标名称", "target": "目标值", "weight": "权重",
    "actual": "实际完成值", "self_score": "自评分", "rescore": "重算分", "review_score": "复核分",
    "difference": "差异", "completion": "完成率(%)", "review_source": "复核依据", "review_reason": "复核说明",
    "level1": "一级指标", "level2": "二级指标", "deviation_note": "偏差原因", "code": "代码", "severity": "级别",
    "title": "标题", "message": "说明", "dismissed": "已撤销",
}


def _frame(rows: list[dict[str, Any]], columns: list[str], exact: bool, lang: Lang):
    import pandas as pd

    frame = pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=columns)
    if not exact:
        for c in columns:
            if c in NUMERIC:
                frame[c] = [float(v) if isinstance(v, Decimal | int | float) else float("nan") for v in frame[c]]
    return frame.rename(columns=ZH) if lang == "zh" else frame


def form_frame(form, exact: bool = False, lang: Lang = "en"):
    """One row per indicator of a form as it states them (weight, self-score, actual)."""
    from .labels import category_name

    rows = [{"category": i.category.value, "category_name": category_name(i.category.value), "name": i.name,
             "target": i.target.raw, "weight": i.weight, "actual": i.actual, "self_score": i.self_score,
             "level1": i.level1, "level2": i.level2, "deviation_note": i.deviation_note} for i in form.indicators]
    cols = ["category", "category_name", "name", "target", "weight", "actual", "self_score", "level1", "level2",
            "deviation_note"]
    return _frame(rows, cols, exact, lang)


def evaluation_frame(ev, exact: bool = False, lang: Lang = "en"):
    """One row per indicator with its self, rescored and review scores and how the review got there."""
    from .summary import indicator_rows

    cols = ["category", "category_name", "name", "target", "weight", "actual", "self_score", "rescore",
            "review_score", "difference", "completion", "review_source", "review_reason"]
    return _frame(indicator_rows(ev), cols, exact, lang)


def findings_frame(ev, lang: Lang = "en"):
    """One row per finding: code, severity, title, message, whether a reviewer dismissed it."""
    rows = [{"code": f.code, "severity": f.severity, "title": f.title, "message": f.message,
             "dismissed": f.dismissed is not None} for f in ev.findings]
    return _frame(rows, ["code", "severity", "title", "message", "dismissed"], True, lang)


def _d(v: Decimal | None) -> str:
    from .values import format_decimal

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
            f"　复核 {_d(ev.review_total)}{'（临时）' if ev.provisional else ''}　评级 {html.escape(ev.rating)}</p>")
    table = evaluation_frame(ev, lang="zh").to_html(index=False, na_rep="—", escape=True)
    items = "".join(f"<li><code>{html.escape(x.code)}</code> {html.escape(x.title)}：{html.escape(x.message)}</li>"
                    for x in ev.findings)
    return head + table + (f"<p>复核发现（{len(ev.findings)}）</p><ul>{items}</ul>" if items else "<p>无复核发现。</p>")


__all__ = ["evaluation_frame", "evaluation_html", "findings_frame", "form_frame", "form_html"]
