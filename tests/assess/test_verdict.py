"""The verdict a reviewer signs: a pending item is a range, not a deduction; weights the form does
not state are named and keep the rating open; over full marks is never a headline; facts are not
decisions."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from builders import clean_form, stated, with_indicator

from selfeval.assess.checks import review
from selfeval.assess.decisions import Decision, parse_decisions
from selfeval.assess.evaluation import rating_words
from selfeval.assess.findings import CATALOGUE, KINDS
from selfeval.assess.rulesets import load_ruleset
from selfeval.assess.scoring import bounded_rate
from selfeval.errors import SelfevalError
from selfeval.report.conclusion import rating_change, to_decide
from selfeval.views.document import evaluation_dict, to_json
from selfeval.views.row import ProjectRow

D = Decimal


@pytest.fixture(scope="module")
def suzhou():
    return load_ruleset("suzhou-2023")


@pytest.fixture(scope="module")
def national():
    return load_ruleset("national-2020")


def pending_form():
    """The clean form (76.88 of 80, 优) with 驻场运维周期 (12.5 points) unreadable: scored in full
    it keeps 优, scored 0 it is 良."""
    return with_indicator(clean_form(), "驻场运维周期", actual="情况复杂")


def no_weights(form, **per_row):
    return form.model_copy(update={"indicators": [
        i.model_copy(update={"weight": None, **per_row.get(i.name, {})}) for i in form.indicators]})


def codes(ev):
    return {f.code for f in ev.findings}


# --- pending is a range ------------------------------------------------------------------------


def test_a_pending_item_that_could_change_the_band_leaves_the_rating_open(suzhou):
    ev = review(pending_form(), suzhou)
    assert (ev.review_low, ev.review_high) == (D("64.38"), D("76.88"))
    assert ev.rating is None and not ev.rating_settled and ev.provisional
    assert ev.rating_bands == ("优", "良") and ev.rating_text == "待定（良或优）"
    assert ev.unsettled == ("pending",)
    # no 上调 / 下调 while the rating is open, and the pending item is no loss
    assert rating_change(ev) == ""
    assert ev.difference == D(0)
    # the JSON says the same
    doc = json.loads(to_json(evaluation_dict(ev)))
    assert doc["rating"] is None and doc["rating_settled"] is False
    assert (doc["review_low"], doc["review_high"], doc["rating_bands"]) == (64.38, 76.88, ["优", "良"])
    assert doc["difference"] == 0
    row = ProjectRow.of(ev)
    assert row.rating is None and row.rating_bands == "优/良" and row.unsettled == "待评指标可能改变评级"
    assert ProjectRow.from_json(row.to_json()) == row  # the manifest and the workers carry it unchanged
    with pytest.raises(SelfevalError, match="missing self_rating"):
        ProjectRow.from_json({k: v for k, v in row.to_json().items() if k != "self_rating"})


def test_a_pending_item_counts_from_zero_to_its_weight(suzhou):
    # 部门反馈满意度 (12.5 of 80, self 9.38) unreadable: 67.50–80.00 → 良 or 优
    small = with_indicator(clean_form(), "部门反馈满意度", actual="样本不足")
    ev = review(small, suzhou)
    assert (ev.review_low, ev.review_high) == (D("67.50"), D("80.00"))
    assert ev.rating is None  # 84.4 % – 100 %: two bands



def test_a_pending_item_that_cannot_change_the_band_keeps_it(national):
    from builders import national_form

    # 学员满意度 (10 of 100) waits: 90.00–100.00 lies in 优 whatever it scores
    form = with_indicator(national_form(), "学员满意度", actual="样本不足")
    ev = review(form, national)
    assert (ev.review_low, ev.review_high) == (D("90.00"), D("100.00"))
    assert ev.rating == "优" and ev.rating_settled and ev.provisional
    assert ev.rating_bands == ("优",) and ev.unsettled == ()


def test_a_decision_settles_the_range(suzhou):
    d = [Decision(kind="score", subject="驻场运维周期", score=D(12), reason="按合同核实", reviewer="王")]
    ev = review(pending_form(), suzhou, d)
    assert ev.review_low == ev.review_high == D("76.38") and ev.rating == "优" and not ev.provisional


def test_the_report_leads_with_the_open_rating(suzhou):
    from selfeval.report import sections as present
    from selfeval.report.context import ReportContext

    ctx = ReportContext.of(review(pending_form(), suzhou))
    html = present.summary_html(ctx)
    verdict = html[html.index('id="se-verdict"'):html.index("</p>", html.index('id="se-verdict"'))]
    assert "待定（良或优）" in verdict and "64.38–76.88" in verdict
    assert "下调" not in html and "上调" not in html and "暂计0分" not in html


# --- weights the form does not state ------------------------------------------------------------


def test_default_weights_are_named_and_keep_the_rating_open(national):
    from builders import national_form

    form = no_weights(with_indicator(national_form(stated_total=None), "培训人次", actual="800人次"))
    ev = review(form, national)
    f = next(f for f in ev.findings if f.code == "SE-WEIGHT-UNSTATED")
    assert f.kind == "pending" and f.holds_rating and "默认分配" in f.message
    assert ev.rating is None and ev.unsettled == ("weights",) and ev.rating_text == "待定（暂为优）"
    assert ev.review_low == ev.review_high  # scored on the split the finding names
    # the reviewer accepts the split: the weights are ours no longer, the rating settles
    accept = [Decision(kind="dismiss", subject="SE-WEIGHT-UNSTATED", reason="认可默认分配", reviewer="王")]
    settled = review(form, national, accept)
    assert settled.rating == "优" and settled.review_low == settled.review_high
    # or decides each weight
    decided = [Decision(kind="weight", subject=i.name, score=w, reason="按申报表", reviewer="王")
               for i, w in zip(form.indicators, (D(30), D(20), D(15), D(15), D(10)), strict=True)]
    ev = review(form, national, decided)
    assert all(r.weight_origin.source == "decision" for r in ev.indicators)
    assert "SE-WEIGHT-UNSTATED" not in codes(ev)


def test_printed_category_points_are_the_forms_own(national):
    from builders import national_form

    form = national_form()
    points = {"output": "产出指标(50分)", "outcome": "效益指标(30分)", "satisfaction": "满意度指标(10分)"}
    rows = {i.name: {"level1": points.get(i.category.value, "产出指标(50分)")} for i in form.indicators}
    ev = review(no_weights(form, **rows), national)
    by = {}
    for r in ev.indicators:
        by.setdefault(r.indicator.level1, []).append(r)
    for label, members in by.items():
        total = sum((r.indicator.weight for r in members), D(0))
        assert total == D(label[label.index("(") + 1:label.index("分")])
        assert all(r.weight_origin.source in ("printed", "form") for r in members)
    # the form's own points are no contradiction of the form
    assert "SE-ARITH-WEIGHTS" not in codes(ev) and "SE-ARITH-CATEGORY-POINTS" not in codes(ev)
    f = next(f for f in ev.findings if f.code == "SE-WEIGHT-UNSTATED")
    assert "产出指标(50分)" in f.message and "本工具" in f.message


def test_weight_decisions_are_parsed_and_checked():
    got = parse_decisions({"reviewer": "王", "weights": [{"indicator": "甲", "weight": "10", "reason": "r"}]}, "d.yaml")
    assert got == [Decision(kind="weight", subject="甲", score=D(10), reason="r", reviewer="王")]
    from selfeval.errors import DecisionsError

    with pytest.raises(DecisionsError, match=r"d.yaml: weights\[0\].weight"):
        parse_decisions({"weights": [{"indicator": "甲", "weight": "-1", "reason": "r", "reviewer": "王"}]}, "d.yaml")


def test_a_weight_decision_resolves_over_full_marks(suzhou):
    over = stated(with_indicator(clean_form(), "立项程序规范性", weight="11", self_score="11"))
    ev = review(over, suzhou)
    assert ev.rating is None and "over_full" in ev.unsettled
    d = [Decision(kind="weight", subject="立项程序规范性", score=D(10), reason="按规则", reviewer="王")]
    ev = review(over, suzhou, d)
    assert ev.rating == "优" and "SE-ARITH-OVER-FULL" not in codes(ev)


def test_over_full_marks_is_said_first_in_the_report(suzhou):
    from selfeval.report import sections as present
    from selfeval.report.context import ReportContext

    over = stated(with_indicator(clean_form(), "立项程序规范性", weight="11", self_score="11"))
    ev = review(over, suzhou)
    html = present.summary_html(ReportContext.of(ev))
    verdict = html[html.index('id="se-verdict"'):]
    assert verdict.index("结果待定") < verdict.index("77.88")


# --- a form that claims no score ---------------------------------------------------------------


def test_no_self_score_is_absent_not_zero(suzhou):
    form = clean_form(stated_total=None, indicators=[i.model_copy(update={"self_score": None})
                                                     for i in clean_form().indicators])
    ev = review(form, suzhou)
    doc = json.loads(to_json(evaluation_dict(ev)))
    assert doc["self_total"] is None and doc["self_rating"] is None and doc["difference"] is None
    assert ev.self_rating is None


# --- impossible actuals -------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "bounded"), [
    ("部门反馈满意度", True), ("工程验收合格率", True), ("政策知晓率", True), ("覆盖率", True),
    ("收入增长率", False), ("任务完成率", False), ("产值提升率", False), ("培训人次", False)])
def test_bounded_rates_are_data(name, bounded):
    assert bounded_rate(name) is bounded


def test_an_impossible_actual_waits(suzhou):
    ev = review(with_indicator(clean_form(), "部门反馈满意度", actual="105%"), suzhou)
    r = ev.result("部门反馈满意度")
    assert r.pending and r.review.score is None
    f = next(f for f in ev.findings if f.code == "SE-PLAUS-SATISFACTION")
    assert f.kind == "pending" and "待复核人评分" in f.message
    assert "SE-IND-MANUAL" not in codes(ev)  # one cause, once
    assert ev.review_high - ev.review_low == D("12.5")


# --- facts are not decisions --------------------------------------------------------------------


def test_every_code_has_a_kind():
    assert all(entry["kind"] in KINDS for entry in CATALOGUE.values())
    holds = {c for c, e in CATALOGUE.items() if e.get("holds") == "rating"}
    assert all(CATALOGUE[c]["kind"] == "pending" for c in holds)


def test_a_corrected_error_is_no_decision(suzhou):
    form = stated(with_indicator(clean_form(), "部门反馈满意度", self_score="13"))
    ev = review(form, suzhou)
    assert next(f for f in ev.findings if f.code == "SE-ARITH-SCORE-RANGE").kind == "corrected"
    assert to_decide(ev) == [] and ev.rating == "优" and not ev.provisional


def test_rating_words():
    assert rating_words("优", ("优",)) == "优"
    assert rating_words(None, ("优", "良")) == "待定（良或优）"
    assert rating_words(None, ("优", "良", "中")) == "待定（中至优）"
    assert rating_words(None, ()) == "待定"


def test_the_index_lists_unsettled_results_apart(suzhou):
    from selfeval.batch.index import index_rows
    from selfeval.batch.run import Outcome

    over = stated(with_indicator(clean_form(), "立项程序规范性", weight="11", self_score="11"))
    outcomes = [Outcome(name=name, status="rendered", row=ProjectRow.of(review(form, suzhou)).to_json())
                for name, form in (("clean", clean_form()), ("over", over), ("pending", pending_form()))]
    rows = index_rows(outcomes)
    assert [r["name"] for r in rows] == ["over", "pending", "clean"]
    over_row, pending_row, clean_row = rows
    assert over_row["rating"] == "待定" and "超过满分" in over_row["unsettled"] and over_row["review_share_v"] == -1
    assert pending_row["rating"] == "待定（良或优）" and pending_row["review_total"] == "64.38–76.88"
    assert clean_row["settled"] and clean_row["rating"] == "优"


# --- one cause per problem ----------------------------------------------------------------------


def test_a_shortfall_against_target_is_a_performance_shortfall(suzhou):
    ev = review(with_indicator(clean_form(), "应用系统运营运维数", actual="9 个"), suzhou)
    f = next(f for f in ev.findings if f.code == "SE-IND-SHORTFALL")
    assert f.kind == "corrected" and "目标>=10 个，实际9 个" in f.message
    assert "SE-IND-RESCORE-DIFF" not in codes(ev)  # not an arithmetic error, and said once
    from selfeval.report.conclusion import causes

    assert [c.id for c in causes(ev) if any(x.code == "SE-IND-SHORTFALL" for x in c.findings)] == ["performance"]


def test_no_demand_the_review_does_not_make(suzhou):
    from selfeval.report.conclusion import advice, rectification, result_use

    # every indicator met and self-scored in full: the review gives full marks too
    full = stated(with_indicator(clean_form(), "部门反馈满意度", actual="95%", self_score="12.5"))
    ev = review(full, suzhou)
    assert any(f.code == "SE-IND-ALL-FULL" for f in ev.findings)
    assert not any(a["code"] == "SE-IND-ALL-FULL" for a in advice(ev) + rectification(ev))
    # 优 with an open error: no 推广
    broken = with_indicator(clean_form(stated_total="80"), "部门反馈满意度")
    ev = review(broken, suzhou)
    assert ev.rating == "优" and any(f.severity == "error" for f in ev.findings)
    assert "推广" in result_use(review(clean_form(), suzhou)) and "不作为推广经验" in result_use(ev)


# --- template prompts ---------------------------------------------------------------------------


def test_a_template_prompt_is_an_empty_cell(suzhou):
    from selfeval.form.model import Form

    prompt = "结合自评情况，说明项目自评总分，说明项目实施取得的成效或成果。（200字以内）"
    narrative = {**clean_form().narrative.model_dump(), "problems": prompt, "implementation": "全年运维平稳。"}
    form = Form.model_validate({**clean_form().model_dump(), "narrative": narrative})
    assert form.narrative.problems is None and form.narrative.implementation == "全年运维平稳。"
    assert any("模板提示语" in s for s in form.provenance.skipped)
    ev = review(form, suzhou)
    assert any(f.code == "SE-NARR-EMPTY" for f in ev.findings)
    from selfeval.report import sections as present
    from selfeval.report.context import ReportContext

    assert prompt not in present.narrative_html(ReportContext.of(ev))


def test_a_form_from_another_city_in_the_suzhou_layout_is_refused():
    from selfeval.assess.choice import ruleset_for
    from selfeval.errors import RulesetError

    assert ruleset_for(clean_form()).name == "suzhou-2023"  # 苏州市信息中心
    assert ruleset_for(clean_form(department="某市信息中心")).name == "suzhou-2023"  # names no place
    assert ruleset_for(clean_form(department="江苏省苏州市吴江区财政局")).name == "suzhou-2023"
    with pytest.raises(RulesetError, match=r"from 无锡市.*choose one explicitly with --ruleset NAME"):
        ruleset_for(clean_form(department="无锡市信息中心"))
