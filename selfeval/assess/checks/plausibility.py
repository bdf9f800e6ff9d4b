"""Plausibility checks: values a real project cannot have (rates over 100 %, duplicates, another year)."""

from __future__ import annotations

from collections.abc import Iterator

from selfeval.assess.checks.common import is_cost_indicator, joined, raises
from selfeval.assess.evaluation import HUNDRED, ZERO, Evaluation, IndicatorResult
from selfeval.assess.findings import Finding, make_finding
from selfeval.assess.scoring import impossible_actual
from selfeval.form.model import Category
from selfeval.form.values import format_decimal, normalize, parse_actual


@raises("SE-PLAUS-QUAL-AS-PERCENT")
def qualitative_as_percent(ev: Evaluation) -> Iterator[Finding]:
    hits = [r for r in ev.indicators if r.indicator.target.kind == "qualitative"
            and parse_actual(r.indicator.actual).kind == "quantity"]
    if hits:
        yield make_finding("SE-PLAUS-QUAL-AS-PERCENT", tuple(r.indicator.name for r in hits),
                           count=len(hits), example=hits[0].indicator.actual,
                           items="、".join(r.indicator.name for r in hits))


@raises("SE-PLAUS-TEXT-ACTUAL")
def text_actual(ev: Evaluation) -> Iterator[Finding]:
    hits = [r for r in ev.indicators if r.indicator.target.kind in ("quantitative", "range")
            and parse_actual(r.indicator.actual).kind == "text"]
    if hits:
        yield make_finding(
            "SE-PLAUS-TEXT-ACTUAL", tuple(r.indicator.name for r in hits),
            items=joined([f"{r.indicator.name}（目标{r.indicator.target.raw}，实际“{r.indicator.actual}”）"
                          for r in hits]))


@raises("SE-PLAUS-ACTUAL-COMPARATOR")
def comparator_actual(ev: Evaluation) -> Iterator[Finding]:
    """An actual written as a bound (≥266米) is scored on its number, and the reviewer is told."""
    hits = [r for r in ev.indicators if parse_actual(r.indicator.actual).comparator is not None]
    if hits:
        yield make_finding(
            "SE-PLAUS-ACTUAL-COMPARATOR", tuple(r.indicator.name for r in hits),
            items=joined([f"{r.indicator.name}（实际“{r.indicator.actual}”，按"
                          f"{format_decimal(parse_actual(r.indicator.actual).quantity.value)}计）" for r in hits]))


@raises("SE-PLAUS-COST-AT-LEAST")
def cost_at_least(ev: Evaluation) -> Iterator[Finding]:
    hits = [r for r in ev.indicators if is_cost_indicator(r)
            and r.indicator.target.comparator in ("at_least", "above")]
    if hits:
        yield make_finding("SE-PLAUS-COST-AT-LEAST", tuple(r.indicator.name for r in hits),
                           items="、".join(f"{r.indicator.name}（{r.indicator.target.raw}）" for r in hits))


@raises("SE-PLAUS-RATE-OVER-100")
def rate_over_100(ev: Evaluation) -> Iterator[Finding]:
    hits = [r for r in ev.indicators if r.indicator.target.unit == "%"
            and ((r.indicator.target.value or ZERO) > HUNDRED or (r.indicator.target.high or ZERO) > HUNDRED)]
    if hits:
        yield make_finding("SE-PLAUS-RATE-OVER-100", tuple(r.indicator.name for r in hits),
                           items="、".join(f"{r.indicator.name}（{r.indicator.target.raw}）" for r in hits))


@raises("SE-PLAUS-SATISFACTION")
def satisfaction_over_100(ev: Evaluation) -> Iterator[Finding]:
    hits = [r for r in ev.indicators if impossible_actual(r.indicator, parse_actual(r.indicator.actual))]
    if hits:
        def state(r: IndicatorResult) -> str:
            return "" if r.pending else f"，已由复核人评{format_decimal(r.review.score)}分"

        pending = any(r.pending for r in hits)
        yield make_finding("SE-PLAUS-SATISFACTION", tuple(r.indicator.name for r in hits),
                           kind=None if pending else "warning",
                           items="、".join(f"{r.indicator.name}（{r.indicator.actual}{state(r)}）" for r in hits))


@raises("SE-PLAUS-DUPLICATE")
def duplicates(ev: Evaluation) -> Iterator[Finding]:
    seen: dict[str, set[Category]] = {}
    for r in ev.indicators:
        seen.setdefault(normalize(r.indicator.name), set()).add(r.indicator.category)
    dups = [n for n, cats in seen.items() if len(cats) > 1]
    if dups:
        yield make_finding("SE-PLAUS-DUPLICATE", tuple(dups), items="、".join(dups))


@raises("SE-PLAUS-YEAR")
def year_covered(ev: Evaluation) -> Iterator[Finding]:
    if ev.form.year not in ev.ruleset.years:
        yield make_finding("SE-PLAUS-YEAR", year=ev.form.year, ruleset=ev.ruleset.name, ruleset_title=ev.ruleset.title,
                           years="、".join(str(y) for y in ev.ruleset.years))
