"""Narrative checks: the narrative sections against the indicator table."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from selfeval.assess.checks.common import national_funds, raises
from selfeval.assess.evaluation import Evaluation
from selfeval.assess.findings import Finding, make_finding
from selfeval.assess.scoring import round_half_up
from selfeval.form.values import format_decimal, normalize, parse_actual, show_rate

_EMPTY_WORDS = {"", "无", "暂无", "没有", "无问题", "/", "-", "—", "无。", "暂无。"}


@raises("SE-NARR-EMPTY")
def empty_problems(ev: Evaluation) -> Iterator[Finding]:
    reasons = []
    if ev.review_total < ev.full_marks:
        reasons.append(f"复核得分{format_decimal(round_half_up(ev.review_total))}分低于满分")
    rate = ev.rates.execution_rate
    if rate is not None and rate < ev.ruleset.review.low_execution:
        reasons.append(f"预算执行率为{show_rate(rate)}")
    if not reasons:
        return
    n = ev.form.narrative
    # The national table has no such sections: absent there is not empty.
    absent_ok = national_funds(ev.form)
    empty = [f"“{section}”填写为“{text or '（空）'}”"
             for section, text in (("项目管理存在的问题及原因", n.problems), ("进一步加强项目管理的建议", n.recommendations))
             if normalize(text or "") in _EMPTY_WORDS and not (absent_ok and text is None)]
    if empty:
        yield make_finding("SE-NARR-EMPTY", items="，".join(empty), why="、".join(reasons))


_RATE_IN_TEXT = re.compile(r"([\u4e00-\u9fff]{2,10}率)(?:达到|达|为|是)?\s*(\d+(?:\.\d+)?)\s*[%％]")


@raises("SE-NARR-NUMBER-MISMATCH")
def narrative_numbers(ev: Evaluation) -> Iterator[Finding]:
    n = ev.form.narrative
    text = "".join(x or "" for x in (n.implementation, n.management_results, n.overview))
    hits: list[str] = []
    names: list[str] = []
    percent = [(r, parse_actual(r.indicator.actual)) for r in ev.indicators]
    percent = [(r, a) for r, a in percent if a.kind == "quantity" and a.quantity.unit == "%"]
    for m in _RATE_IN_TEXT.finditer(text):
        term, value = m.group(1), Decimal(m.group(2))
        # The indicator the sentence speaks of: one whose name the term ends with (预算执行率 in
        # "全年预算执行率为100%"); failing that, one sharing the last three characters (处理率).
        exact = [(r, a) for r, a in percent if term.endswith(normalize(r.indicator.name))]
        near = exact or [(r, a) for r, a in percent if normalize(r.indicator.name).endswith(term[-3:])]
        for r, a in near:
            if a.quantity.value != value and r.indicator.name not in names:
                names.append(r.indicator.name)
                hits.append(f"文字说明称“{term}{m.group(0)[len(term):].strip()}”，而表中"
                            f"{r.indicator.name}为{r.indicator.actual}")
    if hits:
        yield make_finding("SE-NARR-NUMBER-MISMATCH", tuple(names), items="；".join(hits))
