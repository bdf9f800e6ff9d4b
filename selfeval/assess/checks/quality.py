"""Quality checks: what a reviewer asks of the form's content (survey, cost, targets, dates)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from selfeval.assess.checks.common import is_cost_indicator, joined, raises
from selfeval.assess.evaluation import Evaluation, IndicatorResult
from selfeval.assess.findings import Finding, make_finding
from selfeval.form.labels import LABELS
from selfeval.form.model import Category, Form
from selfeval.form.values import format_decimal, normalize, parse_actual, show_rate

_Q = LABELS["quality"]


def _form_text(form: Form, names: bool = True) -> str:
    """What the unit wrote in words: narrative, notes and explanations, and (with `names`) the
    indicators' names and actuals (a 满意度 named 「问卷满意度」 names its survey; a 预算执行率 named
    in the table is no reason for a low one)."""
    parts = [v for v in form.narrative.model_dump().values() if v]
    parts += [x for i in form.indicators for x in (i.deviation_note, i.explanation) if x]
    if names:
        parts += [x for i in form.indicators for x in (i.name, i.actual) if x]
    parts += [form.budget_note or ""]
    return normalize("\n".join(parts))


def _any(words: list[str], text: str) -> list[str]:
    return [w for w in words if normalize(w) in text]


def is_satisfaction(r: IndicatorResult) -> bool:
    return r.indicator.category == Category.satisfaction or normalize(r.indicator.name).endswith(("满意度", "满意率"))


@raises("SE-QUAL-NO-SURVEY")
def no_survey(ev: Evaluation) -> Iterator[Finding]:
    """A 满意度 claimed as a figure with no survey (问卷, 调查, 样本 …) anywhere in the form."""
    claimed = [r for r in ev.indicators if is_satisfaction(r) and parse_actual(r.indicator.actual).kind == "quantity"]
    if claimed and not _any(_Q["survey_words"], _form_text(ev.form)):
        yield make_finding("SE-QUAL-NO-SURVEY", tuple(r.indicator.name for r in claimed),
                           items="、".join(f"{r.indicator.name}（{r.indicator.actual}）" for r in claimed),
                           words="、".join(_Q["survey_words"][:6]))


@raises("SE-QUAL-MISPLACED")
def misplaced(ev: Evaluation) -> Iterator[Finding]:
    """An indicator that does not fit its 二级: a 时效指标 with no time, a 成本指标 with no money, a
    rate of paying money counted as a 数量指标."""
    hits = []
    for r in ev.indicators:
        ind, level2 = r.indicator, normalize(r.indicator.level2 or "")
        text = normalize(f"{ind.name}{ind.target.raw}")
        if level2.startswith("时效") and ind.target.kind != "date" and not _any(_Q["timely_words"], text):
            hits.append((ind.name, "时效指标", "名称和目标值都未涉及时间"))
        elif "成本" in level2 and ind.target.unit not in _Q["money_units"] and not _any(_Q["cost_words"], text):
            hits.append((ind.name, "成本指标", "名称和目标值都未涉及金额"))
        elif level2.startswith("数量") and (words := _any(_Q["rate_not_quantity"], normalize(ind.name))):
            hits.append((ind.name, "数量指标", f"“{words[0]}”是资金执行指标，不是产出数量"))
    if hits:
        yield make_finding("SE-QUAL-MISPLACED", tuple(n for n, _, _ in hits),
                           items=joined([f"{n}（列于{where}：{why}）" for n, where, why in hits]))


@raises("SE-QUAL-VAGUE-TARGET")
def vague_targets(ev: Evaluation) -> Iterator[Finding]:
    """Qualitative targets in words nothing can measure (效果明显, 有所提高 …)."""
    hits = []
    for r in ev.indicators:
        t = r.indicator.target
        if t.kind == "qualitative" and not any(ch.isdigit() for ch in t.raw):
            words = _any(_Q["vague_targets"], normalize(t.raw))
            if words:
                hits.append((r.indicator.name, t.raw))
    if hits:
        yield make_finding("SE-QUAL-VAGUE-TARGET", tuple(n for n, _ in hits),
                           items="、".join(f"{n}（“{raw}”）" for n, raw in hits))


@raises("SE-QUAL-NO-COST")
def no_cost_indicator(ev: Evaluation) -> Iterator[Finding]:
    """A form of a year the template requires a 成本指标 for, with none."""
    since = ev.ruleset.review.cost_indicator_from
    if since is None or ev.form.year < since or not ev.indicators:
        return
    has = any("成本" in normalize(f"{i.level1 or ''}{i.level2 or ''}") or is_cost_indicator(r)
              for r in ev.indicators for i in (r.indicator,))
    if not has:
        yield make_finding("SE-QUAL-NO-COST", year=ev.form.year, since=since)


@raises("SE-QUAL-LOW-EXECUTION-NO-REASON")
def low_execution_no_reason(ev: Evaluation) -> Iterator[Finding]:
    """执行率 below the ruleset's threshold with no reason anywhere the form could give one."""
    limit, rate = ev.ruleset.review.reason_below_execution, ev.rates.execution_rate
    if limit is None or rate is None or rate >= limit:
        return
    if not _any(_Q["execution_reason_words"], _form_text(ev.form, names=False)):
        yield make_finding("SE-QUAL-LOW-EXECUTION-NO-REASON", rate=show_rate(rate), limit=format_decimal(limit))


@raises("SE-QUAL-MONEY-IN-GOAL")
def money_in_goals(ev: Evaluation) -> Iterator[Finding]:
    """Money amounts written into the goals instead of what the money is to achieve."""
    n = ev.form.narrative
    hits = [(LABELS["narrative"].get(k, k), m) for k in ("overall_goal", "annual_goal")
            if (text := getattr(n, k)) and (m := re.findall(_Q["money_in_goal"], normalize(text)))]
    if hits:
        yield make_finding("SE-QUAL-MONEY-IN-GOAL", items="；".join(f"{where}写有{'、'.join(m[:3])}" for where, m in hits))


@raises("SE-QUAL-DATE")
def filled_too_early(ev: Evaluation) -> Iterator[Finding]:
    """A 填报日期 before the year the form evaluates had ended: the year's actuals were not yet known."""
    d, year = ev.form.filled_on, ev.form.year
    if d is not None and (d.year, d.month, d.day) <= (year, 12, 31):
        yield make_finding("SE-QUAL-DATE", filled_on=d.isoformat(), year=year)


@raises("SE-QUAL-NARRATIVE-DENIES")
def narrative_denies(ev: Evaluation) -> Iterator[Finding]:
    """The narrative says 未/无/零 of what an indicator counts while the table reports some."""
    text = normalize("\n".join(v for v in ev.form.narrative.model_dump().values() if v))
    hits = []
    for r in ev.indicators:
        t, a = r.indicator.target, parse_actual(r.indicator.actual)
        if t.comparator not in ("at_most", "below") or a.kind != "quantity" or a.quantity.value <= 0:
            continue
        core = re.sub(r"(次数|数量|件数|起数|个数|数|率|人次)$", "", normalize(r.indicator.name))
        core = re.sub(r"^(发生|出现|重大|严重|一般)+", "", core)[:6]
        if len(core) < 2:
            continue
        for neg in _Q["negations"]:
            m = re.search(re.escape(normalize(neg)) + r"[^，。；,;]{0,8}" + re.escape(core), text)
            if m:
                hits.append((r.indicator.name, r.indicator.actual, m.group(0)))
                break
    if hits:
        yield make_finding("SE-QUAL-NARRATIVE-DENIES", tuple(n for n, _, _ in hits),
                           items="；".join(f"文字说明称“{said}”，而{n}实际为{actual}" for n, actual, said in hits))
