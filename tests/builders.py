"""Builders for review tests: a clean, balanced synthetic form whose review raises no finding.

`clean_form()` is the baseline every review test starts from; a test changes one thing with
`with_indicator`, `with_money`, `with_narrative`, … and asserts the one finding that appears.

The baseline (suzhou-2023, full marks 80):

| category     | indicator            | target   | weight | actual | self  | rescore |
|--------------|----------------------|----------|--------|--------|-------|---------|
| decision     | 立项程序规范性       | 规范     | 10     | 好     | 10    | 10      |
| process      | 资金到位率           | =100%    | 10     | 100%   | 10    | 10      |
| process      | 预算执行率           | =100%    | 10     | 100%   | 10    | 10      |
| output       | 应用系统运营运维数   | >=10 个  | 12.5   | 12 个  | 12.5  | 12.5    |
| output       | 驻场运维周期         | <=12 个月| 12.5   | 11 个月| 12.5  | 12.5    |
| outcome      | 故障及时处理率       | >=95%    | 12.5   | 98%    | 12.5  | 12.5    |
| satisfaction | 部门反馈满意度       | >=90%    | 12.5   | 85%    | 9.38  | 9.38    |

Money: budget 100 (+0), appropriated 100 in both blocks, paid 100, no balances, two sub-items
that sum exactly. Every rate is 100 %, no project indicator sits exactly on its target, one score
is below its weight (so not all full) with a deviation note, and the narrative names problems.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from selfeval.form.model import Form, Indicator, MoneyBlock, Narrative, Provenance, SubItem
from selfeval.layouts import get as get_layout

D = Decimal
POOL = D(50)  # the baseline's project-indicator pool: 80 − 30 common points

CLEAN_INDICATORS: list[dict[str, Any]] = [
    dict(
        category="decision", name="立项程序规范性", target="规范", weight="10", actual="好", self_score="10"
    ),
    dict(category="process", name="资金到位率", target="=100%", weight="10", actual="100%", self_score="10"),
    dict(category="process", name="预算执行率", target="=100%", weight="10", actual="100%", self_score="10"),
    dict(
        category="output",
        name="应用系统运营运维数",
        target=">=10 个",
        weight="12.5",
        actual="12 个",
        self_score="12.5",
    ),
    dict(
        category="output",
        name="驻场运维周期",
        target="<=12 个月",
        weight="12.5",
        actual="11 个月",
        self_score="12.5",
    ),
    dict(
        category="outcome",
        name="故障及时处理率",
        target=">=95%",
        weight="12.5",
        actual="98%",
        self_score="12.5",
    ),
    dict(
        category="satisfaction",
        name="部门反馈满意度",
        target=">=90%",
        weight="12.5",
        actual="85%",
        self_score="9.38",
        deviation_note="问卷样本中部分单位对响应时效不满意",
    ),
]

CLEAN_MONEY: dict[str, Any] = dict(
    initial_budget="100",
    adjustment="0",
    appropriated="100",
    quota_balance="0",
    quota_recovered="0",
    use_appropriated="100",
    paid="100",
    fund_balance="0",
    carried_forward="0",
    recovered="0",
)

CLEAN_SUB_ITEMS: list[dict[str, Any]] = [
    dict(name="基础设施运维", budget="60", actual="60"),
    dict(name="应用系统运维", budget="40", actual="40"),
]

CLEAN_NARRATIVE: dict[str, Any] = dict(
    overview="为市级政务云稳定运行提供保障。",
    implementation="各子项目按计划实施，全年运行平稳。",
    management_results="按照项目管理办法开展管理工作。",
    problems="部门反馈满意度未达目标，响应时效有待提高。",
    recommendations="优化驻场运维排班，缩短响应时间。",
)


def indicator(**fields: Any) -> Indicator:
    """One indicator row, validated by the model."""
    return Indicator(**fields)


def clean_form(**overrides: Any) -> Form:
    """The baseline form; keyword arguments replace whole `Form` fields (already-built or raw)."""
    data: dict[str, Any] = {
        "project_name": "电子政务测试项目",
        "year": 2023,
        "department": "苏州市信息中心",
        "capabilities": get_layout("suzhou").capabilities,
        "full_marks": "80",
        "stated_total": "76.88",
        "money": MoneyBlock(**CLEAN_MONEY),
        "sub_items_budget_total": "100",
        "sub_items_actual_total": "100",
        "sub_items": [SubItem(**s) for s in CLEAN_SUB_ITEMS],
        "indicators": [Indicator(**i) for i in CLEAN_INDICATORS],
        "narrative": Narrative(**CLEAN_NARRATIVE),
    }
    data.update(overrides)
    return Form(**data)


def replace_fields(form: Form, **changes: Any) -> Form:
    """A validated copy of the form with some fields changed (raw values allowed); keeps provenance."""
    data = {**form.model_dump(), **changes}
    return Form.model_validate(data).model_copy(update={"provenance": form.provenance})


def _update(model: Any, **changes: Any) -> Any:
    """A validated copy of a pydantic model with some fields changed (raw values allowed)."""
    return type(model).model_validate({**model.model_dump(), **changes})


def with_indicator(form: Form, which: str, /, **changes: Any) -> Form:
    """The form with the indicator called `which` changed (fields validated as in a loaded form)."""
    if which not in {i.name for i in form.indicators}:
        raise KeyError(which)
    inds = [_update(i, **changes) if i.name == which else i for i in form.indicators]
    return form.model_copy(update={"indicators": inds})


def with_indicators(form: Form, indicators: list[Indicator | dict[str, Any]], **changes: Any) -> Form:
    """The form with a new indicator list (and any other fields changed)."""
    inds = [i if isinstance(i, Indicator) else Indicator(**i) for i in indicators]
    return replace_fields(form, indicators=inds, **changes)


def with_money(form: Form, **changes: Any) -> Form:
    return form.model_copy(update={"money": _update(form.money, **changes)})


def with_spending(form: Form, appropriated: str = "100", paid: str = "100") -> Form:
    """The baseline budget of 100 with `appropriated` and `paid` changed and every identity kept:
    指标结余 = 100 − appropriated, 资金结余 = appropriated − paid (all carried forward), sub-item
    actuals scaled in proportion so they still sum to `paid`."""
    a, p = D(appropriated), D(paid)
    form = with_money(
        form,
        appropriated=a,
        use_appropriated=a,
        quota_balance=D(100) - a,
        paid=p,
        fund_balance=a - p,
        carried_forward=a - p,
    )
    subs = [SubItem(name=s.name, budget=s.budget, actual=s.budget * p / D(100)) for s in form.sub_items]
    return replace_fields(form, sub_items=subs, sub_items_actual_total=p)


def with_narrative(form: Form, **changes: Any) -> Form:
    return form.model_copy(update={"narrative": _update(form.narrative, **changes)})


def with_sub_items(form: Form, items: list[tuple[str, str | None, str | None]], **changes: Any) -> Form:
    subs = [SubItem(name=n, budget=b, actual=a) for n, b, a in items]
    return replace_fields(form, sub_items=subs, **changes)


def as_yaml_loaded(form: Form) -> Form:
    """The form as if it came from the canonical YAML (a layout where deviation notes exist)."""
    caps = form.capabilities.model_copy(update={"note_column": True})
    return form.model_copy(update={"provenance": Provenance(loader="yaml"), "capabilities": caps})


def stated(form: Form) -> Form:
    """The form with `stated_total` recomputed from its self-scores (keeps SE-ARITH-TOTAL quiet)."""
    total = sum((i.self_score or D(0) for i in form.indicators), D(0))
    return replace_fields(form, stated_total=total)


def project_indicators(actuals_at_target: int, total: int, pool: Decimal = POOL) -> list[Indicator]:
    """`total` output indicators sharing `pool` evenly; the first `actuals_at_target` sit exactly on
    their target (>=10 个 with 10 个), the others beat it (12 个). Every self-score is full."""
    weight = pool / total
    out = []
    for k in range(total):
        actual = "10 个" if k < actuals_at_target else "12 个"
        out.append(
            Indicator(
                category="output",
                name=f"产出指标{k + 1}",
                target=">=10 个",
                weight=weight,
                actual=actual,
                self_score=weight,
            )
        )
    return out


def common_indicators() -> list[Indicator]:
    """The baseline's three decision/process indicators (30 points)."""
    return [Indicator(**i) for i in CLEAN_INDICATORS[:3]]


# A one-indicator national YAML form whose weight is written as given: hostile-input tests put
# `010`, `1:30`, `-5`, `1.0e+309` … there and check what the loader says.
NATIONAL_YAML = """\
project_name: 测试项目
year: 2023
layout: national
full_marks: 100
money: {{full_year_budget: 10, executed: 10}}
budget_weight: 10
indicators:
  - {{category: output, name: 数量, target: '≥10个', weight: {weight}, actual: 10个}}
"""


# --- a clean national form ------------------------------------------------------------------------

NATIONAL_INDICATORS: list[dict[str, Any]] = [
    dict(category="output", level1="产出指标", level2="数量指标", name="培训人次", target="≥1000人次",
         weight="25", actual="1200人次", self_score="25"),
    dict(category="output", level1="产出指标", level2="成本指标", name="人均培训成本", target="≤800元",
         weight="25", actual="760元", self_score="25"),
    dict(category="outcome", level1="效益指标", level2="社会效益指标", name="培训合格率", target="≥90%",
         weight="15", actual="95%", self_score="15"),
    dict(category="outcome", level1="效益指标", level2="可持续影响指标", name="培训管理机制", target="健全",
         weight="15", actual="达成年度指标", self_score="15"),
    dict(category="satisfaction", level1="满意度指标", level2="服务对象满意度指标", name="学员满意度",
         target="≥90%", weight="10", actual="85%", self_score="9.44",
         deviation_note="部分学员对课程安排不满意，次年调整授课时间"),
]


def national_form(**overrides: Any) -> Form:
    """A national form whose review raises nothing: budget 100 fully executed (10 points), five
    indicators worth 90, one below its weight with a 偏差原因, total 99.44 of 100."""
    data: dict[str, Any] = {
        "project_name": "职业技能培训补助资金",
        "year": 2023,
        "department": "某省人力资源和社会保障厅",
        "implementing_unit": "某省职业技能鉴定中心",
        "layout": "national",
        "full_marks": "100",
        "stated_total": "99.44",
        "money": MoneyBlock(initial_budget="100", full_year_budget="100", executed="100",
                            stated_execution_rate="100"),
        "sub_items": [SubItem(name="本年财政拨款", initial_budget="100", budget="100", actual="100"),
                      SubItem(name="上年结转资金"), SubItem(name="其他资金")],
        "budget_weight": "10",
        "budget_self_score": "10",
        "indicators": [Indicator(**i) for i in NATIONAL_INDICATORS],
        "narrative": Narrative(annual_goal="全年培训1000人次以上。", implementation="全年培训1200人次，结业时发放学员满意度问卷。"),
        "provenance": Provenance(loader="text"),
    }
    data.update(overrides)
    return Form(**data)
