"""Execution checks: spending against the score the form gives it."""

from __future__ import annotations

from collections.abc import Iterator

from selfeval.assess.checks.common import joined, national_funds, raises
from selfeval.assess.evaluation import HUNDRED, Evaluation
from selfeval.assess.findings import Finding, make_finding
from selfeval.assess.scoring import round_half_up
from selfeval.form.values import format_decimal, show_rate


@raises("SE-EXEC-SCORE-GAP")
def score_vs_execution(ev: Evaluation) -> Iterator[Finding]:
    rate = ev.rates.execution_rate
    if rate is None or not ev.full_marks:
        return
    share = ev.self_total / ev.full_marks * HUNDRED
    gap = share - rate
    if gap > ev.ruleset.review.score_vs_execution_points:
        yield make_finding("SE-EXEC-SCORE-GAP", self_total=ev.self_total, full_marks=ev.full_marks,
                           share=show_rate(share), execution_rate=show_rate(rate), gap=round_half_up(gap),
                           share_value=share, execution_value=rate)


@raises("SE-EXEC-UNSPENT")
def unspent(ev: Evaluation) -> Iterator[Finding]:
    budget, paid = ev.form.money.budget, ev.form.money.paid
    if budget is None or paid is None or budget == 0:
        return
    share = (budget - paid) / budget * HUNDRED
    if share > ev.ruleset.review.unspent_share:
        yield make_finding("SE-EXEC-UNSPENT", budget=budget, unspent=budget - paid, share=show_rate(share),
                           share_value=share)


@raises("SE-EXEC-SUBITEM-LOW")
def sub_item_execution(ev: Evaluation) -> Iterator[Finding]:
    limit = ev.ruleset.review.sub_item_execution
    items = ev.form.sub_items
    national = national_funds(ev.form)
    if national and sum(1 for s in items if s.budget) < 2:
        return  # one funding source carries the whole budget: SE-EXEC-UNSPENT says it already
    low = [(s, s.actual / s.budget * HUNDRED) for s in items
           if s.budget and s.actual is not None and s.actual / s.budget * HUNDRED < limit]
    if low:
        yield make_finding(
            "SE-EXEC-SUBITEM-LOW", threshold=limit, what="资金来源" if national else "子项",
            items=joined([f"{s.name}（预算{format_decimal(s.budget)}万元，实际{format_decimal(s.actual)}万元，"
                          f"执行率{show_rate(r)}）" for s, r in low]),
            sub_items=[(s.name, r) for s, r in low])


@raises("SE-EXEC-SUBITEM-OVER")
def sub_item_over_budget(ev: Evaluation) -> Iterator[Finding]:
    tol = ev.ruleset.tolerances.money  # rounding in the form is not an overspend
    over = [s for s in ev.form.sub_items
            if s.budget is not None and s.actual is not None and s.actual > s.budget + tol]
    if over:
        yield make_finding(
            "SE-EXEC-SUBITEM-OVER",
            items=joined([f"{s.name}（预算{format_decimal(s.budget)}万元，实际{format_decimal(s.actual)}万元，"
                          f"超出{format_decimal(s.actual - s.budget)}万元）" for s in over]),
            sub_items=[(s.name, s.budget, s.actual) for s in over])
