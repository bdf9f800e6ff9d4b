"""A user's layout file: new words for a shipped layout, or a third layout made of data alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from selfeval.assess.checks import review
from selfeval.assess.choice import ruleset_for
from selfeval.cli import main
from selfeval.errors import FormError, LayoutError, ParamsError
from selfeval.layouts import layouts
from selfeval.layouts.userfile import load_layout_file, merge_labels
from selfeval.loaders import load_form
from selfeval.params import load_params
from selfeval.report.notebook import prepare

EXAMPLES = Path(__file__).resolve().parents[2] / "selfeval" / "examples"

# A county template that says the national form's fields in its own words.
RENAMES = {
    "年度资金总额": "资金总计",
    "全年执行数": "全年实际支出",
    "三级指标": "具体指标",
    "年度指标值": "年度目标值",
    "实际完成值": "全年实际完成情况",
}

COUNTY = """\
# the county's template, read by the national parser with its own words
layout: county
title: 某县项目支出绩效自评表
reads_as: national
requires: [具体指标, 全年实际完成情况]
labels:
  national:
    funds:
      total: [资金总计]
      columns:
        executed: [全年实际支出]
    indicators:
      name: [具体指标]
      target: [年度目标值]
      actual: [全年实际完成情况]
"""


@pytest.fixture
def county(tmp_path: Path) -> tuple[Path, Path]:
    text = (EXAMPLES / "national_farmland.txt").read_text(encoding="utf-8")
    for old, new in RENAMES.items():
        text = text.replace(old, new)
    form = tmp_path / "county_form.txt"
    form.write_text(text, encoding="utf-8")
    layout = tmp_path / "county.yaml"
    layout.write_text(COUNTY, encoding="utf-8")
    return form, layout


def _result(form):
    ev = review(form, ruleset_for(form))
    return ev.review_total, ev.rescore_total, [(f.code, f.message) for f in ev.findings]


def test_without_the_file_the_county_form_is_refused_truly(county):
    form, _ = county
    with pytest.raises(FormError, match="三级指标"):
        load_form(form)


def test_a_third_layout_from_a_file_reads_like_the_national_form(county):
    form_path, layout = county
    form = load_form(form_path, layout=layout)
    original = load_form(EXAMPLES / "national_farmland.txt")
    assert form.layout == "national"  # what it reads as: the national rulesets and writer apply
    assert "某县项目支出绩效自评表" in form.provenance.layout and str(layout) in form.provenance.layout
    assert [i.name for i in form.indicators] == [i.name for i in original.indicators]
    assert [i.actual for i in form.indicators] == [i.actual for i in original.indicators]
    assert form.money == original.money
    assert _result(form) == _result(original)
    # the file did not register anything: other forms still see only the shipped layouts
    assert "county" not in [lay.name for lay in layouts()]


def test_words_only_file_extends_the_shipped_layout(county, tmp_path):
    form_path, _ = county
    words = tmp_path / "words.yaml"
    words.write_text(COUNTY.replace("layout: county\n", "").replace("title: 某县项目支出绩效自评表\n", "")
                     .replace("requires: [具体指标, 全年实际完成情况]\n", ""), encoding="utf-8")
    form = load_form(form_path, layout=words)
    assert form.layout == "national"
    assert len(form.indicators) == len(load_form(EXAMPLES / "national_farmland.txt").indicators)


def test_a_layout_file_in_params_resolves_against_the_params_file(county, tmp_path):
    form_path, layout = county
    sub = tmp_path / "params"
    sub.mkdir()
    params = sub / "county.yaml"
    params.write_text(f"form: ../{form_path.name}\nlayout: ../{layout.name}\n", encoding="utf-8")
    rp = load_params(params)
    assert rp.layout == str(layout.resolve()) and Path(rp.layout) in rp.input_files()
    ctx = prepare(params)
    assert "某县项目支出绩效自评表" in ctx.evaluation.form.provenance.layout
    bad = sub / "bad.yaml"
    bad.write_text(f"form: ../{form_path.name}\nlayout: nowhere.yaml\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"bad.yaml: layout: 'nowhere.yaml' is neither"):
        load_params(bad)


def test_inspect_shows_the_file_layout(county, capsys):
    form_path, layout = county
    assert main(["inspect", str(form_path), "--layout", str(layout)]) == 0
    out = capsys.readouterr().out
    assert "county" in out and "读取为: 某县项目支出绩效自评表" in out
    assert "全年实际完成情况 → actual" in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("reads_as: nation\n", "reads_as: saw 'nation', expected one of"),
        ("reads_as: national\nlabel: {}\n", "unknown key label"),
        ("reads_as: national\nlabels: {national: {indicator: {actual: [x]}}}\n",
         r"labels.national.indicator: no such labels entry; known here: title, funds"),
        ("reads_as: national\nlabels: {national: {indicators: {actual: {a: b}}}}\n",
         "labels.national.indicators.actual: expected words"),
        ("reads_as: national\nlabels: {national: {indicators: [x]}}\n",
         "labels.national.indicators: expected a mapping"),
        ("reads_as: national\nlabels: {money_blocks: {}}\n", "money_blocks is not read by the national layout"),
        ("layout: other\nreads_as: national\n", "requires: a new layout needs the labels"),
        ("layout: suzhou\nreads_as: national\nrequires: [x]\n", "'suzhou' is a shipped layout"),
        ("reads_as: national\nreads_as: suzhou\n", "duplicate key 'reads_as'"),
        ("- national\n", "a layout file is a mapping"),
        ("reads_as: national\nrequires: 5\n", "requires: expected a list of labels, saw 5"),
        ("reads_as: national\nrequires: {a: 1}\n", "requires: expected a list of labels"),
        ("reads_as: national\nlabels: {national: {nature: {定性2: bigger}}}\n",
         "labels.national.nature.定性2: saw 'bigger', expected one of at_least, at_most, qualitative"),
    ],
)
def test_a_bad_layout_file_names_file_and_key(tmp_path, text, message):
    path = tmp_path / "lay.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LayoutError, match=message) as err:
        load_layout_file(path)
    assert str(path) in str(err.value)


def test_unknown_layout_name_on_the_command_line(county, capsys):
    form_path, _ = county
    assert main(["review", str(form_path), "--layout", "nowhere"]) == 1
    assert "layout 'nowhere': no such layout (known: suzhou, national)" in capsys.readouterr().err


def test_merge_adds_words_in_front_and_leaves_the_base_alone():
    base = {"a": {"words": ["x"], "table": {"≥": "at_least"}, "text": "t"}}
    merged = merge_labels(base, {"a": {"words": ["y", "x"], "table": {"不小于": "at_least"}, "text": "u"}})
    assert merged == {"a": {"words": ["y", "x"], "table": {"≥": "at_least", "不小于": "at_least"}, "text": "u"}}
    assert base == {"a": {"words": ["x"], "table": {"≥": "at_least"}, "text": "t"}}


@pytest.mark.parametrize("example", ["national_farmland.txt", "seed.txt"])
def test_an_actuals_column_under_an_unknown_header_is_refused_not_scored_zero(tmp_path, example):
    text = (EXAMPLES / example).read_text(encoding="utf-8").replace("实际完成值", "全年实际完成情况")
    path = tmp_path / example
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormError) as err:
        load_form(path)
    message = str(err.value)
    assert "expected a column 实际完成值" in message and "headers no field claims: " in message
    assert "nearest known label: 全年实际完成情况 ≈ " in message and "layout file" in message
