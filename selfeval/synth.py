"""Writing the Suzhou text layout, and synthetic forms for examples, tests and benchmarks.

`dump_suzhou_text` writes a form back as the tab-separated export the seed is (so loaders can be
tested by round trip and examples look like what departments send). `vary` derives realistic
variants of a form: other amounts, shortfalls, text actuals, grades, layouts.
"""

from __future__ import annotations

import random
from decimal import Decimal

from .labels import LABELS
from .model import Category, Form, Indicator, SubItem
from .scoring import round_half_up
from .values import format_decimal

_CATEGORY_LABEL = {
    Category.decision: "决策目标", Category.process: "过程目标", Category.input: "投入目标",
    Category.output: "产出目标", Category.outcome: "效益目标", Category.satisfaction: "满意度目标",
}


def _d(value: Decimal | None) -> str:
    return "" if value is None else format_decimal(value)


def dump_suzhou_text(form: Form) -> str:
    """The form as a Suzhou tab-separated text export (7 columns, values aligned)."""
    m = form.money
    full = _d(form.full_marks) or "80"
    rows: list[list[str]] = [[""], ["苏州市级财政支出项目绩效自我评价报告"], [""],
                             ["苏州市级财政支出项目绩效自评表", "", "", "", "", "", ""]]
    rows.append(["项目名称", "", form.project_name, "", "项目年份", str(form.year), ""])
    rows.append(["项目主管部门(单位)", "", form.department or "", "", "", "", ""])
    budget = LABELS["money_blocks"]["budget"]["fields"]
    b_labels = list(budget)
    rows.append(["市级预算执行情况(万元)", b_labels[0], b_labels[1], "", b_labels[2], b_labels[3], b_labels[4]])
    rows.append(["", _d(m.initial_budget), _d(m.adjustment), "", _d(m.appropriated), _d(m.quota_balance),
                 _d(m.quota_recovered)])
    rows.append(["市级财政资金使用情况(万元)", "财政拨款数", "实际支付数", "资金结余、结转数", "其中:", "", ""])
    rows.append(["", "", "", "", "结转数", "财政收回数", ""])
    rows.append(["", _d(m.use_appropriated), _d(m.paid), _d(m.fund_balance), _d(m.carried_forward),
                 _d(m.recovered), ""])
    rows.append(["项目资金构成(详细列出各子项目名称和金额)", "", "", "", "", "", ""])
    rows.append(["子项名称", "", "预算数(万元)", "", "实际数(万元)", "", ""])
    rows.append(["合计", "", _d(form.sub_items_budget_total), "", _d(form.sub_items_actual_total), "", ""])
    rows.extend([s.name, "", _d(s.budget), "", _d(s.actual), "", ""] for s in form.sub_items)
    rows.append(["项目", "类别", "指标名称", "目标值", "权重", "实际完成值", "自评分"])
    last = None
    for n, ind in enumerate(form.indicators):
        cat = _CATEGORY_LABEL[ind.category] if ind.category != last else ""
        last = ind.category
        rows.append([f"项目绩效实现情况({full}分)" if n == 0 else "", cat, ind.name, ind.target.raw,
                     _d(ind.weight), ind.actual or "", _d(ind.self_score)])
    rows.append(["合计", "", "", "", "", "", _d(form.stated_total)])
    rows.append([""])
    rows.append(["项目基本情况"])
    rows.append([""])
    n = form.narrative
    for key, label in LABELS["narrative"].items():
        text = getattr(n, key)
        if text and key == "instructions":
            rows.extend([[""], [f"{label}：{text}"]])
        elif text:
            rows.append([label, text])
    if n.footnote:
        rows.extend([[""], [n.footnote]])
    return "\n".join("\t".join(r) for r in rows)


_PROJECTS = [
    ("社区居家养老服务补助资金", "苏州市民政局"), ("农村公路养护资金", "苏州市交通运输局"),
    ("中小学校舍维修改造资金", "苏州市教育局"), ("公共文化服务体系建设资金", "苏州市文化广电和旅游局"),
    ("城市绿化养护经费", "苏州市园林和绿化管理局"), ("食品安全抽检经费", "苏州市市场监督管理局"),
    ("就业创业补贴资金", "苏州市人力资源和社会保障局"), ("河道保洁及水环境治理资金", "苏州市水务局"),
    ("智慧城管平台运维经费", "苏州市城市管理局"), ("基层医疗卫生机构补助资金", "苏州市卫生健康委员会"),
]


def _money(rng: random.Random, lo: int, hi: int) -> Decimal:
    return Decimal(rng.randint(lo * 100, hi * 100)) / 100


def vary(base: Form, rng: random.Random, index: int = 0) -> Form:
    """A plausible variant of `base`: other project, amounts, execution and indicator results.

    Identities hold (so arithmetic findings appear only where a test breaks them on purpose);
    some actuals fall short, exceed, or are written as grade words or text.
    """
    name, dept = _PROJECTS[index % len(_PROJECTS)]
    if index >= len(_PROJECTS):
        name = f"{name}（{index // len(_PROJECTS) + 1}）"
    initial = _money(rng, 100, 5000)
    adjustment = rng.choice([Decimal(0), Decimal(0), _money(rng, 1, 50)])
    budget = initial + adjustment
    appropriated = round_half_up(budget * Decimal(rng.uniform(0.7, 1.0)))
    paid = round_half_up(appropriated * Decimal(rng.uniform(0.6, 1.0)))
    quota_balance = budget - appropriated
    fund_balance = appropriated - paid
    recovered = round_half_up(fund_balance * Decimal(rng.choice([0, 0.5, 1])))
    money = base.money.model_copy(update=dict(
        initial_budget=initial, adjustment=adjustment, appropriated=appropriated,
        quota_balance=quota_balance, quota_recovered=quota_balance, use_appropriated=appropriated,
        paid=paid, fund_balance=fund_balance, carried_forward=fund_balance - recovered,
        recovered=recovered))
    n_items = rng.randint(2, 5)
    shares = [Decimal(rng.randint(1, 10)) for _ in range(n_items)]
    budgets = [round_half_up(budget * s / sum(shares)) for s in shares]
    budgets[-1] = budget - sum(budgets[:-1])
    # Sub-item actuals add up to what was paid (each executed at its own rate).
    raw = [b * Decimal(rng.uniform(0.5, 1.0)) for b in budgets]
    actuals = [round_half_up(a * paid / sum(raw)) for a in raw]
    actuals[-1] = paid - sum(actuals[:-1])
    items = [SubItem(name=f"子项{k + 1}", budget=b, actual=a) for k, (b, a) in enumerate(zip(budgets, actuals, strict=True))]
    indicators = [_vary_indicator(ind, rng) for ind in base.indicators]
    self_total = sum((i.self_score or Decimal(0) for i in indicators), Decimal(0))
    return base.model_copy(update=dict(
        project_name=name, department=dept, money=money, sub_items=items,
        sub_items_budget_total=sum(budgets, Decimal(0)), sub_items_actual_total=sum(actuals, Decimal(0)),
        indicators=indicators, stated_total=self_total))


def _vary_indicator(ind: Indicator, rng: random.Random) -> Indicator:
    t = ind.target
    roll = rng.random()
    actual, score = ind.actual, ind.self_score
    if t.kind == "qualitative":
        grade = rng.choice(["好", "好", "较好", "100%", "一般"])
        factor = {"好": 100, "较好": 80, "一般": 60, "100%": 100}[grade]
        actual, score = grade, round_half_up(ind.weight * factor / 100)
    elif t.kind == "quantitative" and t.value:
        if roll < 0.55:
            value = t.value
        elif roll < 0.8:
            value = round_half_up(t.value * Decimal(rng.uniform(0.85, 0.99)), 0 if t.unit != "%" else 1)
        elif roll < 0.95:
            value = round_half_up(t.value * Decimal(rng.uniform(1.0, 1.6)), 0 if t.unit != "%" else 1)
            if t.unit == "%":
                value = min(value, Decimal(100))
        else:
            return ind.model_copy(update={"actual": "完成"})
        sep = "" if t.unit == "%" else " "
        actual = f"{format_decimal(value)}{sep}{t.unit}".strip()
        score = ind.weight if rng.random() < 0.6 else round_half_up(ind.weight * Decimal("0.8"))
    return ind.model_copy(update={"actual": actual, "self_score": score})
