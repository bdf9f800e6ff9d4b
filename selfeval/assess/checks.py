"""Review checks (复核): recompute what the form claims and report what a careful reviewer would flag.

The catalogue (codes, severities, Chinese messages) lives in `data/findings.yaml`; thresholds in
the ruleset's `review` section. Each check is a small function registered with `@check`; a
finding about several indicators is one finding that lists them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

from selfeval.assess.decisions import Decision
from selfeval.assess.findings import (  # noqa: F401
    CATALOGUE,
    SEVERITIES,
    Finding,
    Severity,
    finding_counts,
    make_finding,
    show_value,
)
from selfeval.assess.rulesets import Ruleset
from selfeval.assess.scoring import (
    HUNDRED,
    UNSTATED_WEIGHTS,
    ZERO,
    Evaluation,
    IndicatorResult,
    check_weights,
    impossible_actual,
    is_budget_row,
    parts_execution_rate,
    pct,
    rate_indicator,
    round_half_up,
    score_form,
    weight_note,
    weight_sum,
)
from selfeval.errors import DecisionsError
from selfeval.form.labels import LABELS
from selfeval.form.model import Category, Form
from selfeval.form.values import canonical, format_decimal, normalize, parse_actual, show_range
from selfeval.layouts.reader import points

Check = Callable[[Evaluation], Iterator[Finding]]
CHECKS: list[Check] = []


def check(fn: Check) -> Check:
    """Register a check; every registered check runs on every review."""
    CHECKS.append(fn)
    return fn


def _items(parts: list[str]) -> str:
    return "；".join(parts)


def _money_ok(a: Decimal | None, b: Decimal | None, tol: Decimal) -> bool:
    return a is None or b is None or abs(a - b) <= tol


def notes_possible(form: Form) -> bool:
    """Whether the form has a place for deviation notes (the Suzhou paper form has not)."""
    return form.capabilities.note_column


BUDGET_ROW = LABELS["national"]["budget_row"][0]  # how findings name the national budget-execution row


def national_funds(form: Form) -> bool:
    """Whether the money block is the national one: a 年度资金总额 row over funding-source rows."""
    return form.capabilities.funds == "sources"


# --- arithmetic --------------------------------------------------------------------------------


@check
def quota_balance(ev: Evaluation) -> Iterator[Finding]:
    m = ev.form.money
    if None in (m.initial_budget, m.appropriated, m.quota_balance):
        return
    expected = m.initial_budget + (m.adjustment or ZERO) - m.appropriated
    if expected != m.quota_balance:
        yield make_finding("SE-ARITH-QUOTA-BALANCE", quota_balance=m.quota_balance,
                           initial_budget=m.initial_budget, adjustment=m.adjustment or ZERO,
                           appropriated=m.appropriated, expected=expected)


@check
def fund_balance(ev: Evaluation) -> Iterator[Finding]:
    m = ev.form.money
    appropriated = m.use_appropriated if m.use_appropriated is not None else m.appropriated
    if None not in (appropriated, m.paid, m.fund_balance):
        expected = appropriated - m.paid
        if expected != m.fund_balance:
            yield make_finding("SE-ARITH-FUND-BALANCE", fund_balance=m.fund_balance,
                               appropriated=appropriated, paid=m.paid, expected=expected)
    if m.fund_balance is not None and (m.carried_forward is not None or m.recovered is not None):
        total = (m.carried_forward or ZERO) + (m.recovered or ZERO)
        if total != m.fund_balance:
            yield make_finding("SE-ARITH-CARRY-SPLIT", carried_forward=m.carried_forward or ZERO,
                               recovered=m.recovered or ZERO, sum=total, fund_balance=m.fund_balance)


@check
def recovered_over(ev: Evaluation) -> Iterator[Finding]:
    m = ev.form.money
    if None not in (m.quota_recovered, m.quota_balance) and m.quota_recovered > m.quota_balance:
        yield make_finding("SE-ARITH-RECOVERED-OVER", quota_recovered=m.quota_recovered,
                           quota_balance=m.quota_balance)


@check
def appropriated_twice(ev: Evaluation) -> Iterator[Finding]:
    m = ev.form.money
    if None not in (m.appropriated, m.use_appropriated) and m.appropriated != m.use_appropriated:
        yield make_finding("SE-ARITH-APPROPRIATED", appropriated=m.appropriated,
                           use_appropriated=m.use_appropriated)


@check
def sub_items(ev: Evaluation) -> Iterator[Finding]:
    f, tol = ev.form, ev.ruleset.tolerances.money
    if not f.sub_items:
        return
    if national_funds(f):
        yield from _funds_total(f, tol)
        return
    budgets = [s.budget for s in f.sub_items if s.budget is not None]
    actuals = [s.actual for s in f.sub_items if s.actual is not None]
    sb, sa = sum(budgets, ZERO), sum(actuals, ZERO)
    problems = []
    if f.sub_items_budget_total is not None and sb != f.sub_items_budget_total:
        problems.append(f"各子项预算数之和{format_decimal(sb)}万元 ≠ 合计{format_decimal(f.sub_items_budget_total)}万元")
    total_b = f.sub_items_budget_total if f.sub_items_budget_total is not None else sb
    if f.money.budget is not None and total_b != f.money.budget:
        problems.append(f"子项预算合计{format_decimal(total_b)}万元 ≠ 年初预算数+调整数"
                        f"{format_decimal(f.money.budget)}万元")
    if problems:
        yield make_finding("SE-ARITH-SUBITEM-BUDGET", detail="；".join(problems) + "。",
                           sum=sb, total=f.sub_items_budget_total, budget=f.money.budget)
    if len(actuals) < len(f.sub_items) and f.sub_items_actual_total is None:
        return  # blank actual cells: nothing is claimed, so nothing can fail to add up
    problems = []
    if len(actuals) == len(f.sub_items) and f.sub_items_actual_total is not None and not _money_ok(sa, f.sub_items_actual_total, tol):
        problems.append(f"各子项实际数之和{format_decimal(sa)}万元 ≠ 合计{format_decimal(f.sub_items_actual_total)}万元")
    total_a = f.sub_items_actual_total if f.sub_items_actual_total is not None else sa
    if not _money_ok(total_a, f.money.paid, tol):
        problems.append(f"子项实际合计{format_decimal(total_a)}万元与实际支付数{format_decimal(f.money.paid)}万元"
                        f"相差超过{format_decimal(tol)}万元")
    if problems:
        yield make_finding("SE-ARITH-SUBITEM-ACTUAL", detail="；".join(problems) + "。",
                           sum=sa, total=f.sub_items_actual_total, paid=f.money.paid)


_FUND_COLUMNS = (("initial_budget", "initial_budget", "年初预算数", "SE-ARITH-SUBITEM-BUDGET"),
                 ("full_year_budget", "budget", "全年预算数", "SE-ARITH-SUBITEM-BUDGET"),
                 ("executed", "actual", "全年执行数", "SE-ARITH-SUBITEM-ACTUAL"))


def _funds_total(f: Form, tol: Decimal) -> Iterator[Finding]:
    """National layout: the 年度资金总额 row against the funding-source rows below it, per column
    (年初预算数 and 全年预算数 as SE-ARITH-SUBITEM-BUDGET, 全年执行数 as SE-ARITH-SUBITEM-ACTUAL).

    A blank total (or "/") states nothing; a total of 0 while the sources carry money contradicts them.
    """
    found: dict[str, list[tuple[str, Decimal, Decimal]]] = {}
    for total_field, part_field, label, code in _FUND_COLUMNS:
        total = getattr(f.money, total_field)
        values = [getattr(s, part_field) for s in f.sub_items if getattr(s, part_field) is not None]
        if total is None or not values:
            continue
        got = sum(values, ZERO)
        if not _money_ok(got, total, tol):
            found.setdefault(code, []).append((label, got, total))
    for code, cols in found.items():
        detail = "；".join(f"各资金来源{label}之和{format_decimal(got)}万元 ≠ 年度资金总额{format_decimal(total)}万元"
                          for label, got, total in cols)
        yield make_finding(code, detail=detail + "。", sum=cols[0][1], total=cols[0][2], columns=cols)


@check
def weights(ev: Evaluation) -> Iterator[Finding]:
    issues = check_weights(ev.form, ev.ruleset)
    if issues:
        parts = []
        for w in issues:
            who = f"（{'、'.join(w.indicators)}）" if w.indicators else ""
            parts.append(f"{w.what}{who}：应为{format_decimal(w.expected)}，实为{format_decimal(w.seen)}")
        names = tuple(n for w in issues for n in w.indicators)
        detail = "；".join(parts) + "。" + ("（表中未填分值，权重按评分规则的默认分配）" if ev.weights_derived else "")
        yield make_finding("SE-ARITH-WEIGHTS", names, severity="warning" if ev.weights_derived else None,
                           detail=detail, issues=[(w.what, w.expected, w.seen) for w in issues])


@check
def unstated_weights(ev: Evaluation) -> Iterator[Finding]:
    """Every weight the form does not state, and where the one used came from."""
    derived = [r for r in ev.indicators if not r.weight_origin.stated]
    if not derived:
        return
    settled = ev.all_met
    status = ("全部指标均得满分，无论如何分配权重得分率都相同，评级不受影响。" if settled else
              "复核得分按上述权重计算；在复核人确定这些权重（决定中的weights）或认可上述分配（撤销本条）之前，评级待定。")
    yield make_finding(
        UNSTATED_WEIGHTS, tuple(r.indicator.name for r in derived),
        variant="settled" if settled else None, kind="warning" if settled else None,
        items=_items([f"{r.indicator.name}（{format_decimal(r.indicator.weight)}分：{weight_note(r.weight_origin, ev.ruleset.name)}）"
                      for r in derived]), status=status)


@check
def category_points(ev: Evaluation) -> Iterator[Finding]:
    """A 一级指标 cell that states its points (产出指标(70分)) against the weights under it."""
    sums: dict[str, Decimal] = {}
    for ind in ev.form.indicators:
        if ind.level1 and points(ind.level1) is not None and ind.weight is not None:
            sums[ind.level1] = sums.get(ind.level1, Decimal(0)) + ind.weight
    tol = ev.ruleset.tolerances.weight
    bad = [(label, points(label), total) for label, total in sums.items() if abs(total - points(label)) > tol]
    if bad:
        yield make_finding("SE-ARITH-CATEGORY-POINTS", items=_items(
            [f"{label.strip()}下各指标分值合计{format_decimal(canonical(total))}分" for label, _, total in bad]),
            groups=[(label, stated, total) for label, stated, total in bad])


@check
def over_full(ev: Evaluation) -> Iterator[Finding]:
    weights = weight_sum(ev.form, ev.ruleset)
    if weights > ev.full_marks or ev.review_high > ev.full_marks:
        yield make_finding("SE-ARITH-OVER-FULL", weights=format_decimal(weights),
                           full=format_decimal(ev.full_marks), review=show_range(ev.review_low, ev.review_high))


@check
def stated_total(ev: Evaluation) -> Iterator[Finding]:
    stated = ev.form.stated_total
    if stated is not None and stated != ev.self_total:
        yield make_finding("SE-ARITH-TOTAL", stated_total=stated, sum=ev.self_total)


@check
def score_range(ev: Evaluation) -> Iterator[Finding]:
    bad = [r for r in ev.indicators
           if r.self_score is not None and not ZERO <= r.self_score <= r.indicator.weight]
    if bad:
        # against weights the ruleset's default split gave (the form printed none) it is a question
        # for the department, not the form contradicting itself
        yield make_finding(
            "SE-ARITH-SCORE-RANGE", tuple(r.indicator.name for r in bad),
            severity="warning" if ev.weights_derived else None,
            items=_items([f"{r.indicator.name}（{'按默认分配的' if ev.weights_derived else ''}权重"
                          f"{format_decimal(r.indicator.weight)}，自评{format_decimal(r.self_score)}）" for r in bad]))


# --- rates -------------------------------------------------------------------------------------

_RATE_BASIS = {
    "funding_rate": ("财政拨款数/（年初预算数+调整数）", "appropriated", "budget"),
    "payment_rate": ("实际支付数/财政拨款数", "paid", "appropriated"),
    "execution_rate": ("实际支付数/（年初预算数+调整数）", "paid", "budget"),
}
_ALTERNATIVE = {"payment_rate": "execution_rate", "execution_rate": "payment_rate"}


def _money_value(form: Form, name: str) -> Decimal | None:
    return form.money.budget if name == "budget" else getattr(form.money, name)


@check
def rates(ev: Evaluation) -> Iterator[Finding]:
    form, limit = ev.form, ev.ruleset.review.rate_warning_points
    mismatches: list[dict[str, Any]] = []
    alternatives: list[dict[str, Any]] = []
    for r in ev.indicators:
        rate_name = rate_indicator(r.indicator, ev.ruleset)
        claimed = parse_actual(r.indicator.actual)
        if rate_name is None or claimed.kind != "quantity" or claimed.quantity.unit not in ("%", ""):
            continue
        value = ev.rates.get(rate_name)
        if value is None:
            continue
        c = claimed.quantity.value
        basis, num, den = _RATE_BASIS[rate_name]
        if abs(c - value) >= limit:
            mismatches.append(dict(
                name=r.indicator.name, claimed=r.indicator.actual, recomputed=pct(value), basis=basis,
                numerator=_money_value(form, num), denominator=_money_value(form, den),
                diff=round_half_up(abs(c - value)), review_score=r.review.score, self_score=r.self_score,
                rate=rate_name, claimed_value=c, recomputed_value=value))
            continue
        alt = _ALTERNATIVE.get(rate_name)
        alt_value = ev.rates.get(alt) if alt else None
        if alt_value is not None and abs(c - alt_value) >= limit:
            alt_basis, anum, aden = _RATE_BASIS[alt]
            alternatives.append(dict(
                name=r.indicator.name, claimed=r.indicator.actual, basis=basis, recomputed=pct(value),
                alt_basis=alt_basis, alt=pct(alt_value), alt_numerator=_money_value(form, anum),
                alt_denominator=_money_value(form, aden), rate=rate_name, alt_rate=alt,
                claimed_value=c, recomputed_value=value, alt_value=alt_value))
    national = _national_rate(ev)
    if national is not None and abs(national["claimed_value"] - national["recomputed_value"]) >= limit:
        mismatches.append(national)
    m = form.money
    if mismatches:
        extra = ""
        # a claim of 100% despite money recovered is SE-RATE-FULL-DESPITE-RECOVERY's to say, once
        full_claims = any(x.get("claimed_value") == HUNDRED for x in mismatches)
        if not full_claims and ((m.quota_recovered or ZERO) > 0 or (m.recovered or ZERO) > 0):
            extra = (f"指标结余收回{format_decimal(m.quota_recovered or ZERO)}万元，"
                     f"财政收回{format_decimal(m.recovered or ZERO)}万元。")
        template = CATALOGUE["SE-RATE-MISMATCH"]["item"]
        items = "".join(template.format(**{k: show_value(v) for k, v in x.items()}) for x in mismatches)
        yield make_finding("SE-RATE-MISMATCH", tuple(x["name"] for x in mismatches), items=items,
                           extra=extra, rates=mismatches, quota_recovered=m.quota_recovered,
                           recovered=m.recovered)
    if alternatives:
        template = CATALOGUE["SE-RATE-ALT-BASIS"]["item"]
        items = "".join(template.format(**{k: show_value(v) for k, v in x.items()}) for x in alternatives)
        yield make_finding("SE-RATE-ALT-BASIS", tuple(x["name"] for x in alternatives), items=items,
                           rates=alternatives)


def _national_rate(ev: Evaluation) -> dict[str, Any] | None:
    """National layout: the 执行率 the 年度资金总额 row states, against 全年执行数 / 全年预算数 (or, where
    that row cannot give it, the sums of the funding sources)."""
    f = ev.form
    stated = f.money.stated_execution_rate
    if stated is None or not national_funds(f):
        return None
    value, basis = ev.rates.execution_rate, "全年执行数/全年预算数"
    num, den = f.money.paid, f.money.budget
    if value is None:
        value, basis = parts_execution_rate(f), "各资金来源全年执行数合计/全年预算数合计"
        num = sum((s.actual for s in f.sub_items if s.actual is not None), ZERO)
        den = sum((s.budget for s in f.sub_items if s.budget is not None), ZERO)
    if value is None:
        return None
    bs = ev.budget_score
    return dict(name="预算执行率", claimed=f"{format_decimal(stated)}%", recomputed=pct(value), basis=basis, numerator=num,
                denominator=den, diff=round_half_up(abs(stated - value)),
                review_score=None if bs is None else bs.score, self_score=f.budget_self_score,
                rate="execution_rate", claimed_value=stated, recomputed_value=value)


@check
def full_despite_recovery(ev: Evaluation) -> Iterator[Finding]:
    m = ev.form.money
    if (m.quota_recovered or ZERO) <= 0 and (m.recovered or ZERO) <= 0:
        return
    names = []
    for r in ev.indicators:
        a = parse_actual(r.indicator.actual)
        if rate_indicator(r.indicator, ev.ruleset) and a.kind == "quantity" and a.quantity.value == HUNDRED:
            names.append(r.indicator.name)
    if names:
        yield make_finding("SE-RATE-FULL-DESPITE-RECOVERY", tuple(names), items="、".join(names),
                           quota_recovered=m.quota_recovered or ZERO, recovered=m.recovered or ZERO)


# --- execution vs score ------------------------------------------------------------------------


@check
def score_vs_execution(ev: Evaluation) -> Iterator[Finding]:
    rate = ev.rates.execution_rate
    if rate is None or not ev.full_marks:
        return
    share = ev.self_total / ev.full_marks * HUNDRED
    gap = share - rate
    if gap > ev.ruleset.review.score_vs_execution_points:
        yield make_finding("SE-EXEC-SCORE-GAP", self_total=ev.self_total, full_marks=ev.full_marks,
                           share=pct(share), execution_rate=pct(rate), gap=round_half_up(gap),
                           share_value=share, execution_value=rate)


@check
def unspent(ev: Evaluation) -> Iterator[Finding]:
    budget, paid = ev.form.money.budget, ev.form.money.paid
    if budget is None or paid is None or budget == 0:
        return
    share = (budget - paid) / budget * HUNDRED
    if share > ev.ruleset.review.unspent_share:
        yield make_finding("SE-EXEC-UNSPENT", budget=budget, unspent=budget - paid, share=pct(share),
                           share_value=share)


@check
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
            items=_items([f"{s.name}（预算{format_decimal(s.budget)}万元，实际{format_decimal(s.actual)}万元，"
                          f"执行率{pct(r)}）" for s, r in low]),
            sub_items=[(s.name, r) for s, r in low])


@check
def sub_item_over_budget(ev: Evaluation) -> Iterator[Finding]:
    tol = ev.ruleset.tolerances.money  # rounding in the form is not an overspend
    over = [s for s in ev.form.sub_items
            if s.budget is not None and s.actual is not None and s.actual > s.budget + tol]
    if over:
        yield make_finding(
            "SE-EXEC-SUBITEM-OVER",
            items=_items([f"{s.name}（预算{format_decimal(s.budget)}万元，实际{format_decimal(s.actual)}万元，"
                          f"超出{format_decimal(s.actual - s.budget)}万元）" for s in over]),
            sub_items=[(s.name, s.budget, s.actual) for s in over])


# --- indicators --------------------------------------------------------------------------------


@check
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
            items=_items([f"{name}自评{format_decimal(own)}分、重算{format_decimal(a.score)}分（{a.reason}）"
                          for name, own, a in diff]),
            scores=[(name, own, a.score) for name, own, a in diff],
            clipped=[name for name, _, a in diff if a.basis == "tier_clipped"])


def _short(a, own: Decimal) -> bool:
    """A self-score above a rescore that the actual falling short of its target explains: a
    performance shortfall (SE-IND-SHORTFALL), not a scoring error."""
    return a.basis in SHORTFALL_BASES and own > a.score


SHORTFALL_BASES = ("shortfall", "not_met", "over")


@check
def shortfall(ev: Evaluation) -> Iterator[Finding]:
    """Indicators whose actual falls short of the target while the self-score ignores it."""
    rows = [r for r in ev.indicators if r.self_score is not None and r.rescore.score is not None
            and _short(r.rescore, r.self_score)]
    if rows:
        yield make_finding(
            "SE-IND-SHORTFALL", tuple(r.indicator.name for r in rows),
            items=_items([f"{r.indicator.name}（目标{r.indicator.target.raw}，实际{r.indicator.actual}；"
                          f"{r.rescore.reason}；按规则{format_decimal(r.rescore.score)}分，自评{format_decimal(r.self_score)}分）"
                          for r in rows]),
            scores=[(r.indicator.name, r.self_score, r.rescore.score) for r in rows])


def project_results(ev: Evaluation) -> list[IndicatorResult]:
    """Results of the project indicators (产出/效益/满意度: the ruleset's "project" group)."""
    return [r for r in ev.indicators if ev.ruleset.categories[r.indicator.category].group == "project"]


def at_threshold(r: IndicatorResult, ev: Evaluation) -> bool:
    """Actual exactly at the target value, or a qualitative actual at exactly full achievement."""
    t, a = r.indicator.target, parse_actual(r.indicator.actual)
    if t.kind == "quantitative":
        return a.kind == "quantity" and a.quantity.value == t.value
    if t.kind == "qualitative":
        if a.kind == "quantity":
            return a.quantity.value == HUNDRED and a.quantity.unit in ("%", "")
        q = ev.ruleset.qualitative
        if q.mode == "tiers":
            top_name, top_tier = next(iter(q.tiers.items()))
            top = {top_name, *top_tier.words}
        else:
            top = {max(q.grades.items(), key=lambda kv: kv[1])[0]}
        full = {*(normalize(w) for w in top), *(normalize(w) for w in q.full_words), normalize(t.word or "")}
        return a.kind == "text" and normalize(a.text) in full
    return False


@check
def formulaic(ev: Evaluation) -> Iterator[Finding]:
    th = ev.ruleset.review
    proj = project_results(ev)
    hits = [r for r in proj if at_threshold(r, ev)]
    if len(proj) >= th.formulaic_min_count and hits:
        share = Decimal(len(hits)) / len(proj) * HUNDRED
        if share >= th.formulaic_share:
            yield make_finding(
                "SE-IND-FORMULAIC", tuple(r.indicator.name for r in hits), count=len(proj),
                at=len(hits), share=pct(share),
                items="、".join(f"{r.indicator.name}（目标{r.indicator.target.raw}，实际{r.indicator.actual}）"
                               for r in hits))


@check
def all_full(ev: Evaluation) -> Iterator[Finding]:
    rs = ev.indicators
    if rs and all(r.self_score is not None and r.self_score == r.indicator.weight for r in rs):
        # where the review gives every indicator full marks too, it asks nothing of the unit
        agrees = all(r.review.score == r.indicator.weight for r in rs)
        yield make_finding("SE-IND-ALL-FULL", count=len(rs), self_total=ev.self_total, review_agrees=agrees)


@check
def missing_actual(ev: Evaluation) -> Iterator[Finding]:
    miss = [r for r in ev.indicators if parse_actual(r.indicator.actual).kind == "blank"]
    if miss:
        yield make_finding(
            "SE-IND-MISSING-ACTUAL", tuple(r.indicator.name for r in miss),
            items=_items([f"{r.indicator.name}（{_missing_why(r)}）" for r in miss]))


def _missing_why(r: IndicatorResult) -> str:
    if r.indicator.target.kind == "none" and r.rescore.status == "manual":
        return "目标值也未填写，指标名称中可能含目标，待人工评分"
    return "有说明，待人工评分" if r.rescore.status == "manual" else "无说明，按0分计"


@check
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
            items=_items([f"{r.indicator.name}（{r.rescore.reason}{settled(r)}）" for r in waiting]),
            status=status, pending=pending)


@check
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


@check
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
            hits.append(f"{r.indicator.name}（目标{t.raw}，实际{r.indicator.actual}，完成率{pct(r.rescore.completion)}）")
            names.append(r.indicator.name)
    if hits:
        yield make_finding("SE-IND-OVERACHIEVED", tuple(names), items=_items(hits))


# --- plausibility ------------------------------------------------------------------------------


@check
def qualitative_as_percent(ev: Evaluation) -> Iterator[Finding]:
    hits = [r for r in ev.indicators if r.indicator.target.kind == "qualitative"
            and parse_actual(r.indicator.actual).kind == "quantity"]
    if hits:
        yield make_finding("SE-PLAUS-QUAL-AS-PERCENT", tuple(r.indicator.name for r in hits),
                           count=len(hits), example=hits[0].indicator.actual,
                           items="、".join(r.indicator.name for r in hits))


@check
def text_actual(ev: Evaluation) -> Iterator[Finding]:
    hits = [r for r in ev.indicators if r.indicator.target.kind in ("quantitative", "range")
            and parse_actual(r.indicator.actual).kind == "text"]
    if hits:
        yield make_finding(
            "SE-PLAUS-TEXT-ACTUAL", tuple(r.indicator.name for r in hits),
            items=_items([f"{r.indicator.name}（目标{r.indicator.target.raw}，实际“{r.indicator.actual}”）"
                          for r in hits]))


@check
def unread_columns(ev: Evaluation) -> Iterator[Finding]:
    """A column with values that no field claimed (layouts list them in the provenance)."""
    if ev.form.provenance.unread:
        yield make_finding("SE-READ-UNREAD-COLUMN", items=_items(ev.form.provenance.unread),
                           columns=list(ev.form.provenance.unread))


@check
def bad_cells(ev: Evaluation) -> Iterator[Finding]:
    """Value cells the reader could not interpret: the form loaded, each value counts as not stated."""
    cells = ev.form.provenance.degraded
    if cells:
        yield make_finding("SE-READ-BAD-CELL", items=_items(cells), cells=list(cells))


@check
def inferred_labels(ev: Evaluation) -> Iterator[Finding]:
    """一级 labels the reader inferred from the template's hierarchy."""
    if ev.form.provenance.inferred:
        yield make_finding("SE-READ-INFERRED", items=_items(ev.form.provenance.inferred),
                           cells=list(ev.form.provenance.inferred))


@check
def skipped_rows(ev: Evaluation) -> Iterator[Finding]:
    skipped = ev.form.provenance.skipped
    if skipped:
        yield make_finding("SE-READ-SKIPPED-ROWS", count=len(skipped), items=_items(skipped), rows=list(skipped))


@check
def comparator_actual(ev: Evaluation) -> Iterator[Finding]:
    """An actual written as a bound (≥266米) is scored on its number, and the reviewer is told."""
    hits = [r for r in ev.indicators if parse_actual(r.indicator.actual).comparator is not None]
    if hits:
        yield make_finding(
            "SE-PLAUS-ACTUAL-COMPARATOR", tuple(r.indicator.name for r in hits),
            items=_items([f"{r.indicator.name}（实际“{r.indicator.actual}”，按"
                          f"{format_decimal(parse_actual(r.indicator.actual).quantity.value)}计）" for r in hits]))


_COST = re.compile(r"成本|费用|单价")


def is_cost_indicator(r: IndicatorResult) -> bool:
    """A 成本指标: its 二级 says so, or its name speaks of 成本 / 费用 / 单价."""
    level2 = normalize(r.indicator.level2 or "")
    return "成本" in level2 or bool(_COST.search(r.indicator.name))


@check
def cost_at_least(ev: Evaluation) -> Iterator[Finding]:
    hits = [r for r in ev.indicators if is_cost_indicator(r)
            and r.indicator.target.comparator in ("at_least", "above")]
    if hits:
        yield make_finding("SE-PLAUS-COST-AT-LEAST", tuple(r.indicator.name for r in hits),
                           items="、".join(f"{r.indicator.name}（{r.indicator.target.raw}）" for r in hits))


@check
def rate_over_100(ev: Evaluation) -> Iterator[Finding]:
    hits = [r for r in ev.indicators if r.indicator.target.unit == "%"
            and ((r.indicator.target.value or ZERO) > HUNDRED or (r.indicator.target.high or ZERO) > HUNDRED)]
    if hits:
        yield make_finding("SE-PLAUS-RATE-OVER-100", tuple(r.indicator.name for r in hits),
                           items="、".join(f"{r.indicator.name}（{r.indicator.target.raw}）" for r in hits))


@check
def satisfaction_over_100(ev: Evaluation) -> Iterator[Finding]:
    hits = [r for r in ev.indicators if impossible_actual(r.indicator, parse_actual(r.indicator.actual))]
    if hits:
        def state(r: IndicatorResult) -> str:
            return "" if r.pending else f"，已由复核人评{format_decimal(r.review.score)}分"

        pending = any(r.pending for r in hits)
        yield make_finding("SE-PLAUS-SATISFACTION", tuple(r.indicator.name for r in hits),
                           kind=None if pending else "warning",
                           items="、".join(f"{r.indicator.name}（{r.indicator.actual}{state(r)}）" for r in hits))


@check
def duplicates(ev: Evaluation) -> Iterator[Finding]:
    seen: dict[str, set[Category]] = {}
    for r in ev.indicators:
        seen.setdefault(normalize(r.indicator.name), set()).add(r.indicator.category)
    dups = [n for n, cats in seen.items() if len(cats) > 1]
    if dups:
        yield make_finding("SE-PLAUS-DUPLICATE", tuple(dups), items="、".join(dups))


@check
def year_covered(ev: Evaluation) -> Iterator[Finding]:
    if ev.form.year not in ev.ruleset.years:
        yield make_finding("SE-PLAUS-YEAR", year=ev.form.year, ruleset=ev.ruleset.name,
                           years="、".join(str(y) for y in ev.ruleset.years))


# --- narrative ---------------------------------------------------------------------------------

_EMPTY_WORDS = {"", "无", "暂无", "没有", "无问题", "/", "-", "—", "无。", "暂无。"}


@check
def empty_problems(ev: Evaluation) -> Iterator[Finding]:
    reasons = []
    if ev.review_total < ev.full_marks:
        reasons.append(f"复核得分{format_decimal(round_half_up(ev.review_total))}分低于满分")
    rate = ev.rates.execution_rate
    if rate is not None and rate < ev.ruleset.review.low_execution:
        reasons.append(f"预算执行率仅{pct(rate)}")
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


@check
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


# --- quality of what the unit wrote (what 复核 checklists raise; docs/rules.md "Quality checks") ---

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


@check
def no_survey(ev: Evaluation) -> Iterator[Finding]:
    """A 满意度 claimed as a figure with no survey (问卷, 调查, 样本 …) anywhere in the form."""
    claimed = [r for r in ev.indicators if is_satisfaction(r) and parse_actual(r.indicator.actual).kind == "quantity"]
    if claimed and not _any(_Q["survey_words"], _form_text(ev.form)):
        yield make_finding("SE-QUAL-NO-SURVEY", tuple(r.indicator.name for r in claimed),
                           items="、".join(f"{r.indicator.name}（{r.indicator.actual}）" for r in claimed),
                           words="、".join(_Q["survey_words"][:6]))


@check
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
                           items=_items([f"{n}（列于{where}：{why}）" for n, where, why in hits]))


@check
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


@check
def no_cost_indicator(ev: Evaluation) -> Iterator[Finding]:
    """A form of a year the template requires a 成本指标 for, with none."""
    since = ev.ruleset.review.cost_indicator_from
    if since is None or ev.form.year < since or not ev.indicators:
        return
    has = any("成本" in normalize(f"{i.level1 or ''}{i.level2 or ''}") or is_cost_indicator(r)
              for r in ev.indicators for i in (r.indicator,))
    if not has:
        yield make_finding("SE-QUAL-NO-COST", year=ev.form.year, since=since)


@check
def low_execution_no_reason(ev: Evaluation) -> Iterator[Finding]:
    """执行率 below the ruleset's threshold with no reason anywhere the form could give one."""
    limit, rate = ev.ruleset.review.reason_below_execution, ev.rates.execution_rate
    if limit is None or rate is None or rate >= limit:
        return
    if not _any(_Q["execution_reason_words"], _form_text(ev.form, names=False)):
        yield make_finding("SE-QUAL-LOW-EXECUTION-NO-REASON", rate=pct(rate), limit=format_decimal(limit))


@check
def money_in_goals(ev: Evaluation) -> Iterator[Finding]:
    """Money amounts written into the goals instead of what the money is to achieve."""
    n = ev.form.narrative
    hits = [(LABELS["narrative"].get(k, k), m) for k in ("overall_goal", "annual_goal")
            if (text := getattr(n, k)) and (m := re.findall(_Q["money_in_goal"], normalize(text)))]
    if hits:
        yield make_finding("SE-QUAL-MONEY-IN-GOAL", items="；".join(f"{where}写有{'、'.join(m[:3])}" for where, m in hits))


@check
def filled_too_early(ev: Evaluation) -> Iterator[Finding]:
    """A 填报日期 before the year the form evaluates had ended: the year's actuals were not yet known."""
    d, year = ev.form.filled_on, ev.form.year
    if d is not None and (d.year, d.month, d.day) <= (year, 12, 31):
        yield make_finding("SE-QUAL-DATE", filled_on=d.isoformat(), year=year)


@check
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


# --- running the review ------------------------------------------------------------------------


def validate_decisions(form: Form, decisions: list[Decision], raised: list[Finding], source: str = "",
                       ruleset: Ruleset | None = None) -> None:
    """Refuse decisions about unknown indicators or findings, and scores outside 0..weight.

    Under a scheme with a budget-execution score, a score decision may also name that row
    (预算执行 / 年度资金总额).
    """
    where = f"{source}: " if source else ""
    names = {normalize(i.name): i for i in form.indicators}
    codes = {f.code for f in raised}
    budget = ruleset.budget_score if ruleset is not None else None
    for d in decisions:
        if d.kind == "score" and budget is not None and normalize(d.subject) not in names and is_budget_row(d.subject):
            if not ZERO <= d.score <= budget.weight:
                raise DecisionsError(f"{where}scores: {d.subject}: score {format_decimal(d.score)} is "
                                     f"outside 0..{format_decimal(budget.weight)} (the budget-execution weight)")
            continue
        if d.kind == "weight":
            if normalize(d.subject) not in names:
                raise DecisionsError(f"{where}weights: unknown indicator {d.subject!r}; the form's "
                                     f"indicators are {'、'.join(i.name for i in form.indicators)}")
            continue
        if d.kind == "score":
            ind = names.get(normalize(d.subject))
            if ind is None:
                raise DecisionsError(f"{where}scores: unknown indicator {d.subject!r}; the form's "
                                     f"indicators are {'、'.join(i.name for i in form.indicators)}")
            if not ZERO <= d.score <= ind.weight:
                raise DecisionsError(f"{where}scores: {d.subject}: score {format_decimal(d.score)} is "
                                     f"outside 0..{format_decimal(ind.weight)} (the weight)")
        elif d.subject not in CATALOGUE:
            raise DecisionsError(f"{where}dismiss: unknown finding code {d.subject!r}")
        elif d.subject not in codes:
            raise DecisionsError(f"{where}dismiss: finding {d.subject} was not raised for this form "
                                 f"(raised: {', '.join(sorted(codes)) or 'none'})")


def review(form: Form, ruleset: Ruleset, decisions: list[Decision] | None = None,
           decisions_source: str = "") -> Evaluation:
    """Score the form, run every check, and apply the reviewer's decisions."""
    decisions = list(decisions or [])
    ev = score_form(form, ruleset, decisions)
    findings = [f for chk in CHECKS for f in chk(ev)]
    validate_decisions(ev.form, decisions, findings, decisions_source, ruleset)
    dismissed = {d.subject: d for d in decisions if d.kind == "dismiss"}
    findings = [replace(f, dismissed=dismissed.get(f.code)) for f in findings]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: order[f.severity])
    ev = replace(ev, findings=findings)
    # A weight question still open (printed points against the rules, a sum over full marks) holds
    # the rating whatever the range says.
    if ev.rating is not None and any(f.holds_rating and f.waits for f in findings):
        ev = replace(ev, rating=None, unsettled=(*ev.unsettled, "findings"))
    return ev
