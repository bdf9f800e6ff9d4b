"""What a review produces, as plain frozen records that `scoring` fills and every view reads:
`Evaluation` (one form scored and reviewed), an `IndicatorResult` per indicator, the `Assessment`
of one actual against its rule, the form's `Rates` and each weight's `WeightOrigin`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from selfeval.assess.decisions import Decision
from selfeval.assess.rulesets import Ruleset
from selfeval.form.model import Form, Indicator
from selfeval.form.values import format_decimal, normalize, show_range

HUNDRED = Decimal(100)
ZERO = Decimal(0)

Status = Literal["scored", "manual"]
WeightSource = Literal["form", "printed", "ruleset", "siblings", "decision"]


@dataclass(frozen=True)
class Assessment:
    """The outcome of applying a rule to one actual."""

    score: Decimal | None  # rounded to 2 places; None while awaiting manual scoring
    status: Status
    basis: str  # met | shortfall | over | grade | not_met | missing | manual | decision
    reason: str  # Chinese, for tables and narrative
    completion: Decimal | None = None  # % of the target achieved, where defined
    # While the score waits (None): the lowest and highest it can still take, where a rule fixes
    # them (else 0 and the weight).
    low: Decimal | None = None
    high: Decimal | None = None


@dataclass(frozen=True)
class Rates:
    """Rates recomputed from the money block, in % (unrounded)."""

    funding_rate: Decimal | None
    payment_rate: Decimal | None
    execution_rate: Decimal | None

    def get(self, name: str) -> Decimal | None:
        return getattr(self, name)


@dataclass(frozen=True)
class WeightOrigin:
    """Where an indicator's weight came from: the form's own 分值 cell (`form`), points the form
    prints on a 一级/二级 cell shared evenly among its rows (`printed`: the points are the form's,
    the share is ours), the ruleset's default split (`ruleset`), or a reviewer's decision."""

    source: WeightSource = "form"
    pool: str = ""  # the printed cell or the ruleset's category group whose points were shared
    points: Decimal | None = None  # that pool's points
    members: int = 1  # how many indicators share the pool

    @property
    def stated(self) -> bool:
        """Whether the weight is one the form (or the reviewer) states, not one we derived."""
        # a printed cell over a single row states that row's weight
        return self.source in ("form", "decision") or (self.source == "printed" and self.members == 1)


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator with its three scores."""

    index: int
    indicator: Indicator
    rescore: Assessment
    review: Assessment
    review_source: Literal["claimed", "recomputed", "decision"]
    accepted_actual: str
    decision: Decision | None = None
    weight_origin: WeightOrigin = WeightOrigin()

    @property
    def self_score(self) -> Decimal | None:
        return self.indicator.self_score

    @property
    def pending(self) -> bool:
        """Whether the review score still waits for the reviewer."""
        return self.review.score is None

    @property
    def difference(self) -> Decimal | None:
        """Review score minus self-score; None while either is missing."""
        own = self.indicator.self_score
        return None if self.review.score is None or own is None else self.review.score - own

    @property
    def bounds(self) -> tuple[Decimal, Decimal]:
        """The lowest and highest review score this indicator can still take."""
        if self.review.score is not None:
            return self.review.score, self.review.score
        w = self.indicator.weight
        low = self.review.low if self.review.low is not None else ZERO
        high = self.review.high if self.review.high is not None else w
        return low, high


@dataclass(frozen=True, repr=False)
class Evaluation:
    """A scored (and, once `checks.review` has run, reviewed) form."""

    form: Form
    ruleset: Ruleset
    indicators: list[IndicatorResult]
    rates: Rates
    full_marks: Decimal
    self_total: Decimal
    rescore_total: Decimal
    review_total: Decimal  # the decided points: every pending item counted at 0 (= review_low)
    rating: str | None  # the settled rating band, or None while the range spans bands (see unsettled)
    self_rating: str | None  # None when the form claims no score
    budget_score: Assessment | None = None  # national scheme: the budget-execution row's review score
    findings: list = field(default_factory=list)  # list[review.Finding]
    decisions: list[Decision] = field(default_factory=list)
    budget_rescore: Assessment | None = None  # the same row by the rule alone (before any decision)
    weights_derived: bool = False  # some weight is not the form's own: printed points shared, or the default split
    # What the review total can still become: every pending item from its lowest to its highest score.
    review_low: Decimal = ZERO
    review_high: Decimal = ZERO
    rating_bands: tuple[str, ...] = ()  # the bands the range reaches, best first (none over full marks)
    unsettled: tuple[str, ...] = ()  # why the rating is not settled: pending, weights, over_full, findings
    previous: Any = None  # history.PriorYear: the project's previous year from the record, if any

    @property
    def rating_settled(self) -> bool:
        """Whether the rating is known: the whole range lies in one band and nothing holds it."""
        return self.rating is not None

    @property
    def provisional(self) -> bool:
        """Whether the result can still change: a pending item, an unstated weight, an unsettled rating."""
        return self.rating is None or self.review_low != self.review_high or any(r.pending for r in self.indicators)

    @property
    def rating_text(self) -> str:
        """The rating as a reviewer reads it: 优, or 待定（良或优）, 待定（中至优）, 待定."""
        return rating_words(self.rating, self.rating_bands)

    def _rate(self, points: Decimal | None) -> Decimal | None:
        return None if points is None or not self.full_marks else points / self.full_marks * HUNDRED

    @property
    def score_rate(self) -> Decimal | None:
        """得分率: the review total as % of the full marks (so an 80-point and a 100-point scheme
        compare); while items are pending, the decided part, as `review_total` is."""
        return self._rate(self.review_total)

    @property
    def score_rate_low(self) -> Decimal | None:
        """The 得分率 the review can still fall to (every pending item at its lowest)."""
        return self._rate(self.review_low)

    @property
    def score_rate_high(self) -> Decimal | None:
        """The 得分率 the review can still reach (every pending item at its highest)."""
        return self._rate(self.review_high)

    @property
    def self_score_rate(self) -> Decimal | None:
        """The self-evaluation's 得分率; None when the form claims no score."""
        return self._rate(self.self_total) if self.self_claimed else None

    @property
    def difference(self) -> Decimal | None:
        """复核 − 自评 over the decided items only (a pending item is neither gain nor loss);
        None when the form claims no score."""
        if not self.self_claimed:
            return None
        gap = sum((r.review.score - (r.self_score or ZERO) for r in self.indicators if not r.pending), ZERO)
        if self.budget_score is not None and self.budget_score.score is not None:
            gap += self.budget_score.score - (self.form.budget_self_score or ZERO)
        return gap

    def to_frame(self, exact: bool = False, lang: str = "en"):
        """One row per indicator (self, rescored and review scores) as a DataFrame: float columns,
        or the exact Decimals with `exact=True`; English or Chinese (`lang="zh"`) column names."""
        # display helpers: the views import this model, so its methods reach them at call time
        from selfeval.views.frames import evaluation_frame

        return evaluation_frame(self, exact, lang)  # type: ignore[arg-type]

    def findings_frame(self, lang: str = "en"):
        """The findings as a DataFrame."""
        # display helpers: the views import this model, so its methods reach them at call time
        from selfeval.views.frames import findings_frame

        return findings_frame(self, lang)  # type: ignore[arg-type]

    def _repr_html_(self) -> str:
        # display helpers: the views import this model, so its methods reach them at call time
        from selfeval.views.frames import evaluation_html

        return evaluation_html(self)

    def __repr__(self) -> str:  # the generated one prints the whole form (tens of kB)
        f = self.form
        claimed = format_decimal(self.self_total) if self.self_claimed else "未填"
        return (f"<Evaluation {f.project_name!r} {f.year} ruleset={self.ruleset.name} self={claimed} "
                f"review={show_range(self.review_low, self.review_high)}/{format_decimal(self.full_marks)} "
                f"{self.rating_text}{' provisional' if self.provisional else ''} findings={len(self.findings)}>")

    @property
    def self_claimed(self) -> bool:
        """Whether the form claims any score at all. National forms often leave every 得分 blank:
        then `self_total` is 0 by arithmetic, not a claim, and views should show it as not filled."""
        return claims_score(self.form)

    @property
    def all_met(self) -> bool:
        """Whether every indicator's review score is its full weight (then no split of the weights
        changes the result)."""
        return fully_met(self.indicators)

    def result(self, name: str) -> IndicatorResult:
        key = normalize(name)
        for r in self.indicators:
            if normalize(r.indicator.name) == key:
                return r
        raise KeyError(name)


def claims_score(form: Form) -> bool:
    """Whether a form claims any self score (a stated total, the budget row's or an indicator's)."""
    return (form.stated_total is not None or form.budget_self_score is not None
            or any(i.self_score is not None for i in form.indicators))


def fully_met(results: list[IndicatorResult]) -> bool:
    """Whether every result's review score is its full weight."""
    return all(r.review.score is not None and r.review.score == r.indicator.weight for r in results)


def rating_words(rating: str | None, bands: tuple[str, ...]) -> str:
    """优; 待定（良或优）over two bands; 待定（中至优）over three or more; 待定 with no band."""
    if rating is not None:
        return rating
    if len(bands) == 2:
        return f"待定（{bands[1]}或{bands[0]}）"
    if len(bands) > 2:
        return f"待定（{bands[-1]}至{bands[0]}）"
    if len(bands) == 1:
        return f"待定（暂为{bands[0]}）"
    return NO_RATING


NO_RATING = "待定"  # the rating of a result that cannot be rated yet
