"""Golden test: the seed form, every value exactly, and its worked result (rules.md §1)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from selfeval.assess.scoring import check_weights, round_half_up, score_form
from selfeval.form.model import Category

D = Decimal

HEADER = {
    "project_name": "电子政务项目运行维护资金",
    "year": 2023,
    "department": "苏州市信息中心",
    "implementing_unit": None,
    "layout": "suzhou",
}

MONEY = {
    "initial_budget": "2343.7",
    "adjustment": "0",
    "appropriated": "2077.78",
    "quota_balance": "265.92",
    "quota_recovered": "265.92",
    "use_appropriated": "2077.78",
    "paid": "2077.6",
    "fund_balance": "0.18",
    "carried_forward": "0",
    "recovered": "0.18",
}

SUB_ITEMS = [
    ("基础设施备品备件及其他", "292", "165.5002"),
    ("往年尾款及待配套", "336.5", "227.582795"),
    ("应用系统运维", "70.2", "69.522"),
    ("短信使用及识别认证", "210", "204.105173"),
    ("基础设施续保及运维", "1435", "1410.894"),
]

DEC, PRO, OUT, RES, SAT = "decision", "process", "output", "outcome", "satisfaction"
# category, name, target, weight, actual, self_score
INDICATORS = [
    (DEC, "立项程序规范性", "规范", "1", "100%", "1"),
    (DEC, "立项依据充分性", "充分", "1", "100%", "1"),
    (DEC, "绩效指标明确性", "明确", "1", "100%", "1"),
    (DEC, "绩效目标合理性", "合理", "1", "100%", "1"),
    (DEC, "预算编制科学性", "科学", "1", "100%", "1"),
    (DEC, "资金分配合理性", "合理", "1", "100%", "1"),
    (PRO, "资金到位率", "=100%", "1", "100%", "1"),
    (PRO, "资金使用合规性", "合规", "4", "100%", "4"),
    (PRO, "预算执行率", "=100%", "8", "100%", "8"),
    (PRO, "制度执行有效性", "有效", "4", "100%", "4"),
    (PRO, "管理制度健全性", "健全", "2", "100%", "2"),
    (OUT, "应用系统运营运维数", ">=3 个", "4.58", "3 个", "4.58"),
    (OUT, "驻场运维人数", ">=30 人", "4.62", "30 人", "4.62"),
    (OUT, "驻场运维考核次数", "=4 次", "4.58", "4 次", "4.58"),
    (OUT, "运维计划项目执行率", ">=90%", "4.58", "90%", "4.58"),
    (OUT, "驻场运维周期", "<=12 个月", "4.58", "12 个月", "4.58"),
    (RES, "应用系统运行稳定性", "稳定", "4.58", "100%", "4.58"),
    (RES, "基础云平台重大故障次数", "<=2 次", "4.58", "0 次", "4.58"),
    (RES, "故障及时处理率", ">=99%", "4.58", "99%", "4.58"),
    (RES, "短信发送成功率", ">=99%", "4.58", "99%", "4.58"),
    (RES, "机房运维规范", "完善", "4.58", "100%", "4.58"),
    (RES, "驻场运维人员稳定性", "稳定", "4.58", "100%", "4.58"),
    (SAT, "部门反馈满意度", ">=95%", "4.58", "95%", "4.58"),
]


@pytest.fixture(scope="module")
def evaluation(seed_form, suzhou):
    return score_form(seed_form, suzhou)


def test_header(seed_form):
    for field, value in HEADER.items():
        assert getattr(seed_form, field) == value, field
    assert seed_form.full_marks == D("80")
    assert seed_form.stated_total == D("80")


@pytest.mark.parametrize("field", sorted(MONEY))
def test_money(seed_form, field):
    value = getattr(seed_form.money, field)
    assert isinstance(value, Decimal)
    assert str(value) == MONEY[field]


def test_money_budget_identities(seed_form):
    m = seed_form.money
    assert m.budget == D("2343.7")
    assert m.initial_budget + m.adjustment - m.appropriated == m.quota_balance
    assert m.appropriated - m.paid == m.fund_balance == m.carried_forward + m.recovered
    assert m.quota_recovered <= m.quota_balance


def test_sub_items(seed_form):
    got = [(s.name, str(s.budget), str(s.actual)) for s in seed_form.sub_items]
    assert got == SUB_ITEMS
    assert str(seed_form.sub_items_budget_total) == "2343.7"
    assert str(seed_form.sub_items_actual_total) == "2077.604168"
    assert sum((s.budget for s in seed_form.sub_items), D(0)) == seed_form.sub_items_budget_total
    assert sum((s.actual for s in seed_form.sub_items), D(0)) == seed_form.sub_items_actual_total


def test_indicators(seed_form):
    got = [
        (i.category.value, i.name, i.target.raw, str(i.weight), i.actual, str(i.self_score))
        for i in seed_form.indicators
    ]
    assert got == INDICATORS
    assert len(got) == 23
    assert sum((i.weight for i in seed_form.indicators), D(0)) == D(80)


def test_targets_parsed(seed_form):
    t = {i.name: i.target for i in seed_form.indicators}
    assert (t["资金到位率"].comparator, t["资金到位率"].value, t["资金到位率"].unit) == ("equal", D(100), "%")
    assert (t["驻场运维周期"].comparator, t["驻场运维周期"].value, t["驻场运维周期"].unit) == (
        "at_most",
        D(12),
        "个月",
    )
    assert t["驻场运维人数"].comparator == "at_least" and t["驻场运维人数"].unit == "人"
    assert [n for n, x in t.items() if x.kind == "qualitative"] == [
        "立项程序规范性",
        "立项依据充分性",
        "绩效指标明确性",
        "绩效目标合理性",
        "预算编制科学性",
        "资金分配合理性",
        "资金使用合规性",
        "制度执行有效性",
        "管理制度健全性",
        "应用系统运行稳定性",
        "机房运维规范",
        "驻场运维人员稳定性",
    ]


def test_every_rescore_equals_self_score(evaluation):
    for r in evaluation.indicators:
        assert r.rescore.status == "scored", r.indicator.name
        assert r.rescore.score == r.indicator.self_score, r.indicator.name


def test_totals(evaluation):
    assert evaluation.self_total == D("80.00")
    assert evaluation.rescore_total == D("80.00")
    assert evaluation.review_total == D("79.43")
    assert str(round_half_up(evaluation.review_total)) == "79.43"
    assert evaluation.full_marks == D(80)
    assert evaluation.provisional is False
    assert evaluation.rating == "优"
    assert evaluation.self_rating == "优"


def test_rates_to_four_decimals(evaluation):
    r = evaluation.rates
    assert round_half_up(r.funding_rate, 4) == D("88.6538")
    assert round_half_up(r.payment_rate, 4) == D("99.9913")
    assert round_half_up(r.execution_rate, 4) == D("88.6462")
    # the two that both display as 88.65 % differ at 4 decimals
    assert round_half_up(r.funding_rate) == round_half_up(r.execution_rate) == D("88.65")


def test_review_scores(evaluation):
    funding = evaluation.result("资金到位率")
    assert funding.review_source == "recomputed"
    assert funding.accepted_actual == "88.65%"
    assert funding.review.score == D("0.43")  # 11.35 points short → 56.73 % off 1
    assert funding.rescore.score == D("1")
    execution = evaluation.result("预算执行率")
    assert execution.review_source == "recomputed"
    assert execution.accepted_actual == "99.99%"
    assert execution.review.score == D("8.00")
    others = [r for r in evaluation.indicators if r.indicator.name not in ("资金到位率", "预算执行率")]
    assert len(others) == 21
    for r in others:
        assert r.review_source == "claimed"
        assert r.review.score == r.indicator.self_score, r.indicator.name


def test_review_with_execution_rate_option(seed_form, suzhou):
    alt = suzhou.with_options(rate_indicators={"资金到位率": "funding_rate", "预算执行率": "execution_rate"})
    ev = score_form(seed_form, alt)
    assert ev.result("预算执行率").review.score == D("3.46")  # 88.65 % → 3.46 of 8
    assert ev.result("预算执行率").accepted_actual == "88.65%"
    assert ev.result("资金到位率").review.score == D("0.43")
    assert ev.review_total == D("74.89")
    assert ev.rescore_total == D("80.00")
    assert ev.rating == "优"  # 74.89 / 80 = 93.6 %


def test_category_totals(evaluation):
    per = {}
    for r in evaluation.indicators:
        per.setdefault(r.indicator.category, D(0))
        per[r.indicator.category] += r.indicator.weight
    assert per == {
        Category.decision: D(6),
        Category.process: D(19),
        Category.output: D("22.94"),
        Category.outcome: D("27.48"),
        Category.satisfaction: D("4.58"),
    }
    pool = per[Category.output] + per[Category.outcome] + per[Category.satisfaction]
    assert pool == D(55)


def test_seed_weights_follow_the_pool_rule(seed_form, suzhou):
    assert check_weights(seed_form, suzhou) == []
