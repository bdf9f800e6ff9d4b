"""Writing the Suzhou text layout, and synthetic forms for examples, tests and benchmarks.

`vary` derives realistic
variants of a form: other amounts, shortfalls, text actuals, grades, layouts.
"""

from __future__ import annotations

import random
from decimal import Decimal

from selfeval.assess.scoring import round_half_up
from selfeval.form.model import Form, Indicator, SubItem
from selfeval.form.values import format_decimal

_PROJECTS = [
    ("社区居家养老服务补助资金", "苏州市民政局"), ("农村公路养护资金", "苏州市交通运输局"),
    ("中小学校舍维修改造资金", "苏州市教育局"), ("公共文化服务体系建设资金", "苏州市文化广电和旅游局"),
    ("城市绿化养护经费", "苏州市园林和绿化管理局"), ("食品安全抽检经费", "苏州市市场监督管理局"),
    ("就业创业补贴资金", "苏州市人力资源和社会保障局"), ("河道保洁及水环境治理资金", "苏州市水务局"),
    ("智慧城管平台运维经费", "苏州市城市管理局"), ("基层医疗卫生机构补助资金", "苏州市卫生健康委员会"),
]


_SEED_PROJECT_INDICATORS = [
    "应用系统运营运维数", "驻场运维人数", "驻场运维考核次数", "运维计划项目执行率", "驻场运维周期",
    "应用系统运行稳定性", "基础云平台重大故障次数", "故障及时处理率", "短信发送成功率", "机房运维规范",
    "驻场运维人员稳定性", "部门反馈满意度",
]
# Per project: what it funds, its sub-items, and names for the seed's twelve project indicators
# that fit their targets' units (个, 人, 次, %, 个月, a quality word, ...).
_PROFILES: dict[int, tuple[str, list[str], list[str]]] = {
    0: ("为社区居家老年人提供助餐、助洁、助医等上门及站点服务", ["助餐服务补贴", "居家上门服务购买", "站点运营补助"],
        ["服务站点数", "助老服务人员数", "服务质量督查次数", "服务计划完成率", "服务合同周期", "服务运行稳定性",
         "安全责任事故次数", "服务需求响应及时率", "助餐服务覆盖率", "服务管理制度", "服务队伍稳定性", "老年人满意度"]),
    1: ("用于农村公路日常养护、病害处治和安全设施完善", ["日常养护", "路面病害处治", "安全设施完善", "桥梁检测"],
        ["养护路段数", "专业养护人员数", "养护质量检查次数", "养护计划完成率", "养护合同周期", "路况稳定性",
         "重大交通安全事故次数", "病害处治及时率", "优良路率", "养护作业规范", "养护队伍稳定性", "沿线群众满意度"]),
    2: ("用于中小学校舍维修改造，消除安全隐患，改善办学条件", ["屋面及外墙维修", "门窗更换", "消防设施改造"],
        ["维修改造学校数", "施工监理人员数", "质量安全检查次数", "维修计划完成率", "工程建设周期", "校舍安全状况",
         "安全责任事故次数", "问题整改及时率", "工程验收合格率", "工程管理制度", "校舍使用稳定性", "师生满意度"]),
    4: ("用于城市公共绿地、行道树的日常养护和病虫害防治", ["绿地日常养护", "行道树修剪", "病虫害防治", "苗木补植"],
        ["养护片区数", "专职养护人员数", "养护质量考核次数", "养护计划完成率", "养护合同周期", "绿化景观稳定性",
         "重大绿化安全事故次数", "病虫害及时处治率", "苗木成活率", "养护作业规范", "养护队伍稳定性", "市民满意度"]),
}


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
    purpose, item_names, indicator_names = _PROFILES.get(index % len(_PROJECTS), ("", [], []))
    names = [item_names[k] if k < len(item_names) else f"子项{k + 1}" for k in range(n_items)]
    items = [SubItem(name=n, budget=b, actual=a) for n, b, a in zip(names, budgets, actuals, strict=True)]
    renames = dict(zip(_SEED_PROJECT_INDICATORS, indicator_names, strict=False))
    indicators = [_vary_indicator(ind, rng).model_copy(update={"name": renames.get(ind.name, ind.name)})
                  for ind in base.indicators]
    self_total = sum((i.self_score or Decimal(0) for i in indicators), Decimal(0))
    narrative = base.narrative.model_copy(update={
        "overview": f"{name}{purpose or '用于保障项目正常实施'}。",
        "overall_goal": f"保障{name.split('（')[0]}各项任务按计划完成，发挥资金使用效益。",
        "annual_goal": f"按年度计划完成{'、'.join(names[:3])}等工作。",
        "implementation": (f"全年预算{format_decimal(budget)}万元，财政拨款{format_decimal(appropriated)}万元，"
                           f"实际支付{format_decimal(paid)}万元。各子项按计划推进。"),
        "management_results": "项目按照相关管理办法实施，采购和支付流程规范。",
        "problems": rng.choice(["部分子项支付进度偏慢。", "个别绩效目标设置偏保守。", "无"]),
        "recommendations": rng.choice(["合理安排支付节点，加快执行进度。", "科学设置绩效目标。", "暂无"]),
    })
    return base.model_copy(update=dict(
        project_name=name, department=dept, money=money, sub_items=items,
        sub_items_budget_total=sum(budgets, Decimal(0)), sub_items_actual_total=sum(actuals, Decimal(0)),
        indicators=indicators, stated_total=self_total, narrative=narrative))


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
