"""The year before: what the record holds of a project's previous review (`PriorYear`), and how
this year compares with it (`compare`), for the checks (`checks/history`) and the report.

Pure data: the record stage (`selfeval.record`) builds a `PriorYear` from its database; nothing
here reads one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from selfeval.form.keys import indicator_key
from selfeval.form.values import parse_actual

# Comparators that aim high (a lower target is an easier one) and low (a higher ceiling is).
AIM_HIGH = ("at_least", "above")
AIM_LOW = ("at_most", "below")


@dataclass(frozen=True)
class PriorIndicator:
    """One indicator of the previous year's review."""

    key: str
    name: str
    target: str  # as the form wrote it
    target_value: Decimal | None
    comparator: str | None
    unit: str
    actual: str
    actual_value: Decimal | None  # the number reached (in the target's unit), None for a word
    weight: Decimal | None
    review_score: Decimal | None


@dataclass(frozen=True)
class PriorFinding:
    """One finding of the previous year's review that was not dismissed."""

    code: str
    severity: str
    title: str
    indicators: tuple[str, ...] = ()


@dataclass(frozen=True)
class PriorYear:
    """A project's previous review, as the record holds it (its latest revision)."""

    year: int
    project_name: str
    full_marks: Decimal
    review_low: Decimal
    review_high: Decimal
    rating: str | None
    rating_text: str
    self_total: Decimal | None
    execution_rate: Decimal | None
    indicators: tuple[PriorIndicator, ...]
    findings: tuple[PriorFinding, ...]
    revision: int = 1
    ref: str = ""  # the stored review it was read from (its identity), for a report's fingerprint

    def indicator(self, name: str) -> PriorIndicator | None:
        """The indicator of that (normalised) name last year, or None."""
        key = indicator_key(name)
        return next((i for i in self.indicators if i.key == key), None)


def actual_value(raw: str | None, unit: str) -> Decimal | None:
    """The number an actual cell reached, when it is a quantity in `unit` (else None)."""
    a = parse_actual(raw or "")
    if a.kind != "quantity" or a.quantity is None or a.comparator is not None:
        return None
    return a.quantity.value if a.quantity.unit == unit else None


@dataclass(frozen=True)
class Lowered:
    """A target made easier while last year's actual went beyond last year's target."""

    name: str
    before: PriorIndicator
    target: str


def lowered_targets(ev) -> list[Lowered]:
    """The indicators whose target this year is easier than last year's (lower for ≥, higher for
    ≤, in the same unit) although last year's actual exceeded last year's target."""
    prior = ev.previous
    if prior is None:
        return []
    out = []
    for r in ev.indicators:
        t = r.indicator.target
        before = prior.indicator(r.indicator.name)
        if (before is None or t.kind != "quantitative" or t.value is None or before.target_value is None
                or before.actual_value is None or t.unit != before.unit or t.comparator != before.comparator):
            continue
        if (t.comparator in AIM_HIGH and t.value < before.target_value and before.actual_value > before.target_value) or (t.comparator in AIM_LOW and t.value > before.target_value and before.actual_value < before.target_value):
            out.append(Lowered(r.indicator.name, before, t.raw))
    return out


def recurring(ev, codes_now: set[str]) -> list[PriorFinding]:
    """Last year's open errors and warnings whose finding fires again this year (`codes_now`)."""
    prior = ev.previous
    if prior is None:
        return []
    return [f for f in prior.findings if f.severity in ("error", "warning") and f.code in codes_now]


@dataclass(frozen=True)
class IndicatorChange:
    """One indicator this year against last year."""

    name: str
    target: str
    actual: str
    before_target: str | None  # None: no indicator of that name last year
    before_actual: str | None
    review_score: Decimal | None
    before_score: Decimal | None


@dataclass(frozen=True)
class Comparison:
    """This year against the previous one: totals as shares of full marks, rating, 执行率 and each
    indicator; what is not comparable is None."""

    year: int
    before_year: int
    share: Decimal | None
    before_share: Decimal | None
    rating_text: str
    before_rating_text: str
    execution_rate: Decimal | None
    before_execution_rate: Decimal | None
    indicators: tuple[IndicatorChange, ...]
    dropped: tuple[str, ...]  # last year's indicators with no match this year


def compare(ev) -> Comparison | None:
    """How this year's review compares with the previous year the record holds (None without one)."""
    prior = ev.previous
    if prior is None:
        return None
    hundred = Decimal(100)
    share = ev.review_total / ev.full_marks * hundred if ev.full_marks and ev.review_low == ev.review_high else None
    before_share = (prior.review_low / prior.full_marks * hundred
                    if prior.full_marks and prior.review_low == prior.review_high else None)
    changes, matched = [], set()
    for r in ev.indicators:
        before = prior.indicator(r.indicator.name)
        if before is not None:
            matched.add(before.key)
        changes.append(IndicatorChange(
            name=r.indicator.name, target=r.indicator.target.raw, actual=r.indicator.actual or "",
            before_target=None if before is None else before.target,
            before_actual=None if before is None else before.actual,
            review_score=r.review.score, before_score=None if before is None else before.review_score))
    return Comparison(
        year=ev.form.year, before_year=prior.year, share=share, before_share=before_share,
        rating_text=ev.rating_text, before_rating_text=prior.rating_text,
        execution_rate=ev.rates.execution_rate, before_execution_rate=prior.execution_rate,
        indicators=tuple(changes), dropped=tuple(i.name for i in prior.indicators if i.key not in matched))


def prior_year(ev, revision: int = 1, ref: str = "") -> PriorYear:
    """What the record keeps of a reviewed year, read straight from its evaluation (the record
    stores the same fields and reads them back into this)."""
    inds = []
    for r in ev.indicators:
        t = r.indicator.target
        inds.append(PriorIndicator(
            key=indicator_key(r.indicator.name), name=r.indicator.name, target=t.raw,
            target_value=t.value if t.kind == "quantitative" else None, comparator=t.comparator, unit=t.unit,
            actual=r.indicator.actual or "", actual_value=actual_value(r.indicator.actual, t.unit),
            weight=r.indicator.weight, review_score=r.review.score))
    return PriorYear(
        year=ev.form.year, project_name=ev.form.project_name, full_marks=ev.full_marks,
        review_low=ev.review_low, review_high=ev.review_high, rating=ev.rating, rating_text=ev.rating_text,
        self_total=ev.self_total if ev.self_claimed else None, execution_rate=ev.rates.execution_rate,
        indicators=tuple(inds),
        findings=tuple(PriorFinding(f.code, f.severity, f.title, tuple(f.indicators))
                       for f in ev.findings if f.dismissed is None),
        revision=revision, ref=ref)
