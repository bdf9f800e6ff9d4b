"""The data model at the centre of selfeval: one `Form` per project and year.

Names follow the glossary. Money, weights and scores are exact `Decimal`s. Targets are parsed
(`Target`); actuals stay the text the form shows, because how an actual is read depends on its
target and the ruleset (see `scoring`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)

from selfeval.form.labels import is_template_prompt
from selfeval.form.values import Target, format_decimal, normalize, parse_decimal, parse_target


class Category(StrEnum):
    """Indicator category (类别 / 二级指标 in the Suzhou layout, 一级指标 in the national one)."""

    decision = "decision"
    process = "process"
    input = "input"
    output = "output"
    outcome = "outcome"
    satisfaction = "satisfaction"


def _to_decimal(value: Any) -> Any:
    if value is None:
        return value
    try:
        return parse_decimal(value)
    except ValueError as exc:
        raise ValueError(f"a number, {exc}") from exc


def _to_amount(value: Any) -> Any:
    value = _to_decimal(value)
    if value is not None and value < 0:
        raise ValueError("a number of 0 or more (only 调整数 and the balances of an overspent project may be "
                         "negative)")
    return value


def _year(value: Any) -> Any:
    if isinstance(value, bool):  # YAML reads `yes` as True, and bool is an int subclass
        raise ValueError("a four-digit year, not a yes/no value")
    return value


def _to_target(value: Any) -> Any:
    if isinstance(value, Target | dict):
        return value
    return parse_target("" if value is None else value)


def _opt_text(value: Any) -> Any:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


# Money and scores read from YAML as numbers or strings, always stored exactly, written back as
# plain decimals (strings in JSON so no float ever rounds them).
Money = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    PlainSerializer(format_decimal, return_type=str, when_used="json"),
    WithJsonSchema({"type": ["number", "string"], "pattern": r"^-?\d+(\.\d+)?$"}),
]
# Budgets, amounts paid, weights and scores are never negative (docs/rules.md lists the fields
# that may be: 调整数, 指标结余数, 资金结余、结转数).
Amount = Annotated[
    Decimal,
    BeforeValidator(_to_amount),
    PlainSerializer(format_decimal, return_type=str, when_used="json"),
    WithJsonSchema({"type": ["number", "string"], "pattern": r"^\d+(\.\d+)?$"}),
]
TargetField = Annotated[
    Target,
    BeforeValidator(_to_target),
    PlainSerializer(lambda t: t.raw, return_type=str),
    WithJsonSchema({"type": "string", "description": "目标值, e.g. '>=95%', '规范', '12月31日前'"}),
]
OptText = Annotated[str | None, BeforeValidator(_opt_text)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Provenance(_Model):
    """Where a form came from; not part of the form's content (ignored by `Form.content`)."""

    path: str = ""
    sha256: str = ""
    loader: str = ""
    encoding: str | None = None
    sheet: str | None = None
    table: str | None = None  # which table of a published page / document / PDF was read
    layout: str = ""  # which layout read it, with the detection's confidence and reasons
    notes: list[str] = Field(default_factory=list)
    # Rows passed over (template placeholders, notes under a table) and columns no field claims,
    # each "where: what" — shown by `selfeval inspect` and in the report, never dropped silently.
    skipped: list[str] = Field(default_factory=list)
    unread: list[str] = Field(default_factory=list)
    # Value cells that could not be read (a target, actual, 分值, 得分 or amount): "where: what", the
    # form still loads and the value counts as not stated (SE-READ-BAD-CELL)
    degraded: list[str] = Field(default_factory=list)
    # Labels the reader inferred from the template (a 一级 cell that kept only its points): "where: what"
    inferred: list[str] = Field(default_factory=list)
    columns: list[str] = Field(default_factory=list)  # "header → field" for the indicator table


class MoneyBlock(_Model):
    """The budget-execution and fund-use blocks, in 万元. Absent cells are None."""

    initial_budget: Amount | None = None
    adjustment: Money | None = None
    appropriated: Amount | None = None
    quota_balance: Money | None = None
    quota_recovered: Amount | None = None
    use_appropriated: Amount | None = None
    paid: Amount | None = None
    fund_balance: Money | None = None
    carried_forward: Amount | None = None
    recovered: Amount | None = None
    # National layout (财政部 项目支出绩效自评表), the 年度资金总额 row: 全年预算数 (A), 全年执行数 (B)
    # and the 执行率 the form states, in % points. `paid` is filled from `executed` when absent, so
    # the rates, charts and checks written for 实际支付数 read the national form too.
    full_year_budget: Amount | None = None
    executed: Amount | None = None
    stated_execution_rate: Amount | None = None

    @model_validator(mode="before")
    @classmethod
    def _paid_from_executed(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("executed") is None:
            return data
        executed = data["executed"]
        if data.get("paid") is None:
            # A separate object: YAML would otherwise write the shared value as an anchor and alias.
            paid = Decimal(executed.as_tuple()) if isinstance(executed, Decimal) else executed
            return {**data, "paid": paid}
        try:
            differ = parse_decimal(data["paid"]) != parse_decimal(executed)
        except ValueError:
            return data  # the field validators name the bad value
        if differ:
            raise ValueError(f"paid ({data['paid']}) and executed ({executed}) differ: on the national "
                             "form both are the 全年执行数; give executed only")
        return data

    @property
    def budget(self) -> Decimal | None:
        """The year's budget, denominator of the funding and execution rates: 全年预算数 where the
        form states it (national layout), else 年初预算数 + 调整数."""
        if self.full_year_budget is not None:
            return self.full_year_budget
        if self.initial_budget is None:
            return None
        return self.initial_budget + (self.adjustment or Decimal(0))


class SubItem(_Model):
    """子项: one line of the project's funding structure. In the national layout, one funding
    source (本年财政拨款 / 上年结转资金 / 其他资金): `budget` is its 全年预算数, `actual` its 全年执行数."""

    name: str
    budget: Amount | None = None
    actual: Amount | None = None
    initial_budget: Amount | None = None  # national layout: the source's 年初预算数
    row: int | None = Field(default=None, exclude=True, repr=False)


class Indicator(_Model):
    """One row of the indicator table."""

    category: Category
    name: str
    target: TargetField
    weight: Amount | None = None  # None: the form does not state it (scoring.resolve_weights names where it comes from)
    actual: OptText = None
    self_score: Amount | None = None
    level1: OptText = None
    level2: OptText = None
    deviation_note: OptText = None
    explanation: OptText = None
    row: int | None = Field(default=None, exclude=True, repr=False)


class Narrative(_Model):
    """The narrative sections of the self-evaluation report."""

    overview: OptText = None
    overall_goal: OptText = None
    annual_goal: OptText = None
    implementation: OptText = None
    management_results: OptText = None
    problems: OptText = None
    recommendations: OptText = None
    instructions: OptText = None
    footnote: OptText = None


class Capabilities(_Model):
    """What the form's layout can express, carried as content so every loader of the same form
    (text, workbook, YAML) gives the same review. Checks ask these, never a layout's name."""

    # The indicator table has a column for 偏差原因 / deviation notes (the Suzhou form has none).
    note_column: bool = True
    # The money block: Suzhou's 预算执行 + 资金使用 blocks over 子项 ("blocks"), or the national
    # 年度资金总额 row over funding-source rows ("sources").
    funds: Literal["blocks", "sources"] = "blocks"
    # The funds row carries its own 分值 / 得分 (the national 10-point budget score).
    budget_row: bool = False


#: What the forms of each shipped layout can express (the layouts in `selfeval.layouts` take theirs
#: from here, so a `Form` built without capabilities needs no layout imported). A form of any other
#: layout states its capabilities.
SHIPPED_CAPABILITIES: Mapping[str, Capabilities] = MappingProxyType({
    "suzhou": Capabilities(note_column=False, funds="blocks", budget_row=False),
    "national": Capabilities(note_column=True, funds="sources", budget_row=True),
})


class Form(_Model):
    """One project's self-evaluation form (自评表) for one year."""

    project_name: str
    year: Annotated[int, BeforeValidator(_year)]
    department: OptText = None
    implementing_unit: OptText = None
    layout: str = "suzhou"
    capabilities: Capabilities = None  # type: ignore[assignment]  # None: its layout's (validator below)
    full_marks: Amount | None = None
    stated_total: Amount | None = None
    money: MoneyBlock = Field(default_factory=MoneyBlock)
    sub_items_budget_total: Amount | None = None
    sub_items_actual_total: Amount | None = None
    sub_items: list[SubItem] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
    narrative: Narrative = Field(default_factory=Narrative)
    # National layout: the 年度资金总额 row's 分值 and 得分, and the reason given for it.
    budget_weight: Amount | None = None
    budget_self_score: Amount | None = None
    budget_note: OptText = None
    filled_on: dt.date | None = None  # 填报日期, where the form states one
    provenance: Provenance = Field(default_factory=Provenance, exclude=True)


    def to_frame(self, exact: bool = False, lang: str = "en"):
        """The form's indicators as a DataFrame (float columns, or exact Decimals with `exact=True`;
        English or Chinese `lang="zh"` column names)."""
        # display helpers: the views import this model, so its methods reach them at call time
        from selfeval.views.frames import form_frame

        return form_frame(self, exact, lang)  # type: ignore[arg-type]

    def __repr__(self) -> str:  # pydantic's prints every field
        return (f"<Form {self.project_name!r} {self.year} {self.department or ''!r} layout={self.layout} "
                f"indicators={len(self.indicators)}>")

    def _repr_html_(self) -> str:
        # display helpers: the views import this model, so its methods reach them at call time
        from selfeval.views.frames import form_html

        return form_html(self)

    @model_validator(mode="before")
    @classmethod
    def _layout_capabilities(cls, data: Any) -> Any:
        """A form built without capabilities has its layout's."""
        if isinstance(data, dict) and data.get("capabilities") is None:
            name = str(data.get("layout") or "suzhou")
            if name not in SHIPPED_CAPABILITIES:
                raise ValueError(f"layout {name!r} is not a shipped layout ({', '.join(SHIPPED_CAPABILITIES)}): "
                                 "give its capabilities")
            data = {**data, "capabilities": SHIPPED_CAPABILITIES[name]}
        return data

    @model_validator(mode="before")
    @classmethod
    def _template_prompts(cls, data: Any) -> Any:
        """A narrative cell still holding the template's prompt is empty (whichever loader read it);
        what was passed over is listed with the skipped rows, never dropped silently."""
        if not isinstance(data, dict) or data.get("narrative") is None:
            return data
        n = data["narrative"]
        fields = n.model_dump() if isinstance(n, Narrative) else n if isinstance(n, dict) else None
        if not fields:
            return data
        prompts = {k: v for k, v in fields.items() if isinstance(v, str) and is_template_prompt(v)}
        if not prompts:
            return data
        prov = data.get("provenance")
        prov = prov.model_dump() if isinstance(prov, Provenance) else dict(prov or {})
        prov["skipped"] = [*prov.get("skipped", []),
                           *(f"narrative.{k}: 模板提示语“{v.strip()[:40]}”，按未填写处理" for k, v in prompts.items())]
        return {**data, "narrative": {**fields, **dict.fromkeys(prompts)}, "provenance": prov}

    @property
    def weights_given(self) -> bool:
        """Whether the form states its indicators' weights (else the ruleset's default split)."""
        return all(ind.weight is not None for ind in self.indicators)

    def content(self) -> dict[str, Any]:
        """The form's content as plain data, without provenance or source rows.

        Two loads of the same form from different files are equal when their contents are.
        """
        return self.model_dump(mode="json")

    def indicator(self, name: str) -> Indicator:
        """The indicator called `name` (NFKC-insensitive); KeyError if there is none."""
        key = normalize(name)
        for ind in self.indicators:
            if normalize(ind.name) == key:
                return ind
        raise KeyError(name)


def form_schema() -> dict[str, Any]:
    """JSON Schema of the canonical YAML form (what a hand-written file may contain)."""
    schema = Form.model_json_schema()
    schema["properties"].pop("provenance", None)  # set by the loader, never read from YAML
    schema["$defs"].pop("Provenance", None)
    schema["title"] = "selfeval form (自评表)"
    return schema


# The public model (the API reference documents these; the field types Money, Amount, TargetField and
# OptText are how the model reads a cell, not part of the API).
__all__ = ["SHIPPED_CAPABILITIES", "Capabilities", "Category", "Form", "Indicator", "MoneyBlock", "Narrative",
           "Provenance", "SubItem", "form_schema"]
