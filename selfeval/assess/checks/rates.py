"""Rate checks: 预算执行率 and 资金到位率 as the form states them, recomputed from its money."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from selfeval.assess.checks.common import national_funds, raises
from selfeval.assess.evaluation import HUNDRED, ZERO, Evaluation
from selfeval.assess.findings import CATALOGUE, Finding, make_finding, show_value
from selfeval.assess.scoring import parts_execution_rate, rate_indicator, round_half_up
from selfeval.form.model import Form
from selfeval.form.values import format_decimal, parse_actual, show_rate

_RATE_BASIS = {
    "funding_rate": ("财政拨款数/（年初预算数+调整数）", "appropriated", "budget"),
    "payment_rate": ("实际支付数/财政拨款数", "paid", "appropriated"),
    "execution_rate": ("实际支付数/（年初预算数+调整数）", "paid", "budget"),
}


_ALTERNATIVE = {"payment_rate": "execution_rate", "execution_rate": "payment_rate"}


def _money_value(form: Form, name: str) -> Decimal | None:
    return form.money.budget if name == "budget" else getattr(form.money, name)


@raises("SE-RATE-ALT-BASIS", "SE-RATE-MISMATCH")
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
                name=r.indicator.name, claimed=r.indicator.actual, recomputed=show_rate(value), basis=basis,
                numerator=_money_value(form, num), denominator=_money_value(form, den),
                diff=round_half_up(abs(c - value)), review_score=r.review.score, self_score=r.self_score,
                rate=rate_name, claimed_value=c, recomputed_value=value))
            continue
        alt = _ALTERNATIVE.get(rate_name)
        alt_value = ev.rates.get(alt) if alt else None
        if alt_value is not None and abs(c - alt_value) >= limit:
            alt_basis, anum, aden = _RATE_BASIS[alt]
            alternatives.append(dict(
                name=r.indicator.name, claimed=r.indicator.actual, basis=basis, recomputed=show_rate(value),
                alt_basis=alt_basis, alt=show_rate(alt_value), alt_numerator=_money_value(form, anum),
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
    return dict(name="预算执行率", claimed=f"{format_decimal(stated)}%", recomputed=show_rate(value), basis=basis, numerator=num,
                denominator=den, diff=round_half_up(abs(stated - value)),
                review_score=None if bs is None else bs.score, self_score=f.budget_self_score,
                rate="execution_rate", claimed_value=stated, recomputed_value=value)


@raises("SE-RATE-FULL-DESPITE-RECOVERY")
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
