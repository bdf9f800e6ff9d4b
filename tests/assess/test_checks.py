"""The review (复核) checks: every code in the findings catalogue raised and left silent.

Each test starts from `builders.clean_form()` (a balanced form whose review raises nothing),
changes one thing and asserts the finding that appears: its code, severity, evidence numbers and
the indicators it lists. rules.md §3 is the specification; the seed's expected findings are at the
end of this file.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from builders import (
    as_yaml_loaded,
    clean_form,
    common_indicators,
    indicator,
    project_indicators,
    replace_fields,
    stated,
    with_indicator,
    with_indicators,
    with_money,
    with_narrative,
    with_spending,
    with_sub_items,
)

from selfeval.assess.checks import CHECKS, review
from selfeval.assess.checks.indicators import notes_possible
from selfeval.assess.findings import CATALOGUE, SEVERITIES, finding_counts
from selfeval.assess.scoring import score_form
from selfeval.form.model import Provenance

D = Decimal


def run(form, ruleset, decisions=None):
    return review(form, ruleset, decisions)


def codes(ev) -> set[str]:
    return {f.code for f in ev.findings}


def only(ev, code):
    """The one finding with `code` (a finding about several indicators is one finding)."""
    found = [f for f in ev.findings if f.code == code]
    assert len(found) == 1, f"{code}: expected exactly one finding, got {[f.message for f in found]}"
    return found[0]


# --- the baseline ------------------------------------------------------------------------------


def test_clean_form_has_no_findings(suzhou):
    ev = run(clean_form(), suzhou)
    assert ev.findings == []
    assert ev.self_total == ev.rescore_total == ev.review_total == D("76.88")
    assert not ev.provisional
    assert finding_counts(ev) == {"error": 0, "warning": 0, "info": 0}


def test_clean_form_loaded_from_yaml_has_no_findings(suzhou):
    form = as_yaml_loaded(clean_form())
    assert notes_possible(form)
    assert run(form, suzhou).findings == []


def test_clean_form_rates_are_all_100(suzhou):
    ev = run(clean_form(), suzhou)
    assert ev.rates.funding_rate == ev.rates.payment_rate == ev.rates.execution_rate == 100


def test_catalogue_entries_are_complete():
    for code, entry in CATALOGUE.items():
        assert re.fullmatch(r"SE-[A-Z]+(-[A-Z0-9]+)+", code), code
        assert entry["severity"] in SEVERITIES, code
        assert entry["title"] and entry["message"], code


def test_every_error_severity_code_is_arithmetic():
    errors = {c for c, e in CATALOGUE.items() if e["severity"] == "error"}
    assert errors
    assert all(CATALOGUE[c]["area"] == "arithmetic" and c.startswith("SE-ARITH-") for c in errors)
    assert all(e["severity"] == "error" for c, e in CATALOGUE.items() if e["area"] == "arithmetic")


# --- arithmetic (error) ------------------------------------------------------------------------


def test_quota_balance_broken(suzhou):
    ev = run(with_money(clean_form(), quota_balance="5"), suzhou)
    assert codes(ev) == {"SE-ARITH-QUOTA-BALANCE"}
    f = only(ev, "SE-ARITH-QUOTA-BALANCE")
    assert f.severity == "error"
    assert f.evidence["quota_balance"] == D(5) and f.evidence["expected"] == D(0)
    assert f.evidence["initial_budget"] == D(100) and f.evidence["appropriated"] == D(100)
    assert "指标结余数5万元" in f.message and "= 0万元" in f.message


def test_quota_balance_counts_the_adjustment(suzhou):
    # 90 + 10 − 100 = 0: balanced once the adjustment is included
    form = with_money(clean_form(), initial_budget="90", adjustment="10")
    assert "SE-ARITH-QUOTA-BALANCE" not in codes(run(form, suzhou))
    # 90 + 10 − 95 = 5 ≠ 0
    ev = run(with_money(form, appropriated="95", use_appropriated="95", paid="95"), suzhou)
    f = only(ev, "SE-ARITH-QUOTA-BALANCE")
    assert f.evidence["adjustment"] == D(10) and f.evidence["expected"] == D(5)


def test_quota_balance_absent_cell_is_not_checked(suzhou):
    assert "SE-ARITH-QUOTA-BALANCE" not in codes(run(with_money(clean_form(), quota_balance=None), suzhou))


def test_fund_balance_broken(suzhou):
    # 资金结余 1 ≠ 100 − 100; its split (结转 1 + 收回 0) is consistent with it
    ev = run(with_money(clean_form(), fund_balance="1", carried_forward="1"), suzhou)
    assert codes(ev) == {"SE-ARITH-FUND-BALANCE"}
    f = only(ev, "SE-ARITH-FUND-BALANCE")
    assert f.severity == "error"
    assert (f.evidence["fund_balance"], f.evidence["paid"], f.evidence["expected"]) == (D(1), D(100), D(0))


def test_fund_balance_balanced_when_spending_differs(suzhou):
    # 100 − 97 = 3 = 结转 1 + 收回 2: no arithmetic finding (only the rate claims are questioned)
    ev = run(with_money(with_spending(clean_form(), paid="97"), carried_forward="1", recovered="2"), suzhou)
    assert codes(ev) == {"SE-RATE-MISMATCH", "SE-RATE-FULL-DESPITE-RECOVERY"}


def test_carry_split_broken(suzhou):
    ev = run(with_money(clean_form(), carried_forward="1"), suzhou)
    assert codes(ev) == {"SE-ARITH-CARRY-SPLIT"}
    f = only(ev, "SE-ARITH-CARRY-SPLIT")
    assert f.severity == "error"
    assert f.evidence["sum"] == D(1) and f.evidence["fund_balance"] == D(0)


def test_recovered_over_balance(suzhou):
    ev = run(with_money(clean_form(), quota_recovered="5"), suzhou)
    f = only(ev, "SE-ARITH-RECOVERED-OVER")
    assert f.severity == "error"
    assert f.evidence == {"quota_recovered": D(5), "quota_balance": D(0)}
    # the claimed 100 % rates while money was recovered is a separate warning
    assert codes(ev) == {"SE-ARITH-RECOVERED-OVER", "SE-RATE-FULL-DESPITE-RECOVERY"}


def test_recovered_equal_to_balance_is_fine(suzhou):
    form = with_money(with_spending(clean_form(), appropriated="95", paid="95"), quota_recovered="5")
    assert "SE-ARITH-RECOVERED-OVER" not in codes(run(form, suzhou))


def test_appropriated_differs_between_blocks(suzhou):
    ev = run(with_money(clean_form(), use_appropriated="99"), suzhou)
    f = only(ev, "SE-ARITH-APPROPRIATED")
    assert f.severity == "error"
    assert f.evidence == {"appropriated": D(100), "use_appropriated": D(99)}
    # the fund-use block's own identity is checked with its own 财政拨款数 (99 − 100 ≠ 0)
    assert only(ev, "SE-ARITH-FUND-BALANCE").evidence["appropriated"] == D(99)
    assert codes(ev) == {"SE-ARITH-APPROPRIATED", "SE-ARITH-FUND-BALANCE"}


def test_sub_item_budgets_do_not_sum(suzhou):
    form = with_sub_items(clean_form(), [("基础设施运维", "65", "60"), ("应用系统运维", "40", "40")])
    ev = run(form, suzhou)
    assert codes(ev) == {"SE-ARITH-SUBITEM-BUDGET"}
    f = only(ev, "SE-ARITH-SUBITEM-BUDGET")
    assert f.severity == "error"
    assert f.evidence["sum"] == D(105) and f.evidence["total"] == D(100)
    assert "105" in f.message and "合计100" in f.message


def test_sub_item_budget_total_differs_from_the_budget(suzhou):
    form = with_sub_items(
        clean_form(),
        [("基础设施运维", "70", "60"), ("应用系统运维", "40", "40")],
        sub_items_budget_total="110",
    )
    f = only(run(form, suzhou), "SE-ARITH-SUBITEM-BUDGET")
    assert f.evidence["budget"] == D(100)
    assert "子项预算合计110万元 ≠ 年初预算数+调整数100万元" in f.message


def test_sub_item_actuals_do_not_sum(suzhou):
    form = with_sub_items(clean_form(), [("基础设施运维", "60", "55"), ("应用系统运维", "40", "40")])
    ev = run(form, suzhou)
    assert codes(ev) == {"SE-ARITH-SUBITEM-ACTUAL"}
    f = only(ev, "SE-ARITH-SUBITEM-ACTUAL")
    assert f.severity == "error"
    assert f.evidence["sum"] == D(95) and f.evidence["total"] == D(100) and f.evidence["paid"] == D(100)
    assert "各子项实际数之和95万元 ≠ 合计100万元" in f.message


def test_sub_item_actual_within_money_tolerance(suzhou):
    # as on the seed: 合计实际数 a little off 实际支付数, within the ruleset's 0.01 万元
    ok = with_sub_items(
        clean_form(),
        [("基础设施运维", "60", "60.006"), ("应用系统运维", "40", "40")],
        sub_items_actual_total="100.006",
    )
    assert run(ok, suzhou).findings == []
    off = with_sub_items(
        clean_form(),
        [("基础设施运维", "60", "60.02"), ("应用系统运维", "40", "40")],
        sub_items_actual_total="100.02",
    )
    f = only(run(off, suzhou), "SE-ARITH-SUBITEM-ACTUAL")
    assert "子项实际合计100.02万元与实际支付数100万元相差超过0.01万元" in f.message


def test_sub_items_without_actual_amounts_are_not_an_arithmetic_error(suzhou):
    form = with_sub_items(
        clean_form(),
        [("基础设施运维", "60", None), ("应用系统运维", "40", None)],
        sub_items_actual_total=None,
    )
    assert "SE-ARITH-SUBITEM-ACTUAL" not in codes(run(form, suzhou))


def test_weights_split_unevenly_is_one_finding_listing_them(suzhou):
    form = with_indicator(clean_form(), "应用系统运营运维数", weight="13", self_score="13")
    form = stated(with_indicator(form, "驻场运维周期", weight="12", self_score="12"))
    ev = run(form, suzhou)
    assert codes(ev) == {"SE-ARITH-WEIGHTS"}
    f = only(ev, "SE-ARITH-WEIGHTS")
    assert f.severity == "error"
    assert f.indicators == ("应用系统运营运维数", "驻场运维周期")
    assert f.evidence["issues"] == [("项目指标权重未按指标个数平均分配", D("12.50"), D(13))]


def test_weights_not_summing_to_full_marks(suzhou):
    form = stated(with_indicator(clean_form(), "立项程序规范性", weight="11", self_score="11"))
    f = only(run(form, suzhou), "SE-ARITH-WEIGHTS")
    assert ("权重合计不等于满分", D(80), D(81)) in f.evidence["issues"]


def test_stated_total_contradicts_the_scores(suzhou):
    ev = run(clean_form(stated_total="80"), suzhou)
    assert codes(ev) == {"SE-ARITH-TOTAL"}
    f = only(ev, "SE-ARITH-TOTAL")
    assert f.severity == "error"
    assert f.evidence == {"stated_total": D(80), "sum": D("76.88")}
    assert "合计自评分80分" in f.message and "76.88分" in f.message


def test_no_stated_total_is_not_checked(suzhou):
    assert run(clean_form(stated_total=None), suzhou).findings == []


def test_scores_outside_zero_and_weight_are_one_finding(suzhou):
    form = with_indicator(clean_form(), "立项程序规范性", self_score="11")
    form = stated(with_indicator(form, "部门反馈满意度", self_score="13"))
    ev = run(form, suzhou)
    f = only(ev, "SE-ARITH-SCORE-RANGE")
    assert f.severity == "error"
    assert f.indicators == ("立项程序规范性", "部门反馈满意度")
    assert (
        "立项程序规范性（权重10，自评11）" in f.message and "部门反馈满意度（权重12.5，自评13）" in f.message
    )
    with pytest.raises(ValueError, match="a number of 0 or more"):  # below 0: refused as the form is read
        with_indicator(form, "部门反馈满意度", self_score="-1")


def test_score_equal_to_weight_or_zero_is_in_range(suzhou):
    form = stated(with_indicator(clean_form(), "部门反馈满意度", self_score="0"))
    assert "SE-ARITH-SCORE-RANGE" not in codes(run(form, suzhou))


# --- rates -------------------------------------------------------------------------------------


def test_rate_mismatch_warning_and_alternative_basis_info(suzhou):
    # 95 of 100 appropriated, all of it paid: funding 95 % (claimed 100 %), payment 100 %,
    # execution 95 %.
    ev = run(with_spending(clean_form(), appropriated="95", paid="95"), suzhou)
    assert codes(ev) == {"SE-RATE-MISMATCH", "SE-RATE-ALT-BASIS"}
    m = only(ev, "SE-RATE-MISMATCH")
    assert m.severity == "warning"
    assert m.indicators == ("资金到位率",)
    [rate] = m.evidence["rates"]
    assert rate["rate"] == "funding_rate"
    assert (rate["numerator"], rate["denominator"]) == (D(95), D(100))
    assert rate["diff"] == D("5.00") and rate["review_score"] == D("7.50") and rate["self_score"] == D(10)
    assert "复核为95.00%（95/100万元）" in m.message and "复核得分7.50分（自评10分）" in m.message
    a = only(ev, "SE-RATE-ALT-BASIS")
    assert a.severity == "info"
    assert a.indicators == ("预算执行率",)
    [alt] = a.evidence["rates"]
    assert (alt["rate"], alt["alt_rate"]) == ("payment_rate", "execution_rate")
    assert alt["recomputed_value"] == D(100) and alt["alt_value"] == D(95)
    assert (alt["alt_numerator"], alt["alt_denominator"]) == (D(95), D(100))
    assert "100.00%" in a.message and "95.00%（95/100万元）" in a.message
    # the review scores the funding rate on the recomputed value
    r = ev.result("资金到位率")
    assert r.review_source == "recomputed" and r.review.score == D("7.50")
    assert ev.review_total == D("74.38")


def test_rate_mismatch_on_several_rates_is_one_finding(suzhou):
    ev = run(with_money(with_spending(clean_form(), appropriated="95", paid="90")), suzhou)
    m = only(ev, "SE-RATE-MISMATCH")
    assert m.indicators == ("资金到位率", "预算执行率")
    assert [r["recomputed"] for r in m.evidence["rates"]] == ["95.00%", "94.74%"]
    assert "SE-RATE-ALT-BASIS" not in codes(ev)


def test_rate_mismatch_threshold_is_half_a_point(suzhou):
    # payment = execution = 99.5 %: exactly 0.5 points from the claimed 100 % → warning
    ev = run(with_spending(clean_form(), paid="99.5"), suzhou)
    assert codes(ev) == {"SE-RATE-MISMATCH"}
    assert only(ev, "SE-RATE-MISMATCH").indicators == ("预算执行率",)
    # 99.6 %: 0.4 points → nothing
    assert run(with_spending(clean_form(), paid="99.6"), suzhou).findings == []


def test_rate_mismatch_mentions_recovered_money(suzhou):
    form = with_money(with_spending(clean_form(), appropriated="95", paid="95"), quota_recovered="5")
    findings = run(form, suzhou)
    m = only(findings, "SE-RATE-MISMATCH")
    assert m.evidence["quota_recovered"] == D(5)
    # the form claims 100%: SE-RATE-FULL-DESPITE-RECOVERY says the recovered money, once
    assert "指标结余收回" not in m.message
    assert "指标结余收回5万元" in only(findings, "SE-RATE-FULL-DESPITE-RECOVERY").message
    # a claim below 100% does not trip that finding, so the mismatch says it itself
    partial = with_indicator(form, "资金到位率", actual="97%")
    assert "指标结余收回5万元" in only(run(partial, suzhou), "SE-RATE-MISMATCH").message


def test_rate_option_execution_rate_makes_it_a_mismatch(suzhou):
    rs = suzhou.with_options(rate_indicators={"资金到位率": "funding_rate", "预算执行率": "execution_rate"})
    ev = run(with_spending(clean_form(), appropriated="100", paid="95"), rs)
    m = only(ev, "SE-RATE-MISMATCH")
    assert m.indicators == ("预算执行率",) and m.evidence["rates"][0]["rate"] == "execution_rate"
    assert "SE-RATE-ALT-BASIS" not in codes(ev)


def test_full_rates_despite_recovered_money(suzhou):
    # 0.2 of 100 recovered: both rates within 0.5 of 100 %, yet both claimed exactly 100 %
    form = with_money(with_spending(clean_form(), paid="99.8"), carried_forward="0", recovered="0.2")
    ev = run(form, suzhou)
    assert codes(ev) == {"SE-RATE-FULL-DESPITE-RECOVERY"}
    f = only(ev, "SE-RATE-FULL-DESPITE-RECOVERY")
    assert f.severity == "warning"
    assert f.indicators == ("资金到位率", "预算执行率")
    assert f.evidence["quota_recovered"] == D(0) and f.evidence["recovered"] == D("0.2")
    assert f.evidence["items"] == "资金到位率、预算执行率"
    # a rate claimed below 100 % is not a "full" claim
    form2 = stated(with_indicator(form, "预算执行率", actual="99.8%", self_score="9.9"))
    assert only(run(form2, suzhou), "SE-RATE-FULL-DESPITE-RECOVERY").indicators == ("资金到位率",)


# --- execution vs score ------------------------------------------------------------------------


def test_score_gap_above_five_points(suzhou):
    # self 76.88 / 80 = 96.10 %; execution 91.09 % → 5.01 points
    ev = run(with_spending(clean_form(), paid="91.09"), suzhou)
    f = only(ev, "SE-EXEC-SCORE-GAP")
    assert f.severity == "warning"
    assert f.evidence["share"] == "96.10%" and f.evidence["execution_rate"] == "91.09%"
    assert f.evidence["gap"] == D("5.01")
    assert "自评76.88/80分" in f.message


def test_score_gap_of_exactly_five_points_is_silent(suzhou):
    assert "SE-EXEC-SCORE-GAP" not in codes(run(with_spending(clean_form(), paid="91.1"), suzhou))


def test_unspent_above_twenty_percent(suzhou):
    ev = run(with_spending(clean_form(), paid="79"), suzhou)
    f = only(ev, "SE-EXEC-UNSPENT")
    assert f.severity == "warning"
    assert f.evidence["unspent"] == D(21) and f.evidence["share"] == "21.00%"
    assert "SE-EXEC-UNSPENT" not in codes(run(with_spending(clean_form(), paid="80"), suzhou))


def test_sub_item_executed_below_80_percent(suzhou):
    form = with_sub_items(clean_form(), [("基础设施运维", "60", "68.1"), ("应用系统运维", "40", "31.9")])
    ev = run(form, suzhou)
    # the money moved to the other sub-item, which is then over its budget
    assert codes(ev) == {"SE-EXEC-SUBITEM-LOW", "SE-EXEC-SUBITEM-OVER"}
    f = only(ev, "SE-EXEC-SUBITEM-LOW")
    assert f.severity == "warning"
    [(name, rate)] = f.evidence["sub_items"]
    assert name == "应用系统运维" and rate == D("79.75")
    assert "应用系统运维（预算40万元，实际31.9万元，执行率79.75%）" in f.message


def test_sub_item_executed_exactly_80_percent_is_fine(suzhou):
    form = with_sub_items(clean_form(), [("基础设施运维", "60", "68"), ("应用系统运维", "40", "32")])
    assert codes(run(form, suzhou)) == {"SE-EXEC-SUBITEM-OVER"}  # 基础设施运维 68 of 60; 32/40 is fine


# --- indicators --------------------------------------------------------------------------------


def test_self_score_above_rescore_is_a_warning(suzhou):
    # a qualitative actual graded 较好 earns 80 % of the weight; the form claims the full 10
    ev = run(with_indicator(clean_form(), "立项程序规范性", actual="较好"), suzhou)
    assert codes(ev) == {"SE-IND-RESCORE-DIFF"}
    f = only(ev, "SE-IND-RESCORE-DIFF")
    assert f.severity == "warning"
    assert f.indicators == ("立项程序规范性",)
    assert f.evidence["scores"] == [("立项程序规范性", D(10), D("8.00"))]
    assert "自评10分、重算8.00分" in f.message and "较好" in f.message
    assert ev.result("立项程序规范性").rescore.score == D(8)


def test_qualitative_grade_claimed_at_its_factor_is_silent(suzhou):
    form = stated(with_indicator(clean_form(), "立项程序规范性", actual="较好", self_score="8"))
    assert run(form, suzhou).findings == []


def test_self_score_below_rescore_is_info(suzhou):
    ev = run(stated(with_indicator(clean_form(), "部门反馈满意度", self_score="9")), suzhou)
    f = only(ev, "SE-IND-RESCORE-DIFF")
    assert f.severity == "info"
    assert f.evidence["scores"] == [("部门反馈满意度", D(9), D("9.38"))]


def test_rescore_differences_above_and_below_are_one_warning(suzhou):
    form = with_indicator(clean_form(), "立项程序规范性", actual="较好")
    form = stated(with_indicator(form, "部门反馈满意度", self_score="9"))
    f = only(run(form, suzhou), "SE-IND-RESCORE-DIFF")
    assert f.severity == "warning"
    assert f.indicators == ("立项程序规范性", "部门反馈满意度")


def test_at_most_target_exceeded(suzhou):
    # <=12 个月 with 13 个月: c = 12/13, (1 − c) × 100 = 7.69 points × 5 % → 12.5 × 0.6154 = 7.69
    ev = run(with_indicator(clean_form(), "驻场运维周期", actual="13 个月"), suzhou)
    f = only(ev, "SE-IND-SHORTFALL")  # a performance shortfall, not a scoring error
    assert f.severity == "warning" and "SE-IND-RESCORE-DIFF" not in codes(ev)
    assert f.evidence["scores"] == [("驻场运维周期", D("12.5"), D("7.69"))]
    assert "超出目标上限" in f.message


def test_at_most_percent_target_exceeded_rounds_half_up(suzhou):
    # <=5% with 8%: 3 percentage points × 5 % = 15 % off 12.5 → 10.625 → 10.63 (float round: 10.62)
    form = with_indicator(clean_form(), "故障及时处理率", name="故障率", target="<=5%", actual="8%")
    f = only(run(form, suzhou), "SE-IND-SHORTFALL")
    assert f.evidence["scores"] == [("故障率", D("12.5"), D("10.63"))]


def test_at_most_target_met_far_below_is_full(suzhou):
    form = with_indicator(clean_form(), "驻场运维周期", actual="0 个月")
    assert run(form, suzhou).findings == []


def _formulaic_form(at: int, total: int):
    form = with_indicators(clean_form(), [*common_indicators(), *project_indicators(at, total)])
    # keep one score below its weight so SE-IND-ALL-FULL stays out of the way
    first = form.indicators[0].name
    form = with_indicator(form, first, actual="较好", self_score="8")
    return stated(form)


@pytest.mark.parametrize(("at", "total"), [(5, 5), (4, 5), (8, 10), (10, 10)])
def test_formulaic(suzhou, at, total):
    ev = run(_formulaic_form(at, total), suzhou)
    assert codes(ev) == {"SE-IND-FORMULAIC"}
    f = only(ev, "SE-IND-FORMULAIC")
    assert f.severity == "warning"
    assert f.evidence["at"] == at and f.evidence["count"] == total
    assert f.indicators == tuple(f"产出指标{k + 1}" for k in range(at))
    assert f"{total}个项目指标中有{at}个" in f.message


@pytest.mark.parametrize(("at", "total"), [(3, 5), (7, 10), (4, 4), (0, 5)])
def test_formulaic_silent(suzhou, at, total):
    # below 80 % of the project indicators, or fewer than 5 of them
    assert run(_formulaic_form(at, total), suzhou).findings == []


def test_formulaic_counts_qualitative_and_at_most_at_threshold(suzhou):
    inds = [
        *common_indicators(),
        indicator(
            category="output",
            name="驻场运维周期",
            target="<=12 个月",
            weight="10",
            actual="12 个月",
            self_score="10",
        ),
        indicator(
            category="outcome", name="运行稳定性", target="稳定", weight="10", actual="100%", self_score="10"
        ),
        indicator(
            category="outcome", name="机房运维规范", target="完善", weight="10", actual="好", self_score="10"
        ),
        indicator(
            category="output",
            name="驻场运维考核次数",
            target="=4 次",
            weight="10",
            actual="4 次",
            self_score="10",
        ),
        indicator(
            category="satisfaction",
            name="部门反馈满意度",
            target=">=90%",
            weight="10",
            actual="95%",
            self_score="10",
        ),
    ]
    form = stated(
        with_indicator(with_indicators(clean_form(), inds), "立项程序规范性", actual="较好", self_score="8")
    )
    ev = run(form, suzhou)
    f = only(ev, "SE-IND-FORMULAIC")
    assert f.evidence["at"] == 4 and f.evidence["count"] == 5 and f.evidence["share"] == "80.00%"
    assert f.indicators == ("驻场运维周期", "运行稳定性", "机房运维规范", "驻场运维考核次数")


def test_all_full(suzhou):
    form = stated(with_indicator(clean_form(), "部门反馈满意度", actual="95%", self_score="12.5"))
    ev = run(form, suzhou)
    assert codes(ev) == {"SE-IND-ALL-FULL"}
    f = only(ev, "SE-IND-ALL-FULL")
    assert f.severity == "warning"
    # the review gives every indicator full marks too: no demand follows from it
    assert f.evidence == {"count": 7, "self_total": D(80), "review_agrees": True}


def test_missing_actual_without_explanation_scores_zero(suzhou):
    ev = run(with_indicator(clean_form(), "应用系统运营运维数", actual=None), suzhou)
    assert codes(ev) == {"SE-IND-MISSING-ACTUAL", "SE-IND-RESCORE-DIFF"}
    f = only(ev, "SE-IND-MISSING-ACTUAL")
    assert f.severity == "warning"
    assert f.indicators == ("应用系统运营运维数",)
    assert "应用系统运营运维数（无说明，按0分计）" in f.message
    r = ev.result("应用系统运营运维数")
    assert r.rescore.score == D(0) and r.review.score == D(0) and r.rescore.status == "scored"
    assert not ev.provisional
    assert ev.review_total == D("64.38")


def test_missing_actual_with_explanation_is_manual_and_provisional(suzhou):
    form = with_indicator(
        clean_form(), "应用系统运营运维数", actual=None, explanation="系统迁移中，数量待核实"
    )
    ev = run(form, suzhou)
    assert codes(ev) == {"SE-IND-MISSING-ACTUAL", "SE-IND-MANUAL"}
    assert "应用系统运营运维数（有说明，待人工评分）" in only(ev, "SE-IND-MISSING-ACTUAL").message
    m = only(ev, "SE-IND-MANUAL")
    assert m.severity == "warning"
    assert m.indicators == ("应用系统运营运维数",)
    assert m.evidence["pending"] == ["应用系统运营运维数"]
    r = ev.result("应用系统运营运维数")
    assert r.rescore.score is None and r.rescore.status == "manual"
    assert ev.provisional
    assert ev.review_total == D("64.38")  # the pending indicator contributes nothing yet


def test_missing_actuals_are_one_finding(suzhou):
    form = with_indicator(clean_form(), "应用系统运营运维数", actual=None)
    form = with_indicator(form, "故障及时处理率", actual="", explanation="统计口径调整")
    f = only(run(form, suzhou), "SE-IND-MISSING-ACTUAL")
    assert f.indicators == ("应用系统运营运维数", "故障及时处理率")
    assert "故障及时处理率（有说明，待人工评分）" in f.message


def test_manual_for_an_unreadable_qualitative_actual(suzhou):
    ev = run(with_indicator(clean_form(), "立项程序规范性", actual="基本符合要求"), suzhou)
    assert codes(ev) == {"SE-IND-MANUAL"}
    assert only(ev, "SE-IND-MANUAL").indicators == ("立项程序规范性",)
    assert ev.provisional


def test_no_deviation_note_where_notes_are_possible(suzhou):
    # (a survey named in the narrative, so the 满意度 keeps its basis when its note goes)
    form = with_narrative(with_indicator(clean_form(), "部门反馈满意度", deviation_note=None),
                          management_results="年底向使用单位发放满意度问卷。")
    # the Suzhou text layout has no place for a note: silent
    assert not notes_possible(form)
    assert run(form, suzhou).findings == []
    national = form.capabilities.model_copy(update={"note_column": True, "funds": "sources"})
    for possible in (as_yaml_loaded(form), form.model_copy(update={"capabilities": national})):
        assert notes_possible(possible)
        ev = run(possible, suzhou)
        assert codes(ev) == {"SE-IND-NO-DEVIATION-NOTE"}
        f = only(ev, "SE-IND-NO-DEVIATION-NOTE")
        assert f.severity == "warning"
        assert f.indicators == ("部门反馈满意度",)
        assert "部门反馈满意度（9.38/12.5）" in f.message


def test_no_deviation_note_lists_every_bare_indicator_once(suzhou):
    form = with_indicator(clean_form(), "部门反馈满意度", deviation_note=None)
    form = stated(with_indicator(form, "立项程序规范性", actual="较好", self_score="8"))
    f = only(run(as_yaml_loaded(form), suzhou), "SE-IND-NO-DEVIATION-NOTE")
    assert f.indicators == ("立项程序规范性", "部门反馈满意度")


def test_a_suzhou_form_without_the_column_is_not_notes_possible():
    assert not notes_possible(clean_form())
    assert notes_possible(as_yaml_loaded(clean_form()))


def test_overachieved_output_without_note(suzhou):
    # >=10 个 with 14 个: 140 % ≥ 130 %
    form = as_yaml_loaded(with_indicator(clean_form(), "应用系统运营运维数", actual="14 个"))
    ev = run(form, suzhou)
    f = only(ev, "SE-IND-OVERACHIEVED")
    assert f.severity == "warning"
    assert "应用系统运营运维数（目标>=10 个，实际14 个，完成率140.00%）" in f.message
    # the text layout cannot carry a note: silent there
    assert "SE-IND-OVERACHIEVED" not in codes(
        run(form.model_copy(update={"capabilities": clean_form().capabilities}), suzhou)
    )
    # with a note: silent
    noted = with_indicator(form, "应用系统运营运维数", deviation_note="新增两套系统纳入运维")
    assert "SE-IND-OVERACHIEVED" not in codes(run(noted, suzhou))


def test_overachieved_boundaries(suzhou):
    at_130 = as_yaml_loaded(with_indicator(clean_form(), "应用系统运营运维数", actual="13 个"))
    assert "SE-IND-OVERACHIEVED" in codes(run(at_130, suzhou))
    below = as_yaml_loaded(with_indicator(clean_form(), "应用系统运营运维数", actual="12.9 个"))
    assert run(below, suzhou).findings == []
    # outcome rule: 200 %
    outcome = as_yaml_loaded(with_indicator(clean_form(), "故障及时处理率", target=">=45%", actual="89%"))
    assert run(outcome, suzhou).findings == []
    outcome = with_indicator(outcome, "故障及时处理率", actual="90%")
    assert codes(run(outcome, suzhou)) == {"SE-IND-OVERACHIEVED"}


def test_overachieved_lists_its_indicators(suzhou):
    form = as_yaml_loaded(with_indicator(clean_form(), "应用系统运营运维数", actual="14 个"))
    form = with_indicator(form, "故障及时处理率", target=">=45%", actual="95%")
    f = only(run(form, suzhou), "SE-IND-OVERACHIEVED")
    assert f.indicators == ("应用系统运营运维数", "故障及时处理率")


# --- plausibility ------------------------------------------------------------------------------


def test_qualitative_actual_written_as_percent(suzhou):
    form = with_indicator(clean_form(), "立项程序规范性", actual="100%")
    form = with_indicators(
        form, [*form.indicators[:-1], form.indicators[-1].model_copy(update={"actual": "85%"})]
    )
    ev = run(form, suzhou)
    assert codes(ev) == {"SE-PLAUS-QUAL-AS-PERCENT"}
    f = only(ev, "SE-PLAUS-QUAL-AS-PERCENT")
    assert f.severity == "info"
    assert f.indicators == ("立项程序规范性",)
    assert f.evidence == {"count": 1, "example": "100%", "items": "立项程序规范性"}
    # 100 % grades as 好: the score stands
    assert ev.result("立项程序规范性").rescore.score == D(10)


def test_text_actual_on_a_quantitative_target(suzhou):
    ev = run(with_indicator(clean_form(), "应用系统运营运维数", actual="完成"), suzhou)
    assert codes(ev) == {"SE-PLAUS-TEXT-ACTUAL", "SE-IND-MANUAL"}
    f = only(ev, "SE-PLAUS-TEXT-ACTUAL")
    assert f.severity == "warning"
    assert f.indicators == ("应用系统运营运维数",)
    assert "应用系统运营运维数（目标>=10 个，实际“完成”）" in f.message


@pytest.mark.parametrize("target", ["≥10 万元", ">=10 万元", "不低于10 万元", ">10 万元"])
def test_cost_indicator_written_with_at_least(suzhou, target):
    form = with_indicator(
        clean_form(), "应用系统运营运维数", name="单位运维成本", target=target, actual="12 万元"
    )
    ev = run(form, suzhou)
    assert codes(ev) == {"SE-PLAUS-COST-AT-LEAST"}
    f = only(ev, "SE-PLAUS-COST-AT-LEAST")
    assert f.severity == "warning"
    assert f.indicators == ("单位运维成本",)
    assert f"单位运维成本（{target}）" in f.message


def test_cost_indicator_by_level2(suzhou):
    form = with_indicator(
        clean_form(),
        "应用系统运营运维数",
        name="运维支出控制",
        level2="经济成本指标",
        target="≥10 万元",
        actual="12 万元",
    )
    assert only(run(form, suzhou), "SE-PLAUS-COST-AT-LEAST").indicators == ("运维支出控制",)


def test_cost_indicator_with_at_most_is_fine(suzhou):
    form = with_indicator(
        clean_form(), "应用系统运营运维数", name="单位运维成本", target="≤12 万元", actual="11 万元"
    )
    assert run(form, suzhou).findings == []


def test_rate_target_above_100_percent(suzhou):
    form = with_indicator(clean_form(), "故障及时处理率", target=">=105%", actual="110%")
    ev = run(form, suzhou)
    # the actual is impossible too: a 处理率 cannot exceed 100 % (SE-PLAUS-SATISFACTION)
    assert codes(ev) == {"SE-PLAUS-RATE-OVER-100", "SE-PLAUS-SATISFACTION"}
    f = only(ev, "SE-PLAUS-RATE-OVER-100")
    assert f.severity == "warning" and f.indicators == ("故障及时处理率",)
    assert "故障及时处理率（>=105%）" in f.message


def test_satisfaction_above_100_percent(suzhou):
    form = stated(with_indicator(clean_form(), "部门反馈满意度", actual="105%", self_score="12.5"))
    form = stated(with_indicator(form, "立项程序规范性", actual="较好", self_score="8"))
    ev = run(form, suzhou)
    assert codes(ev) == {"SE-PLAUS-SATISFACTION"}
    f = only(ev, "SE-PLAUS-SATISFACTION")
    assert f.severity == "warning"
    assert f.indicators == ("部门反馈满意度",)
    assert "部门反馈满意度（105%）" in f.message


def test_satisfaction_of_exactly_100_percent_is_fine(suzhou):
    form = stated(with_indicator(clean_form(), "部门反馈满意度", actual="100%", self_score="12.5"))
    assert "SE-PLAUS-SATISFACTION" not in codes(run(form, suzhou))


def test_same_indicator_under_two_categories(suzhou):
    form = with_indicator(clean_form(), "故障及时处理率", name="应用系统运营运维数")
    ev = run(form, suzhou)
    assert codes(ev) == {"SE-PLAUS-DUPLICATE"}
    f = only(ev, "SE-PLAUS-DUPLICATE")
    assert f.severity == "warning" and f.indicators == ("应用系统运营运维数",)


def test_form_year_outside_the_ruleset(suzhou):
    ev = run(clean_form(year=2022), suzhou)
    assert codes(ev) == {"SE-PLAUS-YEAR"}
    f = only(ev, "SE-PLAUS-YEAR")
    assert f.severity == "warning"
    assert f.evidence == {"year": 2022, "ruleset": "suzhou-2023", "ruleset_title": "2023年度苏州市级财政支出项目绩效自评",
                          "years": "2023"}
    assert "表格年度2022" in f.message


# --- narrative ---------------------------------------------------------------------------------


@pytest.mark.parametrize("empty", ["无", "暂无", "无。", " 无 ", None])
def test_empty_problems_while_points_lost(suzhou, empty):
    ev = run(with_narrative(clean_form(), problems=empty), suzhou)
    assert codes(ev) == {"SE-NARR-EMPTY"}
    f = only(ev, "SE-NARR-EMPTY")
    assert f.severity == "warning"
    assert "项目管理存在的问题及原因" in f.message
    assert "复核得分76.88分低于满分" in f.message


def test_empty_recommendations_and_low_execution(suzhou):
    form = with_narrative(with_spending(clean_form(), paid="79"), recommendations="暂无")
    f = only(run(form, suzhou), "SE-NARR-EMPTY")
    assert "进一步加强项目管理的建议”填写为“暂无" in f.message
    assert "预算执行率为79.00%" in f.message


def test_empty_problems_with_nothing_lost_is_fine(suzhou):
    form = stated(with_indicator(clean_form(), "部门反馈满意度", actual="95%", self_score="12.5"))
    form = with_narrative(form, problems="无", recommendations="无")
    assert codes(run(form, suzhou)) == {"SE-IND-ALL-FULL"}


def test_narrative_number_contradicts_the_table(suzhou):
    form = with_narrative(clean_form(), implementation="全年问题处理率达 100%，运行平稳。")
    ev = run(form, suzhou)
    assert codes(ev) == {"SE-NARR-NUMBER-MISMATCH"}
    f = only(ev, "SE-NARR-NUMBER-MISMATCH")
    assert f.severity == "info"
    assert f.indicators == ("故障及时处理率",)
    assert "100%" in f.message and "故障及时处理率为98%" in f.message


def test_narrative_number_that_agrees_is_fine(suzhou):
    form = with_narrative(clean_form(), management_results="故障及时处理率达到98%。")
    assert run(form, suzhou).findings == []


def test_narrative_number_matching_its_own_indicator_is_not_compared_with_another(suzhou):
    form = with_indicator(
        clean_form(), "应用系统运营运维数", name="运维计划项目执行率", target=">=90%", actual="95%"
    )
    assert run(form, suzhou).findings == []
    form = with_narrative(form, implementation="全年预算执行率为100%，运维顺利。")
    assert "SE-NARR-NUMBER-MISMATCH" not in codes(run(form, suzhou))


# --- every check, every code -------------------------------------------------------------------


def unweighted(form, level1):
    """The form with no 分值 column, every row under one 一级 cell that prints its points."""
    return form.model_copy(update={"indicators": [
        i.model_copy(update={"weight": None, "level1": level1}) for i in form.indicators]})


def _triggers():
    """One small form per catalogue code that raises it."""
    c = clean_form()
    yaml_c = as_yaml_loaded(c)
    return {
        "SE-ARITH-QUOTA-BALANCE": with_money(c, quota_balance="5"),
        "SE-ARITH-FUND-BALANCE": with_money(c, fund_balance="1", carried_forward="1"),
        "SE-ARITH-CARRY-SPLIT": with_money(c, carried_forward="1"),
        "SE-ARITH-RECOVERED-OVER": with_money(c, quota_recovered="5"),
        "SE-ARITH-APPROPRIATED": with_money(c, use_appropriated="99"),
        "SE-ARITH-SUBITEM-BUDGET": with_sub_items(c, [("甲", "65", "60"), ("乙", "40", "40")]),
        "SE-ARITH-SUBITEM-ACTUAL": with_sub_items(c, [("甲", "60", "55"), ("乙", "40", "40")]),
        "SE-ARITH-WEIGHTS": stated(with_indicator(c, "立项程序规范性", weight="11", self_score="11")),
        "SE-ARITH-TOTAL": clean_form(stated_total="80"),
        # the two 产出 indicators weigh 25 under a cell that says 30
        "SE-ARITH-CATEGORY-POINTS": with_indicator(with_indicator(c, "应用系统运营运维数", level1="产出指标(30分)"),
                                                   "驻场运维周期", level1="产出指标(30分)"),
        "SE-PLAUS-ACTUAL-COMPARATOR": with_indicator(c, "应用系统运营运维数", actual="≥12 个"),
        "SE-WEIGHT-UNSTATED": with_indicator(unweighted(c, "指标(80分)"), "立项程序规范性", actual="较好"),
        "SE-READ-UNREAD-COLUMN": c.model_copy(update={"provenance": Provenance(
            unread=["line 12, column 10: 全年实际完成情况（2个值未读取：12个、11个月）"])}),
        "SE-READ-SKIPPED-ROWS": c.model_copy(update={"provenance": Provenance(skipped=["line 14: 指标1（模板占位行）"])}),
        "SE-READ-INFERRED": c.model_copy(update={"provenance": Provenance(
            inferred=["line 18, column 1: 一级指标“(50分)”按二级指标“数量指标”推定为产出指标"])}),
        "SE-READ-BAD-CELL": c.model_copy(update={"provenance": Provenance(
            degraded=["line 20, column 5: 培训人次 分值：“十”，应为数字"])}),
        # weights adding to 81 on an 80-point form: provisional, unrated, and said
        "SE-ARITH-OVER-FULL": stated(with_indicator(c, "立项程序规范性", weight="11", self_score="11")),
        "SE-ARITH-SCORE-RANGE": stated(with_indicator(c, "部门反馈满意度", self_score="13")),
        "SE-RATE-MISMATCH": with_spending(c, appropriated="95", paid="95"),
        "SE-RATE-ALT-BASIS": with_spending(c, appropriated="95", paid="95"),
        "SE-RATE-FULL-DESPITE-RECOVERY": with_money(
            with_spending(c, paid="99.8"), carried_forward="0", recovered="0.2"
        ),
        "SE-EXEC-SCORE-GAP": with_spending(c, paid="90"),
        "SE-EXEC-UNSPENT": with_spending(c, paid="79"),
        "SE-EXEC-SUBITEM-LOW": with_sub_items(c, [("甲", "60", "68.1"), ("乙", "40", "31.9")]),
        "SE-EXEC-SUBITEM-OVER": with_sub_items(c, [("甲", "60", "65"), ("乙", "40", "35")]),
        "SE-IND-RESCORE-DIFF": with_indicator(c, "立项程序规范性", actual="较好"),
        "SE-IND-SHORTFALL": with_indicator(c, "应用系统运营运维数", actual="9 个"),
        "SE-IND-FORMULAIC": _formulaic_form(5, 5),
        "SE-IND-ALL-FULL": stated(with_indicator(c, "部门反馈满意度", actual="95%", self_score="12.5")),
        "SE-IND-MISSING-ACTUAL": with_indicator(c, "应用系统运营运维数", actual=None),
        "SE-IND-MANUAL": with_indicator(c, "立项程序规范性", actual="基本符合要求"),
        "SE-IND-NO-DEVIATION-NOTE": with_indicator(yaml_c, "部门反馈满意度", deviation_note=None),
        "SE-IND-OVERACHIEVED": with_indicator(yaml_c, "应用系统运营运维数", actual="14 个"),
        "SE-PLAUS-QUAL-AS-PERCENT": with_indicator(c, "立项程序规范性", actual="100%"),
        "SE-PLAUS-TEXT-ACTUAL": with_indicator(c, "应用系统运营运维数", actual="完成"),
        "SE-PLAUS-COST-AT-LEAST": with_indicator(
            c, "应用系统运营运维数", name="单位运维成本", target="≥10 万元", actual="12 万元"
        ),
        "SE-PLAUS-RATE-OVER-100": with_indicator(c, "故障及时处理率", target=">=105%", actual="110%"),
        "SE-PLAUS-SATISFACTION": with_indicator(c, "部门反馈满意度", actual="105%"),
        "SE-PLAUS-DUPLICATE": with_indicator(c, "故障及时处理率", name="应用系统运营运维数"),
        "SE-PLAUS-YEAR": clean_form(year=2022),
        "SE-QUAL-NO-SURVEY": with_indicator(c, "部门反馈满意度", deviation_note="部分单位对响应时效不满意"),
        "SE-QUAL-MISPLACED": with_indicator(c, "应用系统运营运维数", level2="数量指标", name="资金支付率",
                                            target=">=90%", actual="95%"),
        "SE-QUAL-VAGUE-TARGET": with_indicator(c, "立项程序规范性", target="效果明显"),
        "SE-QUAL-MONEY-IN-GOAL": with_narrative(c, annual_goal="安排资金90万元，完成运维任务。"),
        "SE-QUAL-DATE": replace_fields(c, filled_on="2023-11-30"),
        "SE-QUAL-LOW-EXECUTION-NO-REASON": with_spending(c, paid="85"),
        # under a ruleset that asks for a 成本指标 (the national template's, from 2021)
        "SE-QUAL-NO-COST": (c, "national-2020"),
        "SE-QUAL-NARRATIVE-DENIES": with_narrative(
            with_indicator(c, "驻场运维周期", name="重大故障次数", target="<=0 次", actual="3 次"),
            implementation="全年未出现一次重大故障。"),
        "SE-NARR-EMPTY": with_narrative(c, problems="无"),
        "SE-NARR-NUMBER-MISMATCH": with_narrative(c, implementation="问题处理率达 100%"),
        # against the year before, as the record holds it
        "SE-HIST-TARGET-LOWERED": (with_indicator(c, "驻场运维周期", target=">=10 个", actual="12 个"), None,
                                   _last_year(with_indicator(c, "驻场运维周期", target=">=12 个", actual="13 个"))),
        "SE-HIST-UNFIXED": (with_narrative(c, problems="无", recommendations="暂无"), None,
                            _last_year(with_narrative(c, problems="无", recommendations="暂无"))),
    }


def _last_year(form):
    """What the record keeps of `form` reviewed as the year before (2022)."""
    from selfeval.assess.history import prior_year
    from selfeval.assess.rulesets import load_ruleset

    ev = review(replace_fields(form, year=2022), load_ruleset("suzhou-2023"))
    return prior_year(ev, ref="2022-review")


TRIGGERS = _triggers()


def test_every_catalogue_code_has_a_trigger():
    assert set(TRIGGERS) == set(CATALOGUE)


def trigger(code, suzhou):
    """A trigger's review inputs (form, ruleset, previous year): a form under suzhou-2023, or
    (form, ruleset name), or (form, None, the previous year from the record)."""
    from selfeval.assess.rulesets import load_ruleset

    found = TRIGGERS[code]
    if not isinstance(found, tuple):
        return found, suzhou, None
    return found[0], suzhou if found[1] is None else load_ruleset(found[1]), (found[2] if len(found) > 2 else None)


@pytest.mark.parametrize("code", sorted(TRIGGERS))
def test_trigger_raises_its_code_with_the_catalogue_severity(suzhou, code):
    form, ruleset, previous = trigger(code, suzhou)
    ev = review(form, ruleset, previous=previous)
    f = only(ev, code)
    expected = CATALOGUE[code]["severity"]
    assert f.severity == expected
    assert f.title == CATALOGUE[code]["title"]
    assert f.message and "{" not in f.message and "}" not in f.message
    # an error is always the form's own arithmetic
    for g in ev.findings:
        if g.severity == "error":
            assert CATALOGUE[g.code]["area"] == "arithmetic", g.code
    # findings come sorted by severity
    order = [SEVERITIES.index(g.severity) for g in ev.findings]
    assert order == sorted(order)


def test_every_registered_check_is_exercised(suzhou):
    # reviewed, so a check that reads the others' findings (last year's problems found again) has them
    evs = [review(f, rs, previous=prev) for f, rs, prev in (trigger(code, suzhou) for code in TRIGGERS)]
    silent = [chk.__name__ for chk in CHECKS if not any(list(chk(ev)) for ev in evs)]
    assert silent == []


def test_every_check_is_silent_on_the_clean_form(suzhou):
    for form in (clean_form(), as_yaml_loaded(clean_form())):
        ev = score_form(form, suzhou)
        assert {chk.__name__: list(chk(ev)) for chk in CHECKS} == {chk.__name__: [] for chk in CHECKS}


# --- the seed (rules.md §3, expected on the seed) ----------------------------------------------


@pytest.fixture(scope="module")
def seed_review(seed_form, suzhou):
    return review(seed_form, suzhou)


def test_seed_no_errors(seed_review):
    assert [f.code for f in seed_review.findings if f.severity == "error"] == []
    assert finding_counts(seed_review)["error"] == 0


def test_seed_funding_rate_mismatch(seed_review):
    f = only(seed_review, "SE-RATE-MISMATCH")
    assert f.severity == "warning"
    assert f.indicators == ("资金到位率",)
    assert "88.65%" in f.message and "265.92" not in f.message  # said once, by the next finding
    [rate] = f.evidence["rates"]
    assert round(rate["recomputed_value"], 4) == D("88.6538")
    assert (rate["numerator"], rate["denominator"]) == (D("2077.78"), D("2343.7"))
    assert rate["review_score"] == D("0.43")
    assert f.evidence["quota_recovered"] == D("265.92")


def test_seed_execution_rate_on_the_other_basis(seed_review):
    f = only(seed_review, "SE-RATE-ALT-BASIS")
    assert f.severity == "info"
    assert f.indicators == ("预算执行率",)
    assert "99.99%" in f.message and "88.65%" in f.message
    [rate] = f.evidence["rates"]
    assert round(rate["recomputed_value"], 4) == D("99.9913")
    assert round(rate["alt_value"], 4) == D("88.6462")


def test_seed_sub_items_under_80_percent(seed_review):
    f = only(seed_review, "SE-EXEC-SUBITEM-LOW")
    assert f.severity == "warning"
    assert "56.68%" in f.message and "67.63%" in f.message
    assert [n for n, _ in f.evidence["sub_items"]] == ["基础设施备品备件及其他", "往年尾款及待配套"]


def test_seed_formulaic(seed_review):
    f = only(seed_review, "SE-IND-FORMULAIC")
    assert f.severity == "warning"
    assert (f.evidence["at"], f.evidence["count"]) == (11, 12)
    assert "12个项目指标中有11个" in f.message
    assert len(f.indicators) == 11 and "基础云平台重大故障次数" not in f.indicators


def test_seed_score_gap(seed_review):
    f = only(seed_review, "SE-EXEC-SCORE-GAP")
    assert f.severity == "warning"
    assert "80.00/80" in f.message and "88.65%" in f.message
    assert f.evidence["self_total"] == D(80) and f.evidence["full_marks"] == D(80)
    assert round(f.evidence["execution_value"], 4) == D("88.6462")


def test_seed_qualitative_as_percent(seed_review):
    f = only(seed_review, "SE-PLAUS-QUAL-AS-PERCENT")
    assert f.severity == "info"
    assert f.evidence["count"] == 12 and f.evidence["example"] == "100%"


def test_seed_narrative_number_mismatch(seed_review):
    f = only(seed_review, "SE-NARR-NUMBER-MISMATCH")
    assert f.severity == "info"
    assert f.indicators == ("故障及时处理率",)
    assert "100%" in f.message and "99%" in f.message


def test_seed_full_marks_and_recovery_warnings(seed_review):
    assert only(seed_review, "SE-IND-ALL-FULL").evidence["count"] == 23
    assert only(seed_review, "SE-RATE-FULL-DESPITE-RECOVERY").indicators == ("资金到位率", "预算执行率")


def test_seed_totals(seed_review):
    assert seed_review.self_total == D(80)
    assert seed_review.rescore_total == D(80)
    assert seed_review.review_total == D("79.43")
    assert seed_review.rating == "优"
    assert not seed_review.provisional


def test_seed_totals_with_execution_rate_option(seed_form, suzhou):
    rs = suzhou.with_options(rate_indicators={"资金到位率": "funding_rate", "预算执行率": "execution_rate"})
    ev = review(seed_form, rs)
    assert ev.review_total == D("74.89")
    assert ev.result("预算执行率").review.score == D("3.46")
    m = only(ev, "SE-RATE-MISMATCH")
    assert m.indicators == ("资金到位率", "预算执行率")
    assert "SE-RATE-ALT-BASIS" not in codes(ev)
    assert [f.code for f in ev.findings if f.severity == "error"] == []


def test_sub_item_over_budget_names_the_overspend(suzhou):
    ev = run(with_sub_items(clean_form(), [("甲", "60", "65"), ("乙", "40", "35")]), suzhou)
    f = only(ev, "SE-EXEC-SUBITEM-OVER")
    assert f.severity == "warning" and "甲（预算60万元，实际65万元，超出5万元）" in f.message
    assert "乙" not in f.message


def test_sub_item_spent_exactly_its_budget_is_not_over(suzhou):
    ev = run(with_sub_items(clean_form(), [("甲", "60", "60"), ("乙", "40", "40")]), suzhou)
    assert "SE-EXEC-SUBITEM-OVER" not in codes(ev)


def test_weights_over_full_marks_leave_the_result_unrated(suzhou):
    form = stated(with_indicator(clean_form(), "立项程序规范性", weight="11", self_score="11"))
    ev = run(form, suzhou)
    assert ev.provisional and ev.rating is None and ev.rating_text == "待定" and ev.rating_bands == ()
    assert "over_full" in ev.unsettled
    f = only(ev, "SE-ARITH-OVER-FULL")
    assert f.kind == "pending" and f.holds_rating
    assert "81" in f.message and "80" in f.message
    assert not run(clean_form(), suzhou).provisional  # a form within its marks keeps its rating


def test_points_in_a_category_cell_are_checked_against_its_weights(suzhou):
    both = lambda label: with_indicator(with_indicator(clean_form(), "应用系统运营运维数", level1=label),  # noqa: E731
                                        "驻场运维周期", level1=label)
    assert "SE-ARITH-CATEGORY-POINTS" not in codes(run(both("产出指标(25分)"), suzhou))
    f = only(run(both("产出指标（30分）"), suzhou), "SE-ARITH-CATEGORY-POINTS")
    assert "产出指标（30分）下各指标分值合计25分" in f.message
    assert [(a, b, c) for a, b, c in f.evidence["groups"]] == [("产出指标（30分）", D(30), D(25))]


def test_an_actual_with_a_comparator_is_scored_on_its_number_and_said(suzhou):
    plain = run(with_indicator(clean_form(), "应用系统运营运维数", actual="12 个"), suzhou)
    bound = run(with_indicator(clean_form(), "应用系统运营运维数", actual="≥12 个"), suzhou)
    assert [r.rescore.score for r in bound.indicators] == [r.rescore.score for r in plain.indicators]
    f = only(bound, "SE-PLAUS-ACTUAL-COMPARATOR")
    assert f.severity == "warning" and "应用系统运营运维数（实际“≥12 个”，按12计）" in f.message
    assert "SE-PLAUS-ACTUAL-COMPARATOR" not in codes(plain)


# --- quality of what the unit wrote (SE-QUAL-*) ------------------------------------------------


@pytest.fixture(scope="module")
def national():
    from selfeval.assess.rulesets import load_ruleset

    return load_ruleset("national-2020")


def test_satisfaction_without_a_survey(suzhou):
    ev = run(clean_form(), suzhou)  # the clean form's 满意度 says 问卷样本 in its 偏差原因
    assert "SE-QUAL-NO-SURVEY" not in codes(ev)
    bare = with_indicator(clean_form(), "部门反馈满意度", deviation_note="部分单位对响应时效不满意")
    f = only(run(bare, suzhou), "SE-QUAL-NO-SURVEY")
    assert f.indicators == ("部门反馈满意度",) and "部门反馈满意度（85%）" in f.message
    with_survey = with_narrative(bare, implementation="年底发放问卷120份，回收115份。")
    assert "SE-QUAL-NO-SURVEY" not in codes(run(with_survey, suzhou))


def test_an_indicator_that_does_not_fit_its_level2(suzhou):
    form = with_indicator(clean_form(), "驻场运维周期", level2="时效指标", name="驻场运维人数", target=">=10 人",
                          actual="11 人")
    f = only(run(form, suzhou), "SE-QUAL-MISPLACED")
    assert "驻场运维人数（列于时效指标" in f.message
    timely = with_indicator(clean_form(), "驻场运维周期", level2="时效指标")  # 周期: time
    assert "SE-QUAL-MISPLACED" not in codes(run(timely, suzhou))
    money = with_indicator(clean_form(), "应用系统运营运维数", level2="数量指标", name="资金支付率",
                           target=">=90%", actual="95%")
    assert "“支付率”" in only(run(money, suzhou), "SE-QUAL-MISPLACED").message
    reserve = with_indicator(clean_form(), "应用系统运营运维数", level2="数量指标", name="储备粮到位率",
                             target=">=90%", actual="95%")
    assert "SE-QUAL-MISPLACED" not in codes(run(reserve, suzhou))


@pytest.mark.parametrize(("target", "fires"), [("效果明显", True), ("有所提高", True), ("显著提升", True),
                                               ("规范", False), ("提高10%", False), ("明显改善", True)])
def test_vague_targets(suzhou, target, fires):
    form = with_indicator(clean_form(), "立项程序规范性", target=target)
    assert ("SE-QUAL-VAGUE-TARGET" in codes(run(form, suzhou))) is fires


def test_money_in_goals(suzhou):
    form = with_narrative(clean_form(), annual_goal="安排资金90万元，完成运维任务。")
    assert "年度绩效目标写有90万元" in only(run(form, suzhou), "SE-QUAL-MONEY-IN-GOAL").message
    assert "SE-QUAL-MONEY-IN-GOAL" not in codes(run(with_narrative(clean_form(), annual_goal="完成运维任务。"), suzhou))


def test_low_execution_without_a_reason(suzhou):
    low = with_spending(clean_form(), paid="85")
    assert "SE-QUAL-LOW-EXECUTION-NO-REASON" in codes(run(low, suzhou))
    said = with_narrative(low, problems="部分合同尾款未支付，已结转下年。")
    assert "SE-QUAL-LOW-EXECUTION-NO-REASON" not in codes(run(said, suzhou))
    assert "SE-QUAL-LOW-EXECUTION-NO-REASON" not in codes(run(with_spending(clean_form(), paid="95"), suzhou))


def test_a_narrative_that_denies_what_the_table_counts(suzhou):
    form = with_indicator(clean_form(), "驻场运维周期", name="重大故障次数", target="<=0 次", actual="3 次")
    said = with_narrative(form, implementation="全年系统运行平稳，未出现一次重大故障。")
    f = only(run(said, suzhou), "SE-QUAL-NARRATIVE-DENIES")
    assert "未出现一次重大故障" in f.message and "重大故障次数实际为3 次" in f.message
    assert "SE-QUAL-NARRATIVE-DENIES" not in codes(run(form, suzhou))


def test_no_cost_indicator_from_its_year(national):
    from builders import national_form

    form = national_form()  # 人均培训成本 under 成本指标
    assert "SE-QUAL-NO-COST" not in codes(review(form, national))
    without = national_form(indicators=[i for i in national_form().indicators if i.name != "人均培训成本"])
    assert "SE-QUAL-NO-COST" in codes(review(without, national))
    assert "SE-QUAL-NO-COST" not in codes(review(without.model_copy(update={"year": 2020}), national))


def test_a_form_filled_before_its_year_ended(suzhou):
    import datetime as dt

    from selfeval.layouts.reader import Grid, filled_on

    early = replace_fields(clean_form(), filled_on="2023-12-20")
    assert "2023-12-20" in only(run(early, suzhou), "SE-QUAL-DATE").message
    assert "SE-QUAL-DATE" not in codes(run(replace_fields(clean_form(), filled_on="2024-01-15"), suzhou))
    grid = Grid([["单位名称:区商务局", "", "填报日期:2021年4月22日"], ["项目名称", "x"]], [1, 2], "x.txt")
    assert filled_on(grid) == dt.date(2021, 4, 22)
    assert filled_on(Grid([["填报日期", "2021年2月30日"]], [1], "x.txt")) is None  # no such day


def test_each_catalogue_code_has_exactly_one_check_that_raises_it():
    from collections import Counter

    owners = Counter(code for chk in CHECKS for code in chk.codes)
    assert set(owners) == set(CATALOGUE)
    assert [code for code, n in owners.items() if n != 1] == []
    assert len({chk.__name__ for chk in CHECKS}) == len(CHECKS)


def test_a_finding_its_check_does_not_declare_is_refused(monkeypatch, suzhou):
    import selfeval.assess.checks as checks
    from selfeval.assess.checks.common import raises
    from selfeval.assess.findings import make_finding

    @raises("SE-ARITH-TOTAL")
    def stray(ev):
        yield make_finding("SE-IND-MANUAL", items="x", status="")  # not SE-ARITH-TOTAL

    monkeypatch.setattr(checks, "CHECKS", (stray,))
    with pytest.raises(AssertionError, match="stray raised SE-IND-MANUAL, which it does not declare"):
        checks.review(clean_form(), suzhou)
