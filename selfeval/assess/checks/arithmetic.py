"""Arithmetic checks: the money block and the points add up as the form claims."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from selfeval.assess.checks.common import joined, national_funds, raises
from selfeval.assess.evaluation import ZERO, Evaluation
from selfeval.assess.findings import Finding, make_finding
from selfeval.assess.scoring import check_weights, weight_sum
from selfeval.form.model import Form
from selfeval.form.values import canonical, format_decimal, show_range
from selfeval.layouts.reader import points


def money_ok(a: Decimal | None, b: Decimal | None, tol: Decimal) -> bool:
    return a is None or b is None or abs(a - b) <= tol


@raises("SE-ARITH-QUOTA-BALANCE")
def quota_balance(ev: Evaluation) -> Iterator[Finding]:
    m = ev.form.money
    if None in (m.initial_budget, m.appropriated, m.quota_balance):
        return
    expected = m.initial_budget + (m.adjustment or ZERO) - m.appropriated
    if expected != m.quota_balance:
        yield make_finding("SE-ARITH-QUOTA-BALANCE", quota_balance=m.quota_balance,
                           initial_budget=m.initial_budget, adjustment=m.adjustment or ZERO,
                           appropriated=m.appropriated, expected=expected)


@raises("SE-ARITH-CARRY-SPLIT", "SE-ARITH-FUND-BALANCE")
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


@raises("SE-ARITH-RECOVERED-OVER")
def recovered_over(ev: Evaluation) -> Iterator[Finding]:
    m = ev.form.money
    if None not in (m.quota_recovered, m.quota_balance) and m.quota_recovered > m.quota_balance:
        yield make_finding("SE-ARITH-RECOVERED-OVER", quota_recovered=m.quota_recovered,
                           quota_balance=m.quota_balance)


@raises("SE-ARITH-APPROPRIATED")
def appropriated_twice(ev: Evaluation) -> Iterator[Finding]:
    m = ev.form.money
    if None not in (m.appropriated, m.use_appropriated) and m.appropriated != m.use_appropriated:
        yield make_finding("SE-ARITH-APPROPRIATED", appropriated=m.appropriated,
                           use_appropriated=m.use_appropriated)


@raises("SE-ARITH-SUBITEM-ACTUAL", "SE-ARITH-SUBITEM-BUDGET")
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
    if len(actuals) == len(f.sub_items) and f.sub_items_actual_total is not None and not money_ok(sa, f.sub_items_actual_total, tol):
        problems.append(f"各子项实际数之和{format_decimal(sa)}万元 ≠ 合计{format_decimal(f.sub_items_actual_total)}万元")
    total_a = f.sub_items_actual_total if f.sub_items_actual_total is not None else sa
    if not money_ok(total_a, f.money.paid, tol):
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
        if not money_ok(got, total, tol):
            found.setdefault(code, []).append((label, got, total))
    for code, cols in found.items():
        detail = "；".join(f"各资金来源{label}之和{format_decimal(got)}万元 ≠ 年度资金总额{format_decimal(total)}万元"
                          for label, got, total in cols)
        yield make_finding(code, detail=detail + "。", sum=cols[0][1], total=cols[0][2], columns=cols)


@raises("SE-ARITH-WEIGHTS")
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


@raises("SE-ARITH-CATEGORY-POINTS")
def category_points(ev: Evaluation) -> Iterator[Finding]:
    """A 一级指标 cell that states its points (产出指标(70分)) against the weights under it."""
    sums: dict[str, Decimal] = {}
    for ind in ev.form.indicators:
        if ind.level1 and points(ind.level1) is not None and ind.weight is not None:
            sums[ind.level1] = sums.get(ind.level1, Decimal(0)) + ind.weight
    tol = ev.ruleset.tolerances.weight
    bad = [(label, points(label), total) for label, total in sums.items() if abs(total - points(label)) > tol]
    if bad:
        yield make_finding("SE-ARITH-CATEGORY-POINTS", items=joined(
            [f"{label.strip()}下各指标分值合计{format_decimal(canonical(total))}分" for label, _, total in bad]),
            groups=[(label, stated, total) for label, stated, total in bad])


@raises("SE-ARITH-OVER-FULL")
def over_full(ev: Evaluation) -> Iterator[Finding]:
    weights = weight_sum(ev.form, ev.ruleset)
    if weights > ev.full_marks or ev.review_high > ev.full_marks:
        yield make_finding("SE-ARITH-OVER-FULL", weights=format_decimal(weights),
                           full=format_decimal(ev.full_marks), review=show_range(ev.review_low, ev.review_high))


@raises("SE-ARITH-TOTAL")
def stated_total(ev: Evaluation) -> Iterator[Finding]:
    stated = ev.form.stated_total
    if stated is not None and stated != ev.self_total:
        yield make_finding("SE-ARITH-TOTAL", stated_total=stated, sum=ev.self_total)


@raises("SE-ARITH-SCORE-RANGE")
def score_range(ev: Evaluation) -> Iterator[Finding]:
    bad = [r for r in ev.indicators
           if r.self_score is not None and not ZERO <= r.self_score <= r.indicator.weight]
    if bad:
        # against weights the ruleset's default split gave (the form printed none) it is a question
        # for the department, not the form contradicting itself
        yield make_finding(
            "SE-ARITH-SCORE-RANGE", tuple(r.indicator.name for r in bad),
            severity="warning" if ev.weights_derived else None,
            items=joined([f"{r.indicator.name}（{'按默认分配的' if ev.weights_derived else ''}权重"
                          f"{format_decimal(r.indicator.weight)}，自评{format_decimal(r.self_score)}）" for r in bad]))
