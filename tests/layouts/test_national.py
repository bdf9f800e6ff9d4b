"""The national 10 + 90 scheme (财政部 项目支出绩效自评表, rules.md §2): both layouts from text,
workbook and YAML, the national-2020 ruleset, its review checks (each raised and silent), and the
report, index row and CLI for a national form.

Synthetic forms are built with the model (`national_form`) and written with `dump_national_text`,
so every loader test is also a round trip.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from builders import national_form, replace_fields, with_indicator, with_narrative

from selfeval.assess.checks import review
from selfeval.assess.checks.indicators import notes_possible
from selfeval.assess.choice import ruleset_for
from selfeval.assess.decisions import Decision
from selfeval.assess.findings import CATALOGUE
from selfeval.assess.rulesets import available_rulesets, load_ruleset
from selfeval.assess.scoring import assess, rating_for, resolve_weights, score_form
from selfeval.cli import main
from selfeval.errors import DecisionsError, FormError, RulesetError
from selfeval.form.model import Form, Indicator, MoneyBlock, Provenance, SubItem
from selfeval.form.values import parse_actual
from selfeval.layouts.national import detect as detect_national
from selfeval.layouts.national import dump_national_text
from selfeval.layouts.reader import Grid
from selfeval.loaders import dump_yaml, load_form, parse_grid
from selfeval.loaders.text import text_to_grid

D = Decimal
EXAMPLES = Path(__file__).resolve().parents[2] / "selfeval" / "examples"
PARAMS = Path(__file__).resolve().parents[2] / "params"
VARIANTS = ["template", "common"]


@pytest.fixture(scope="module")
def national():
    return load_ruleset("national-2020")


def with_funds(form: Form, total: dict[str, str | None] | None = None,
               sources: list[tuple[str, str | None, str | None, str | None]] | None = None) -> Form:
    """The form with its 年度资金总额 row and/or funding sources (name, 年初, 全年, 执行) replaced."""
    changes: dict[str, Any] = {}
    if total is not None:
        money = {k: v for k, v in form.money.model_dump().items() if k != "paid"}
        money.update(total)
        changes["money"] = MoneyBlock(**money)
    if sources is not None:
        changes["sub_items"] = [SubItem(name=n, initial_budget=i, budget=b, actual=a) for n, i, b, a in sources]
    return form.model_copy(update=changes)


def codes(ev) -> set[str]:
    return {f.code for f in ev.findings}


def only(ev, code: str):
    hits = [f for f in ev.findings if f.code == code]
    assert len(hits) == 1, (code, [f.code for f in ev.findings])
    return hits[0]


def as_text(form: Form, variant: str, tmp_path: Path, name: str = "form.txt", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(dump_national_text(form, variant).encode(encoding))
    return path


def grid_of(text: str, source: str = "mem.txt") -> Grid:
    return text_to_grid(text, source)


def parse_text(text: str) -> Form:
    return parse_grid(grid_of(text), Provenance(path="mem.txt"))


def refused(text: str) -> FormError:
    with pytest.raises(FormError) as info:
        parse_grid(grid_of(text), Provenance(path="mem.txt"))
    return info.value


# --- ruleset --------------------------------------------------------------------------------------


def test_national_ruleset_values(national):
    assert "national-2020" in available_rulesets()
    assert national.applies_to.layouts == ["national"]
    assert national.applies_to.states == {"budget_weight": [D(10), None]}
    assert national.full_marks == D(100)
    assert (national.budget_score.weight, national.budget_score.rate) == (D(10), "execution_rate")
    assert national.weights.default_split == {"output": D(50), "outcome": D(30), "satisfaction": D(10)}
    assert national.weights.allocation == "fixed"
    assert [(b.rating, b.min_share) for b in national.rating_bands] == [
        ("优", D(90)), ("良", D(80)), ("中", D(60)), ("差", D(0))]
    q = national.qualitative
    assert q.mode == "tiers"
    assert [(n, t.low, t.high) for n, t in q.tiers.items()] == [
        ("达成年度指标", D(80), D(100)), ("部分达成并具有一定效果", D(60), D(80)), ("未达成且效果较差", D(0), D(60))]
    for rule in national.rules.values():
        assert (rule.full_to, rule.over_deduction, rule.shortfall_basis, rule.at_most) == (None, 0, "ratio", "inverse")


def test_tiers_must_be_ordered_and_defaults_inside(tmp_path):
    data = yaml.safe_load((EXAMPLES.parent / "rulesets" / "national-2020.yaml").read_text("utf-8"))
    tiers = data["qualitative"]["tiers"]
    data["qualitative"]["tiers"] = dict(reversed(list(tiers.items())))
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesetError, match="highest first"):
        load_ruleset(str(path))
    data["qualitative"]["tiers"] = tiers
    tiers["达成年度指标"]["default"] = 50
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesetError, match=r"qualitative\.tiers"):
        load_ruleset(str(path))


# --- detection and loading ------------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_text_round_trip_both_variants(variant, tmp_path):
    form = national_form()
    loaded = load_form(as_text(form, variant, tmp_path))
    assert loaded.layout == "national"
    assert loaded.content() == form.content()
    assert any(("财政部模板" if variant == "template" else "通用变体") in n for n in loaded.provenance.notes)


def test_detection_and_ruleset_choice(tmp_path, seed_form, seed_text):
    text = dump_national_text(national_form())
    assert detect_national(grid_of(text)).confidence == 1
    assert detect_national(grid_of(seed_text)).confidence < 0.5
    form = load_form(as_text(national_form(), "template", tmp_path))
    assert ruleset_for(form).name == "national-2020"
    assert ruleset_for(seed_form).name == "suzhou-2023"


def test_template_fields(tmp_path):
    form = load_form(EXAMPLES / "national_farmland.txt")
    assert (form.project_name, form.year, form.department, form.implementing_unit) == (
        "高标准农田建设补助资金", 2023, "某省农业农村厅", "某省农田建设管理中心")
    m = form.money
    assert (m.initial_budget, m.full_year_budget, m.executed, m.paid, m.stated_execution_rate) == (
        D(1200), D(1350), D("1236.8"), D("1236.8"), D("91.61"))
    assert m.budget == D(1350)  # 全年预算数 is the year's budget
    assert (form.budget_weight, form.budget_self_score) == (D(10), D(10))
    assert [(s.name, s.initial_budget, s.budget, s.actual) for s in form.sub_items] == [
        ("本年财政拨款", D(1200), D(1200), D("1150.3")), ("上年结转资金", D(0), D(150), D("86.5")),
        ("其他资金", None, None, None)]
    assert (form.full_marks, form.stated_total) == (D(100), D(98))
    ind = form.indicator("新增高效节水灌溉面积")
    assert (ind.category, ind.level1, ind.level2, ind.target.raw, ind.actual, ind.weight, ind.self_score) == (
        "output", "产出指标", "数量指标", "≥1.5万亩", "1.35万亩", D(10), D(9))
    assert ind.deviation_note.startswith("部分项目区受汛期影响")
    assert form.indicator("亩均建设成本").level2 == "成本指标"
    assert form.indicator("农业生产条件").target.kind == "qualitative"
    assert form.narrative.annual_goal.startswith("新建高标准农田5万亩")
    assert form.narrative.implementation.startswith("建成高标准农田5.2万亩")


def test_common_variant_fields():
    form = load_form(EXAMPLES / "national_culture.txt")
    assert form.layout == "national"
    assert not form.weights_given  # 权重 left blank: the default split applies when scored
    ind = form.indicator("基层文化设施达标率")
    assert (ind.target.comparator, ind.target.value, ind.target.unit, ind.actual) == ("at_least", D(90), "%", "86%")
    assert form.indicator("送戏下乡场次").actual == "126场"  # 度量单位 applies to the actual
    assert form.indicator("免费开放场馆数量").target.comparator == "equal"
    q = form.indicator("基层文化服务长效机制")
    assert (q.target.kind, q.target.raw, q.actual) == ("qualitative", "逐步健全", "基本达成")
    assert form.indicator("资金下达及时率").actual is None  # "/" is not applicable
    assert form.indicator("群众满意度").deviation_note.startswith("满意度调查")  # 原因 column
    assert form.budget_note.startswith("部分乡镇文化站")
    assert form.stated_total is None and form.full_marks == D(100)
    assert [(s.name, s.budget) for s in form.sub_items] == [("财政拨款", D(800)), ("上年结转资金", None),
                                                            ("其他资金", None)]


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-8-sig"])
def test_encodings(encoding, tmp_path):
    form = national_form()
    assert load_form(as_text(form, "common", tmp_path, encoding=encoding)).content() == form.content()


@pytest.mark.parametrize("variant", VARIANTS)
def test_yaml_round_trip(variant, tmp_path):
    text_form = load_form(as_text(national_form(), variant, tmp_path))
    path = tmp_path / "form.yaml"
    path.write_text(dump_yaml(text_form), encoding="utf-8")
    assert "&id" not in path.read_text(encoding="utf-8")  # paid = executed written as two plain values
    yaml_form = load_form(path)
    assert yaml_form.content() == text_form.content()
    assert ruleset_for(yaml_form).name == "national-2020"
    assert review(yaml_form, ruleset_for(yaml_form)).review_total == review(
        text_form, ruleset_for(text_form)).review_total


def test_hand_written_yaml_with_executed_only(tmp_path, national):
    path = tmp_path / "hand.yaml"
    path.write_text(
        "project_name: 手写项目\nyear: 2023\nlayout: national\n"
        "money: {initial_budget: 50, full_year_budget: 60, executed: 45}\n"
        "indicators:\n"
        "  - {category: output, name: 数量, target: '≥10个', actual: 10个}\n"
        "  - {category: outcome, name: 效益, target: 明显, actual: 达成}\n"
        "  - {category: satisfaction, name: 满意度, target: '≥90%', actual: 90%}\n",
        encoding="utf-8")
    form = load_form(path)
    assert form.money.paid == D(45) and not form.weights_given
    ev = review(form, ruleset_for(form))
    assert ev.ruleset is national
    assert [r.indicator.weight for r in ev.indicators] == [D(50), D(30), D(10)]
    assert ev.budget_score.score == D("7.50")  # 45 / 60 × 10
    assert ev.review_total == D("97.50")


def test_yaml_paid_and_executed_must_agree(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("project_name: x\nyear: 2023\nlayout: national\nmoney: {executed: 45, paid: 40}\n",
                    encoding="utf-8")
    with pytest.raises(FormError) as info:
        load_form(path)
    assert "money" in str(info.value) and "differ" in str(info.value)


def test_not_applicable_cells_read_as_blank():
    text = dump_national_text(national_form(), "template")
    text = text.replace("\t上年结转资金\t\t\t\t—\t—\t—", "\t上年结转资金\t/\t／\t—\t—\t—\t—")
    text = text.replace("学员满意度\t≥90%\t85%\t10\t9.44", "学员满意度\t≥90%\t——\t10\t/")
    form = parse_grid(grid_of(text), Provenance(path="mem.txt"))
    src = form.sub_items[1]
    assert (src.initial_budget, src.budget, src.actual) == (None, None, None)
    ind = form.indicator("学员满意度")
    assert (ind.actual, ind.self_score) == (None, None)


def test_rate_cell_as_fraction_and_total_row_in_order():
    text = dump_national_text(national_form(), "template").replace("\t100%\t10\n", "\t1\t10\n")
    lines = text.splitlines()
    lines[-1] = "总分\t100\t99.44"  # the two numbers off their columns: read in order
    form = parse_grid(grid_of("\n".join(lines)), Provenance(path="mem.txt"))
    assert form.money.stated_execution_rate == D(100)
    assert (form.full_marks, form.stated_total) == (D(100), D("99.44"))
    assert any("按 100% 读取" in n for n in form.provenance.notes)


def test_year_from_a_label_instead_of_the_title():
    text = dump_national_text(national_form()).replace("（2023年度）", "年度\t2022年")
    assert parse_grid(grid_of(text), Provenance()).year == 2022


# --- errors name file, row and field ---------------------------------------------------------------


def test_bad_money_cell_is_located():
    text = dump_national_text(national_form()).replace("本年财政拨款\t100\t100\t100", "本年财政拨款\t100\t100\t一百")
    form = parse_text(text)  # one amount never refuses the form: it is not stated, and said
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "一百" in row)
    (cell,) = form.provenance.degraded
    assert cell.startswith(f"line {line}, column 5: 本年财政拨款 全年执行数：“一百”")
    assert form.sub_items[0].actual is None


def test_every_bad_indicator_cell_at_once(national):
    text = dump_national_text(national_form(), "common")
    text = text.replace("培训人次\t≥\t1000", "培训人次\t约\t1000")
    text = text.replace("人均培训成本\t≤\t800\t元\t760\t25", "人均培训成本\t≤\t800\t元\t760\t二十五")
    form = parse_text(text)  # value cells degrade, each named with its place
    assert [c.split("：")[0].split(": ")[1] for c in form.provenance.degraded] == ["培训人次 指标性质", "人均培训成本 权重"]
    assert all(c.startswith("line ") and ", column " in c for c in form.provenance.degraded)
    assert form.indicator("培训人次").target.kind == "unreadable"
    # a 一级 label no 二级 explains is structure: refused
    bad = text.replace("\t效益指标\t社会效益指标", "\t效率指标\t其他指标")
    (p,) = refused(bad).problems
    assert p.field == "一级指标" and p.seen == "效率指标"


def test_a_lost_level1_label_is_inferred_from_its_level2(national):
    text = dump_national_text(national_form())
    lost = text.replace("\t效益指标\t", "\t(30分)\t", 1)
    form = parse_text(lost)
    assert form.indicator("培训合格率").category == "outcome" and form.indicator("培训合格率").level1 == "(30分)"
    (note,) = form.provenance.inferred
    assert "“(30分)”按二级指标“社会效益指标”推定为效益指标" in note
    ev = review(form, national)
    assert "SE-READ-INFERRED" in codes(ev) and ev.review_total == review(parse_text(text), national).review_total


def test_bad_target_is_located(national):
    text = dump_national_text(national_form()).replace("≥1000人次", "≥1.0.0人次")
    form = parse_text(text)
    (cell,) = form.provenance.degraded
    assert "培训人次 年度指标值：“≥1.0.0人次”" in cell
    ev = review(form, national)
    assert ev.result("培训人次").pending and "SE-READ-BAD-CELL" in codes(ev)
    # words after a comparator are a qualitative target, not a bad cell
    words = parse_text(dump_national_text(national_form()).replace("≥1000人次", "≥一千人次"))
    assert words.provenance.degraded == [] and words.indicator("培训人次").target.kind == "qualitative"


def test_some_weights_blank_take_what_the_rules_leave(national):
    text = dump_national_text(national_form()).replace("培训合格率\t≥90%\t95%\t15\t15", "培训合格率\t≥90%\t95%\t\t15")
    ev = review(parse_text(text), national)
    r = ev.result("培训合格率")  # 效益 30 less the 15 培训管理机制 states
    assert r.indicator.weight == D(15) and r.weight_origin.source == "ruleset" and not r.weight_origin.stated
    assert "SE-WEIGHT-UNSTATED" in codes(ev) and ev.rating is None  # a weight not stated holds the rating
    Form(project_name="x", year=2023, layout="national", indicators=[  # the model takes partial weights
        Indicator(category="output", name="a", target="≥1个", weight="1"),
        Indicator(category="output", name="培训合格率", target="≥1个")])


def test_missing_header_and_funds_are_named():
    text = dump_national_text(national_form())
    text = text.replace("项目名称\t职业技能培训补助资金\n", "")
    err = refused(text)
    assert [p.field for p in err.problems] == ["project_name"]
    err = refused(dump_national_text(national_form()).replace("全年执行数", "支出数"))
    assert err.problems[0].field == "项目资金" and "全年执行数" in err.problems[0].expected


def test_not_a_form_at_all():
    err = refused("随便\t写点\n什么\n")
    assert "自评表" in str(err)


# --- scoring: budget score, indicator rules, tiers, default split, ratings ---------------------------


@pytest.mark.parametrize(("executed", "expected"), [
    ("100", "10.00"), ("91.614", "9.16"), ("120", "10.00"), ("0", "0.00"), ("45.555", "4.56")])
def test_budget_score_is_ten_times_execution_capped(national, executed, expected):
    form = with_funds(national_form(), total={"executed": executed})
    assert score_form(form, national).budget_score.score == D(expected)


def test_budget_score_from_the_sources_when_the_total_row_cannot_give_it(national):
    form = with_funds(national_form(), total={"full_year_budget": "0", "executed": "0", "initial_budget": "0"},
                      sources=[("本年财政拨款", "80", "80", "72"), ("上年结转资金", "0", "20", "18")])
    ev = score_form(form, national)
    assert ev.rates.execution_rate is None
    assert ev.budget_score.score == D("9.00") and "各资金来源合计" in ev.budget_score.reason


def test_budget_score_waits_for_a_reviewer_when_no_rate_exists(national):
    form = with_funds(national_form(), total={"full_year_budget": None, "executed": None},
                      sources=[("本年财政拨款", None, None, None)])
    ev = review(form, national)
    assert ev.budget_score.score is None and ev.provisional
    decided = review(form, national, [Decision(kind="score", subject="预算执行", score=D(8), reason="据决算",
                                               reviewer="王")])
    assert decided.budget_score.score == D(8) and decided.budget_score.basis == "decision"
    assert not decided.provisional


def test_budget_decision_overrides_the_review_not_the_rescore(national):
    form = with_funds(national_form(), total={"executed": "90"})
    ev = review(form, national, [Decision(kind="score", subject="年度资金总额", score=D("9.5"), reason="r",
                                          reviewer="王")])
    assert ev.review_total - ev.rescore_total == D("0.5")
    with pytest.raises(DecisionsError, match="budget-execution weight"):
        review(form, national, [Decision(kind="score", subject="预算执行", score=D(11), reason="r", reviewer="王")])


def _one(target: str, actual: str | None, weight: str = "10", **extra) -> Indicator:
    return Indicator(category="output", name="指标", target=target, weight=weight, actual=actual, **extra)


@pytest.mark.parametrize(("target", "actual", "expected"), [
    ("≥100个", "100个", "10"), ("≥100个", "300个", "10"),  # met: full, never an over-achievement deduction
    ("≥100个", "90个", "9"), ("≥95%", "90%", "9.47"),          # actual / target × weight, % too
    ("=100%", "100%", "10"), ("=4次", "3次", "7.5"), ("=4次", "5次", "10"),
    ("≤100元", "100元", "10"), ("≤100元", "60元", "10"),      # ≤ met: full
    # as printed: 「年度指标值/全年实际值*该指标分值」 (target / actual × weight)
    ("≤100元", "130元", "7.69"), ("≤100元", "199元", "5.03"),
    ("≤100元", "200元", "5"), ("≤100元", "250元", "4"), ("≤100元", "1000元", "1"),
    ("=0次", "0次", "10"), ("=0次", "1次", "0"), ("≤0起", "0起", "10"), ("≤0起", "2起", "0"),
])
def test_indicator_rules(national, target, actual, expected):
    a = assess(_one(target, actual), parse_actual(actual), national, 2023)
    assert a.score == D(expected).quantize(D("0.01"))


def test_missing_actual_scores_zero_unless_explained(national):
    assert assess(_one("≥1个", None), parse_actual(None), national).score == 0
    a = assess(_one("≥1个", None, deviation_note="数据次年公布"), parse_actual(None), national)
    assert a.score is None and a.status == "manual"


@pytest.mark.parametrize(("actual", "self_score", "score", "basis"), [
    ("达成年度指标", "10", "10", "tier"), ("达成", "8", "8", "tier"),
    ("达成年度指标", "7", "8", "tier_clipped"),            # below its tier: clipped up to 80 %
    # an edge belongs to the higher tier (「100-80%(含80%)」): 部分达成 stops below 80 %
    ("部分达成", "9", "7.99", "tier_clipped"), ("部分达成", "8", "7.99", "tier_clipped"),
    ("部分达成年度指标并具有一定效果", "7", "7", "tier"), ("未达成年度指标且效果较差", "5", "5", "tier"),
    ("基本达成", "6.5", "6.5", "tier"), ("未达成", "7", "5.99", "tier_clipped"), ("未完成", "0", "0", "tier"),
    ("80%", "8", "8", "tier"), ("60%", "6", "6", "tier"),    # a percentage on the edge: the higher tier
    ("达成年度指标", None, "10", "tier"), ("部分达成", None, "7", "tier"), ("未达成", None, "3", "tier"),
    ("有效提升", None, "10", "tier"),                       # the target word itself: achieved
    ("90%", None, "10", "tier"), ("70%", "7", "7", "tier"), ("50%", "5", "5", "tier"),
])
def test_qualitative_tiers(national, actual, self_score, score, basis):
    ind = _one("有效提升", actual, self_score=self_score)
    a = assess(ind, parse_actual(actual), national)
    assert (a.score, a.basis) == (D(score).quantize(D("0.01")), basis)


def test_unreadable_qualitative_actual_is_manual(national):
    a = assess(_one("有效提升", "情况复杂"), parse_actual("情况复杂"), national)
    assert a.status == "manual" and "档次" in a.reason


def test_default_split_when_no_weights(national):
    inds = [Indicator(category=c, name=f"{c}{k}", target="≥1个", actual="1个")
            for c, n in (("output", 3), ("outcome", 2), ("satisfaction", 1)) for k in range(n)]
    form = national_form(indicators=inds, stated_total=None, budget_self_score=None)
    assert not form.weights_given
    resolved, origins = resolve_weights(form, national)
    assert [i.weight for i in resolved.indicators] == [D("16.67"), D("16.67"), D("16.66"), D(15), D(15), D(10)]
    assert [(o.source, o.points, o.members) for o in origins] == [("ruleset", D(50), 3)] * 3 + [
        ("ruleset", D(30), 2)] * 2 + [("ruleset", D(10), 1)]
    ev = review(form, national)
    assert ev.review_total == D(100)
    assert "SE-ARITH-WEIGHTS" not in codes(ev)
    # every indicator met: any split gives full marks, so the rating stands, and the weights are named
    f = only(ev, "SE-WEIGHT-UNSTATED")
    assert f.kind == "warning" and ev.rating == "优" and "默认分配" in f.message
    assert resolve_weights(national_form(), national) is not None


def test_default_split_refused_without_a_split(suzhou):
    form = national_form(indicators=[Indicator(category="output", name="a", target="≥1个", actual="1个")])
    with pytest.raises(FormError) as info:
        score_form(form, suzhou)
    (p,) = info.value.problems
    assert p.where == "indicators[0]" and "suzhou-2023" in p.expected and "产出" in p.expected


def _boundary_form(output_actual: str) -> Form:
    """Budget fully executed (10) + 产出 50 scored actual/100 × 50 + 效益 30 + 满意度 10 met."""
    inds = [
        Indicator(category="output", name="完成量", target="≥100个", weight="50", actual=f"{output_actual}个"),
        Indicator(category="outcome", name="效益", target="≥1个", weight="30", actual="1个"),
        Indicator(category="satisfaction", name="满意度", target="≥90%", weight="10", actual="95%"),
    ]
    return national_form(indicators=inds, stated_total=None, budget_self_score=None)


@pytest.mark.parametrize(("output_actual", "total", "rating"), [
    ("100", "100", "优"), ("80", "90", "优"), ("79.98", "89.99", "良"), ("60", "80", "良"),
    ("59.98", "79.99", "中"), ("20", "60", "中"), ("19.98", "59.99", "差"), ("0", "50", "差"),
])
@pytest.mark.parametrize("variant", VARIANTS)
def test_rating_boundaries_end_to_end(national, tmp_path, output_actual, total, rating, variant):
    form = load_form(as_text(_boundary_form(output_actual), variant, tmp_path))
    ev = review(form, ruleset_for(form))
    assert ev.review_total == D(total)
    assert ev.rating == rating


@pytest.mark.parametrize(("total", "rating"), [
    ("90", "优"), ("89.99", "良"), ("80", "良"), ("79.99", "中"), ("60", "中"), ("59.99", "差"), ("0", "差")])
def test_rating_for_exact_boundaries(national, total, rating):
    assert rating_for(D(total), D(100), national) == rating


def test_self_total_includes_the_budget_self_score(national):
    ev = review(national_form(), national)
    assert ev.self_total == D("99.44") and ev.review_total == D("99.44") and ev.full_marks == D(100)
    assert ev.findings == []


# --- review checks: each raised and silent ----------------------------------------------------------


def test_clean_national_form_raises_nothing(national, tmp_path):
    assert review(national_form(), national).findings == []
    for variant in VARIANTS:
        form = load_form(as_text(national_form(), variant, tmp_path))
        assert notes_possible(form)
        assert review(form, ruleset_for(form)).findings == []


def test_budget_self_score_against_the_rate(national):
    form = with_funds(national_form(), total={"executed": "80", "stated_execution_rate": "80"},
                      sources=[("本年财政拨款", "100", "100", "80")])
    ev = review(form, national)
    f = only(ev, "SE-IND-RESCORE-DIFF")
    assert f.severity == "warning" and f.indicators[0] == "预算执行"
    assert "预算执行自评10分、重算8.00分（执行率80.00% × 10分）" in f.message
    # a self-score that matches 10 × rate: silent
    fair = replace_fields(form, budget_self_score="8", stated_total="97.44")
    assert "SE-IND-RESCORE-DIFF" not in codes(review(fair, national))
    # one below what the rate earns: only information
    low = replace_fields(form, budget_self_score="7", stated_total="96.44")
    assert only(review(low, national), "SE-IND-RESCORE-DIFF").severity == "info"


def test_stated_execution_rate_against_the_money(national):
    form = with_funds(national_form(), total={"stated_execution_rate": "95"})
    f = only(review(form, national), "SE-RATE-MISMATCH")
    assert f.severity == "warning" and f.indicators == ("预算执行率",)
    assert ("预算执行率自评95%，按全年执行数/全年预算数复核为100.00%（100/100万元），相差5.00个百分点；"
            "复核得分10.00分（自评10分）") in f.message
    within = with_funds(national_form(), total={"stated_execution_rate": "99.6"})
    assert "SE-RATE-MISMATCH" not in codes(review(within, national))


def test_self_score_outside_its_tier(national):
    form = with_indicator(national_form(), "培训管理机制", actual="部分达成", self_score="13",
                          deviation_note="部分机构未建立管理台账")
    form = replace_fields(form, stated_total="97.44")
    ev = review(form, national)
    f = only(ev, "SE-IND-RESCORE-DIFF")
    assert f.severity == "warning" and f.indicators == ("培训管理机制",)
    assert f.evidence["clipped"] == ["培训管理机制"]
    assert "超出“部分达成并具有一定效果”档（9.00–12.00分，不含上限），按11.99分计" in f.message
    assert ev.result("培训管理机制").review.score == D("11.99")
    # clipped up from below its tier is still a warning
    below = replace_fields(with_indicator(national_form(), "培训管理机制", self_score="10",
                                          deviation_note="x"), stated_total="94.44")
    f = only(review(below, national), "SE-IND-RESCORE-DIFF")
    assert f.severity == "warning" and "按12.00分计" in f.message
    # inside its tier: accepted as the review score, silent
    inside = replace_fields(with_indicator(form, "培训管理机制", self_score="11"), stated_total="95.44")
    ev = review(inside, national)
    assert ev.findings == [] and ev.result("培训管理机制").review.score == D(11)


def test_missing_deviation_note_when_score_below_weight(national):
    form = with_indicator(national_form(), "学员满意度", deviation_note=None)
    f = only(review(form, national), "SE-IND-NO-DEVIATION-NOTE")
    assert f.indicators == ("学员满意度",) and "学员满意度（9.44/10）" in f.message
    assert review(national_form(), national).findings == []  # with its note: silent
    # 得分 left blank: the rescore is the score the form would carry
    blank = replace_fields(form, stated_total=None)
    blank = with_indicator(blank, "学员满意度", self_score=None)
    f = only(review(blank, national), "SE-IND-NO-DEVIATION-NOTE")
    assert "学员满意度（未填自评分，按规则9.44/10）" in f.message
    # a missing actual is SE-IND-MISSING-ACTUAL's, not this check's
    missing = with_indicator(form, "学员满意度", actual=None, self_score="0")
    assert "SE-IND-NO-DEVIATION-NOTE" not in codes(review(replace_fields(missing, stated_total="90"), national))


def test_total_row_contradicted_by_its_sources(national):
    form = with_funds(national_form(), total={"initial_budget": "0", "full_year_budget": "0", "executed": "0",
                                              "stated_execution_rate": None},
                      sources=[("本年财政拨款", "100", "100", "100"), ("上年结转资金", None, None, None)])
    ev = review(form, national)
    budget = only(ev, "SE-ARITH-SUBITEM-BUDGET")
    actual = only(ev, "SE-ARITH-SUBITEM-ACTUAL")
    assert budget.severity == actual.severity == "error"
    assert "各资金来源年初预算数之和100万元 ≠ 年度资金总额0万元" in budget.message
    assert "各资金来源全年预算数之和100万元 ≠ 年度资金总额0万元" in budget.message
    assert "各资金来源全年执行数之和100万元 ≠ 年度资金总额0万元" in actual.message
    assert ev.budget_score.score == D(10)  # scored on the sources the total row contradicts
    # a blank total row ("/") states nothing: silent
    blank = with_funds(national_form(), total={"initial_budget": None, "full_year_budget": None,
                                               "executed": None, "stated_execution_rate": None})
    assert not codes(review(blank, national)) & {"SE-ARITH-SUBITEM-BUDGET", "SE-ARITH-SUBITEM-ACTUAL"}
    # sources that add up: silent
    split = with_funds(national_form(), sources=[("本年财政拨款", "60", "70", "70"), ("上年结转资金", "40", "30", "30")])
    assert review(split, national).findings == []


def test_total_row_of_the_table_contradicted_by_its_rows(national):
    ev = review(replace_fields(national_form(), stated_total="90"), national)
    f = only(ev, "SE-ARITH-TOTAL")
    assert "表中合计自评分90分，各指标自评分之和为99.44分" in f.message  # the sum includes 预算执行 10


def test_missing_actuals_score_zero_unless_explained(national):
    form = with_indicator(national_form(), "培训合格率", actual=None, self_score="0")
    form = with_indicator(form, "培训人次", actual=None, self_score=None, explanation="统计数据次年公布")
    ev = review(replace_fields(form, stated_total="59.44"), national)
    f = only(ev, "SE-IND-MISSING-ACTUAL")
    assert f.indicators == ("培训人次", "培训合格率")
    assert "培训合格率（无说明，按0分计）" in f.message and "培训人次（有说明，待人工评分）" in f.message
    assert ev.result("培训合格率").review.score == 0 and ev.provisional


def test_form_with_no_actuals_filled_in(national, tmp_path):
    inds = [i.model_copy(update={"actual": None, "self_score": None, "deviation_note": None})
            for i in national_form().indicators]
    form = national_form(indicators=inds, stated_total=None, budget_self_score=None)
    loaded = load_form(as_text(form, "common", tmp_path))
    ev = review(loaded, ruleset_for(loaded))
    assert [r.review.score for r in ev.indicators] == [D(0)] * 5
    assert ev.review_total == D(10) and ev.rating == "差" and not ev.provisional
    assert only(ev, "SE-IND-MISSING-ACTUAL").indicators == tuple(i.name for i in inds)
    assert "SE-IND-NO-DEVIATION-NOTE" not in codes(ev) and "SE-ARITH-TOTAL" not in codes(ev)


def test_funding_source_execution(national):
    form = with_funds(national_form(), total={"full_year_budget": "100", "executed": "90",
                                              "stated_execution_rate": "90"},
                      sources=[("本年财政拨款", "80", "80", "80"), ("上年结转资金", "20", "20", "10")])
    form = replace_fields(form, budget_self_score="9", stated_total="98.44")
    f = only(review(form, national), "SE-EXEC-SUBITEM-LOW")
    assert f.message.startswith("以下资金来源执行率低于80%：上年结转资金")
    # one source carrying the whole budget repeats the execution rate: silent
    one = with_funds(national_form(), total={"executed": "70", "stated_execution_rate": "70"},
                     sources=[("本年财政拨款", "100", "100", "70")])
    one = replace_fields(one, budget_self_score="7", stated_total="96.44")
    assert "SE-EXEC-SUBITEM-LOW" not in codes(review(one, national))


def test_weights_against_the_scheme(national):
    f = only(review(replace_fields(national_form(), budget_weight="5"), national), "SE-ARITH-WEIGHTS")
    assert "预算执行分值与评分规则不符：应为10，实为5" in f.message
    heavy = replace_fields(with_indicator(national_form(), "培训人次", weight="30", self_score="30"),
                           stated_total="104.44")
    f = only(review(heavy, national), "SE-ARITH-WEIGHTS")
    assert "权重合计不等于满分：应为90，实为95" in f.message


def test_empty_problem_sections(national):
    # the national table has no 问题 / 建议 sections: absent is not empty
    assert "SE-NARR-EMPTY" not in codes(review(national_form(), national))
    # a national YAML form that writes them as "无" while points were lost: raised
    form = with_narrative(national_form(), problems="无", recommendations="暂无")
    assert only(review(form, national), "SE-NARR-EMPTY").severity == "warning"


def test_reused_codes_are_in_the_catalogue():
    for code in ("SE-IND-RESCORE-DIFF", "SE-RATE-MISMATCH", "SE-ARITH-SUBITEM-BUDGET", "SE-ARITH-SUBITEM-ACTUAL",
                 "SE-IND-NO-DEVIATION-NOTE", "SE-IND-MISSING-ACTUAL", "SE-ARITH-TOTAL"):
        assert code in CATALOGUE


def test_ruleset_override_keeps_to_the_rulesets_layouts(tmp_path, capsys):
    path = as_text(national_form(), "template", tmp_path)
    assert main(["score", str(path), "--json"]) == 0
    doc = yaml.safe_load(capsys.readouterr().out)
    assert doc["ruleset"] == "national-2020" and doc["layout"] == "national"
    assert doc["budget_score"]["score"] == 10
    # a ruleset made for another table would score columns that are not there: refused, named
    assert main(["score", str(path), "--ruleset", "suzhou-2023", "--json"]) == 1
    err = capsys.readouterr().err
    assert str(path) in err and "suzhou-2023 is for suzhou forms" in err and "reads as national" in err
    assert main(["score", str(EXAMPLES / "seed.txt"), "--ruleset", "national-2020"]) == 1
    assert "national-2020 is for national forms" in capsys.readouterr().err


def test_cli_refuses_unweighted_form_under_a_ruleset_without_a_split(tmp_path, capsys):
    path = tmp_path / "culture.txt"
    path.write_bytes((EXAMPLES / "national_culture.txt").read_bytes())
    data = yaml.safe_load((EXAMPLES.parent / "rulesets" / "suzhou-2023.yaml").read_text("utf-8"))
    data["name"] = "suzhou-any"
    data["applies_to"]["layouts"] = ["suzhou", "national"]
    ruleset = tmp_path / "suzhou-any.yaml"
    ruleset.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main(["review", str(path), "--ruleset", str(ruleset)]) == 1
    err = capsys.readouterr().err
    assert str(path) in err and "分值" in err and "default split" in err
    assert main(["review", str(path)]) == 0


# --- the bundled examples, report fragments and index row ----------------------------------------


def test_bundled_examples(national):
    farm = review(load_form(EXAMPLES / "national_farmland.txt"), national)
    assert (farm.self_total, farm.rescore_total, farm.review_total, farm.rating) == (
        D(98), D("95.83"), D("95.83"), "优")
    assert farm.budget_score.score == D("9.16")
    # 项目完工及时率 falls short of its target: a performance shortfall, apart from the scoring error
    assert {"SE-IND-RESCORE-DIFF", "SE-IND-SHORTFALL", "SE-EXEC-SCORE-GAP", "SE-EXEC-SUBITEM-LOW", "SE-QUAL-NO-SURVEY",
            "SE-QUAL-VAGUE-TARGET"} == codes(farm)
    culture = review(load_form(EXAMPLES / "national_culture.txt"), national)
    assert culture.provisional and culture.review_total == D("69.44")
    assert [r.indicator.weight for r in culture.indicators] == [D("12.5")] * 4 + [D(15), D(15), D(10)]
    for name in ("national_farmland", "national_culture"):
        params = yaml.safe_load((PARAMS / f"{name}.yaml").read_text(encoding="utf-8"))
        assert (PARAMS / params["form"]).resolve() == (EXAMPLES / f"{name}.txt").resolve()


@pytest.fixture(scope="module")
def farm_ctx():
    from selfeval.report.notebook import prepare

    return prepare(PARAMS / "national_farmland.yaml")


def test_report_fragments_adapt_to_the_scheme(farm_ctx):
    from selfeval.report import sections as present

    overview = present.summary_html(farm_ctx)
    assert "预算执行得分" in overview and "9.16 <small>/ 10.00</small>" in overview
    assert "资金到位率" not in overview
    money = present.money_html(farm_ctx)
    assert "年度资金总额" in money and "全年预算数" in money and "子项资金" not in money
    assert "57.67%" in money and "91.61%" in money
    table = present.indicators_html(farm_ctx)
    assert "预算执行率" in table and ">100.00<" in table and "含预算执行 9.16 分" in table
    assert "数量指标" in table  # the 二级指标 under the category
    appendix = present.appendix_html(farm_ctx)
    assert "预算执行得分" in appendix and "达成年度指标80–100%" in appendix
    budget = next(s for s in farm_ctx.narrative if s.id == "budget")
    assert "全年预算1350万元" in budget.paragraphs[0] and "财政拨款" not in budget.paragraphs[0]
    assert all("  " not in p for s in farm_ctx.narrative for p in s.paragraphs)


def test_report_for_a_form_that_claims_no_scores():
    from selfeval.report import notebook
    from selfeval.report import sections as present

    ctx = notebook.prepare(PARAMS / "national_culture.yaml")
    assert "未填" in present.summary_html(ctx)
    overall = next(s for s in ctx.narrative if s.id == "overall").paragraphs[0]
    assert "自评表未填自评分" in overall and "复核较自评" not in overall
    # the weights the form does not state are named where the reviewer reads the findings
    (f,) = [f for f in ctx.evaluation.findings if f.code == "SE-WEIGHT-UNSTATED"]
    assert "默认分配" in f.message


def test_suzhou_report_fragments_unchanged(seed_path):
    from selfeval.report import notebook
    from selfeval.report import sections as present

    ctx = notebook.prepare(None)
    assert "资金到位率" in present.summary_html(ctx) and "预算执行得分" not in present.summary_html(ctx)
    assert "子项资金" in present.money_html(ctx)
    assert "含预算执行" not in present.indicators_html(ctx)


def test_index_row_for_a_national_form(farm_ctx):
    from selfeval.views.document import evaluation_dict, to_json
    from selfeval.views.row import ProjectRow

    row = ProjectRow.of(farm_ctx.evaluation).to_json()
    assert (row["ruleset"], row["full_marks"], row["review_total"], row["rating"]) == (
        "national-2020", 100, 95.83, "优")
    assert row["execution_rate"] == pytest.approx(91.6148, abs=1e-4) and row["funding_rate"] is None
    assert '"budget_score"' in to_json(evaluation_dict(farm_ctx.evaluation))


# --- workbooks ------------------------------------------------------------------------------------


def _workbook(text: str) -> bytes:
    """A workbook holding the text export's cells: numbers as numbers, rates as %-formatted cells."""
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "自评表"
    for r, line in enumerate(text.splitlines(), start=1):
        for c, cell in enumerate(line.split("\t"), start=1):
            if not cell:
                continue
            target = ws.cell(row=r, column=c)
            if cell.endswith("%") and cell[:-1].replace(".", "").isdigit() and "年度资金总额" in line:
                target.value = float(cell[:-1]) / 100
                target.number_format = "0.00%"
            elif cell.replace(".", "", 1).isdigit():
                target.value = float(cell) if "." in cell else int(cell)
            else:
                target.value = cell
                if cell.startswith("="):
                    target.data_type = "s"  # a typed "=100%" target is text, not a formula
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("variant", VARIANTS)
def test_national_workbook_loads(variant, tmp_path):
    pytest.importorskip("selfeval.loaders.excel")
    form = load_form(EXAMPLES / "national_farmland.txt")
    path = tmp_path / "farm.xlsx"
    path.write_bytes(_workbook(dump_national_text(form, variant)))
    loaded = load_form(path)
    assert loaded.provenance.loader == "excel" and loaded.layout == "national"
    assert loaded.content() == load_form(as_text(form, variant, tmp_path)).content()
    ev = review(loaded, ruleset_for(loaded))
    assert ev.ruleset.name == "national-2020" and ev.review_total == D("95.83")


# --- a batch run: the national projects render and get their index rows ----------------------------


@pytest.mark.slow
def test_batch_renders_national_projects_into_the_index(tmp_path, capsys):
    import csv
    import shutil

    params = tmp_path / "params"
    params.mkdir()
    for name in ("national_farmland", "national_culture", "seed"):
        form = f"{name}.txt"
        shutil.copy(EXAMPLES / form, params / form)
        (params / f"{name}.yaml").write_text(f"form: {form}\n", encoding="utf-8")
    out = tmp_path / "reports"
    assert main(["run", str(params), "--out", str(out), "--jobs", "2"]) == 0
    assert "3 rendered, 0 skipped, 0 failed" in capsys.readouterr().err
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "高标准农田建设补助资金" in index and "95.83" in index and 'href="./national_farmland.html"' in index
    assert "基层公共文化服务补助资金" in index and "电子政务项目运行维护资金" in index
    rows = {r["参数文件"]: r for r in csv.DictReader(
        (out / "scores.csv").read_text(encoding="utf-8-sig").splitlines())}
    assert rows["national_farmland"]["评分规则"] == "national-2020"
    assert float(rows["national_farmland"]["满分"]) == 100 and rows["national_farmland"]["复核总分"] == "95.83"
    assert rows["national_culture"]["临时"] == "是" and rows["seed"]["评分规则"] == "suzhou-2023"
    report = (out / "national_farmland.html").read_text(encoding="utf-8")
    assert "年度资金总额" in report and "预算执行得分" in report and "达成年度指标80–100%" in report


def test_self_claimed_tells_blank_from_zero(national):
    blank = [i.model_copy(update={"self_score": None}) for i in national_form().indicators]
    form = national_form(indicators=blank, stated_total=None, budget_self_score=None)
    assert not score_form(form, national).self_claimed
    assert score_form(replace_fields(form, budget_self_score="0"), national).self_claimed
    assert score_form(national_form(), national).self_claimed


def test_writer_keeps_the_forms_own_variant(tmp_path):
    from selfeval.layouts.national import variant_of

    culture = load_form(EXAMPLES / "national_culture.txt")
    assert variant_of(culture) == "common" and "指标性质" in dump_national_text(culture)
    farm = load_form(EXAMPLES / "national_farmland.txt")
    assert variant_of(farm) == "template" and "指标性质" not in dump_national_text(farm)
    # a YAML form with a funds-row 原因 needs the variant that has the column
    noted = national_form(budget_note="招标延后")
    assert variant_of(noted) == "common"
    assert load_form(as_text(noted, variant_of(noted), tmp_path)).budget_note == "招标延后"


@pytest.mark.parametrize("name", ["national_farmland", "national_culture"])
def test_convert_to_a_workbook_and_back(name, tmp_path, capsys):
    pytest.importorskip("selfeval.views.workbooks")
    out = tmp_path / f"{name}.xlsx"
    assert main(["convert", str(EXAMPLES / f"{name}.txt"), "--to", "xlsx", "--out", str(out)]) == 0
    assert load_form(out).content() == load_form(EXAMPLES / f"{name}.txt").content()


@pytest.mark.parametrize(("actual", "tier"), [
    ("达成预期指标", "达成年度指标"),
    ("部分达成预期指标并具有一定效果", "部分达成并具有一定效果"),
    ("未达成预期指标且效果较差", "未达成且效果较差"),
])
def test_the_standard_templates_grade_words_place_their_tier(national, actual, tier):
    from selfeval.assess.scoring import tier_for
    from selfeval.form.values import parse_actual, parse_target

    found = tier_for(parse_actual(actual), parse_target("效果明显"), national)
    assert found is not None and found[0] == tier


def test_funds_header_letters_define_the_rate_over_the_initial_budget(national):
    # a block with 年初预算数(A), 全年执行数(B), 执行率(B/A) and no 全年预算数 column: the form says its basis
    text = dump_national_text(national_form())
    lines = text.split("\n")
    i = next(k for k, line in enumerate(lines) if line.startswith("项目资金"))
    for k in range(i, i + 5):
        cells = lines[k].split("\t")
        if len(cells) > 4:
            del cells[3]  # 全年预算数
        lines[k] = "\t".join(cells)
    lines[i] = lines[i].replace("年初预算数", "年初预算数(A)").replace("全年执行数", "全年执行数(B)").replace(
        "执行率", "执行率(B/A)")
    form = parse_text("\n".join(lines))
    assert form.money.full_year_budget == form.money.initial_budget == D(100)
    assert any("以“年初预算数(A)”为分母" in n for n in form.provenance.notes)
    assert review(form, national).budget_score.score == D(10)
    # without the letters the block does not say which column is the budget: refused, as before
    plain = "\n".join(lines).replace("(A)", "").replace("(B)", "").replace("(B/A)", "")
    assert "全年预算数" in str(refused(plain))
