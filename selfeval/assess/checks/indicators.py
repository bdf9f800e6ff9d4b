"""Indicator checks: each indicator against its target, weight and self-score."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from selfeval.assess.checks.common import joined, raises
from selfeval.assess.evaluation import HUNDRED, Evaluation, IndicatorResult
from selfeval.assess.findings import Finding, make_finding
from selfeval.assess.scoring import (
    UNSTATED_WEIGHTS,
    at_threshold,
    impossible_actual,
    project_results,
    weight_note,
)
from selfeval.form.labels import LABELS
from selfeval.form.model import Form
from selfeval.form.values import format_decimal, parse_actual, show_rate


def notes_possible(form: Form) -> bool:
    """Whether the form has a place for deviation notes (the Suzhou paper form has not)."""
    return form.capabilities.note_column


BUDGET_ROW = LABELS["national"]["budget_row"][0]  # how findings name the national budget-execution row


@raises("SE-WEIGHT-UNSTATED")
def unstated_weights(ev: Evaluation) -> Iterator[Finding]:
    """Every weight the form does not state, and where the one used came from."""
    derived = [r for r in ev.indicators if not r.weight_origin.stated]
    if not derived:
        return
    settled = ev.all_met
    status = ("全部指标均得满分，无论如何分配权重得分率都相同，评级不受影响。" if settled else
              "复核得分按上述权重计算；在复核人确定这些权重或认可上述分配（撤销本条）之前，评级待定。")
    yield make_finding(
        UNSTATED_WEIGHTS, tuple(r.indicator.name for r in derived),
        variant="settled" if settled else None, kind="warning" if settled else None,
        items=joined([f"{r.indicator.name}（{format_decimal(r.indicator.weight)}分：{weight_note(r.weight_origin, ev.ruleset.title)}）"
                      for r in derived]), status=status)


@raises("SE-IND-RESCORE-DIFF")
def rescore_differs(ev: Evaluation) -> Iterator[Finding]:
    rows = [(r.indicator.name, r.self_score, r.rescore) for r in ev.indicators]
    bs, claimed = ev.budget_score, ev.form.budget_self_score
    if ev.budget_rescore is not None:
        bs = ev.budget_rescore
    if bs is not None and claimed is not None:
        rows.insert(0, (BUDGET_ROW, claimed, bs))  # national: the budget-execution row is scored too
    diff = [(name, own, a) for name, own, a in rows
            if own is not None and a.score is not None and own != a.score
            and (name == BUDGET_ROW or not _short(a, own))]
    if diff:
        # A self-score above the rescore, or one outside its qualitative tier (rules.md §2), is a
        # claim the review contradicts: a warning.
        warn = any(own > a.score or a.basis == "tier_clipped" for _, own, a in diff)
        yield make_finding(
            "SE-IND-RESCORE-DIFF", tuple(name for name, _, _ in diff),
            severity="warning" if warn else "info",
            items=joined([f"{name}自评{format_decimal(own)}分、重算{format_decimal(a.score)}分（{a.reason}）"
                          for name, own, a in diff]),
            scores=[(name, own, a.score) for name, own, a in diff],
            clipped=[name for name, _, a in diff if a.basis == "tier_clipped"])


def _short(a, own: Decimal) -> bool:
    """A self-score above a rescore that the actual falling short of its target explains: a
    performance shortfall (SE-IND-SHORTFALL), not a scoring error."""
    return a.basis in SHORTFALL_BASES and own > a.score


SHORTFALL_BASES = ("shortfall", "not_met", "over")


@raises("SE-IND-SHORTFALL")
def shortfall(ev: Evaluation) -> Iterator[Finding]:
    """Indicators whose actual falls short of the target while the self-score ignores it."""
    rows = [r for r in ev.indicators if r.self_score is not None and r.rescore.score is not None
            and _short(r.rescore, r.self_score)]
    if rows:
        yield make_finding(
            "SE-IND-SHORTFALL", tuple(r.indicator.name for r in rows),
            items=joined([f"{r.indicator.name}（目标{r.indicator.target.raw}，实际{r.indicator.actual}；"
                          f"{r.rescore.reason}；按规则{format_decimal(r.rescore.score)}分，自评{format_decimal(r.self_score)}分）"
                          for r in rows]),
            scores=[(r.indicator.name, r.self_score, r.rescore.score) for r in rows])


@raises("SE-IND-FORMULAIC")
def formulaic(ev: Evaluation) -> Iterator[Finding]:
    th = ev.ruleset.review
    proj = project_results(ev)
    hits = [r for r in proj if at_threshold(r, ev)]
    if len(proj) >= th.formulaic_min_count and hits:
        share = Decimal(len(hits)) / len(proj) * HUNDRED
        if share >= th.formulaic_share:
            yield make_finding(
                "SE-IND-FORMULAIC", tuple(r.indicator.name for r in hits), count=len(proj),
                at=len(hits), share=show_rate(share),
                items="、".join(f"{r.indicator.name}（目标{r.indicator.target.raw}，实际{r.indicator.actual}）"
                               for r in hits))


@raises("SE-IND-ALL-FULL")
def all_full(ev: Evaluation) -> Iterator[Finding]:
    rs = ev.indicators
    if rs and all(r.self_score is not None and r.self_score == r.indicator.weight for r in rs):
        # where the review gives every indicator full marks too, it asks nothing of the unit
        agrees = all(r.review.score == r.indicator.weight for r in rs)
        yield make_finding("SE-IND-ALL-FULL", count=len(rs), self_total=ev.self_total, review_agrees=agrees)


@raises("SE-IND-MISSING-ACTUAL")
def missing_actual(ev: Evaluation) -> Iterator[Finding]:
    miss = [r for r in ev.indicators if parse_actual(r.indicator.actual).kind == "blank"]
    if miss:
        yield make_finding(
            "SE-IND-MISSING-ACTUAL", tuple(r.indicator.name for r in miss),
            items=joined([f"{r.indicator.name}（{_missing_why(r)}）" for r in miss]))


def _missing_why(r: IndicatorResult) -> str:
    if r.indicator.target.kind == "none" and r.rescore.status == "manual":
        return "目标值也未填写，指标名称中可能含目标，待人工评分"
    return "有说明，待人工评分" if r.rescore.status == "manual" else "无说明，按0分计"


@raises("SE-IND-MANUAL")
def manual(ev: Evaluation) -> Iterator[Finding]:
    # an impossible actual waits too, but SE-PLAUS-SATISFACTION names it (one cause, once)
    waiting = [r for r in ev.indicators if r.rescore.status == "manual"
               and not impossible_actual(r.indicator, parse_actual(r.indicator.actual))]
    if waiting:
        def settled(r: IndicatorResult) -> str:
            if r.decision is not None:
                return "；已由复核人评分"
            return "；已按资金数据复核评分" if r.review.score is not None else ""

        pending = [r.indicator.name for r in waiting if r.review.score is None]
        status = ("需复核人人工评分，在此之前总分为临时结果。" if pending
                  else "以上指标均已评分（按资金数据或由复核人）。")
        yield make_finding(
            "SE-IND-MANUAL", tuple(r.indicator.name for r in waiting), variant=None if pending else "settled",
            kind=None if pending else "warning",
            items=joined([f"{r.indicator.name}（{r.rescore.reason}{settled(r)}）" for r in waiting]),
            status=status, pending=pending)


@raises("SE-IND-NO-DEVIATION-NOTE")
def no_deviation_note(ev: Evaluation) -> Iterator[Finding]:
    if not notes_possible(ev.form):
        return
    # The score the form would carry: its self-score, or where 得分 is left blank the rescore. A
    # missing actual is SE-IND-MISSING-ACTUAL's business, not this check's.
    bare = []
    for r in ev.indicators:
        score = r.self_score if r.self_score is not None else r.rescore.score
        if (score is not None and score < r.indicator.weight and not r.indicator.deviation_note
                and parse_actual(r.indicator.actual).kind != "blank"):
            bare.append((r, score))
    if bare:
        yield make_finding(
            "SE-IND-NO-DEVIATION-NOTE", tuple(r.indicator.name for r, _ in bare),
            items="、".join(f"{r.indicator.name}（{'' if r.self_score is not None else '未填自评分，按规则'}"
                           f"{format_decimal(score)}/{format_decimal(r.indicator.weight)}）" for r, score in bare))


@raises("SE-IND-OVERACHIEVED")
def overachieved(ev: Evaluation) -> Iterator[Finding]:
    if not notes_possible(ev.form):
        return
    hits, names = [], []
    for r in ev.indicators:
        t = r.indicator.target
        if t.kind != "quantitative" or t.comparator in ("at_most", "below") or r.rescore.completion is None:
            continue
        limit = ev.ruleset.rule_for(r.indicator.category).overachieved_warning  # beside its rule
        if limit is not None and r.rescore.completion >= limit and not (r.indicator.deviation_note or r.indicator.explanation):
            hits.append(f"{r.indicator.name}（目标{t.raw}，实际{r.indicator.actual}，完成率{show_rate(r.rescore.completion)}）")
            names.append(r.indicator.name)
    if hits:
        yield make_finding("SE-IND-OVERACHIEVED", tuple(names), items=joined(hits))
