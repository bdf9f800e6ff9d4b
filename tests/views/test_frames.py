"""DataFrames and notebook display for analysts: float columns by default, exact Decimals on
request, English or Chinese column names, HTML that escapes what forms say."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from selfeval.loaders import load_form
from selfeval.pipeline import evaluate

SEED = Path(__file__).resolve().parents[2] / "selfeval" / "examples" / "seed.txt"


def test_an_evaluation_as_a_frame_has_float_scores_that_add_up():
    ev = evaluate(SEED)
    df = ev.to_frame()
    assert len(df) == len(ev.indicators)
    for column in ("weight", "self_score", "rescore", "review_score"):
        assert pd.api.types.is_float_dtype(df[column])
    assert round(df["review_score"].sum(), 2) == float(ev.review_total) == 79.43
    assert df["review_score"].describe()["count"] == len(ev.indicators)


def test_exact_keeps_decimals_and_chinese_names_are_there():
    ev = evaluate(SEED)
    exact = ev.to_frame(exact=True)
    assert sum(exact["review_score"]) == ev.review_total and isinstance(exact["weight"][0], Decimal)
    zh = ev.to_frame(lang="zh")
    assert {"指标名称", "权重", "自评分", "重算分", "复核分"} <= set(zh.columns)


def test_a_form_as_a_frame_and_blank_cells_as_nan(tmp_path):
    form = load_form(SEED)
    df = form.to_frame()
    assert list(df["name"]) == [i.name for i in form.indicators]
    blank = form.model_copy(update={"indicators": [form.indicators[0].model_copy(update={"self_score": None})]})
    assert pd.isna(blank.to_frame()["self_score"][0])


def test_findings_frame_lists_every_code():
    ev = evaluate(SEED)
    assert list(ev.findings_frame()["code"]) == [f.code for f in ev.findings]


def test_notebook_display_shows_totals_and_escapes_form_text():
    ev = evaluate(SEED)
    hostile = ev.form.model_copy(update={"project_name": "<script>alert(1)</script>"})
    html = hostile._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    shown = ev._repr_html_()
    assert "79.43" in shown and "suzhou-2023" in shown and "SE-RATE-MISMATCH" in shown and "<table" in shown


def test_the_chinese_findings_frame_says_severity_in_words():
    ev = evaluate(SEED)
    zh = ev.findings_frame(lang="zh")
    assert set(zh["级别"]) <= {"错误", "警告", "提示"} and set(ev.findings_frame()["severity"]) <= {"error", "warning", "info"}
