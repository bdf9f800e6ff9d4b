"""One project's row: what the batch index, scores.csv/xlsx, the portfolio and
`selfeval.review_folder` show of a reviewed form. Frozen, with exact decimals; `to_json` and
`from_json` carry it between processes and through the batch's manifest without changing a digit.
"""

from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, fields
from decimal import Decimal
from typing import Any

from selfeval.assess.findings import finding_counts
from selfeval.assess.history import compare
from selfeval.errors import SelfevalError
from selfeval.files import jsonable
from selfeval.form.labels import unsettled_reason
from selfeval.form.values import round_half_up

#: The fields that are exact decimals (None where the form or the review has none).
DECIMALS = ("full_marks", "self_total", "review_total", "review_low", "review_high", "difference",
            "execution_rate", "funding_rate", "budget", "paid", "previous_share", "share_change", "score_rate",
            "score_rate_low", "score_rate_high", "self_score_rate")


def rounded(d: Decimal | None, places: int | None = None) -> Decimal | None:
    """`d` rounded half up to `places` (None: as it is); None stays None."""
    if d is None:
        return None
    return round_half_up(d, places) if places is not None else d


@dataclass(frozen=True)
class ProjectRow:
    """One project's totals, rating, rates (in %) and finding counts."""

    project_name: str
    department: str
    year: int
    ruleset: str
    full_marks: Decimal
    self_total: Decimal | None  # None: the form claims no scores (national forms often leave 得分 blank)
    review_total: Decimal  # the decided points (a pending item counts 0) …
    review_low: Decimal  # … and the range the pending items leave open
    review_high: Decimal
    difference: Decimal | None
    self_rating: str | None
    rating: str | None  # the settled band, or None
    rating_settled: bool
    rating_bands: str  # best first, e.g. 优/良
    rating_text: str
    unsettled: str  # why the rating is not settled, in words ("" when it is)
    provisional: bool
    execution_rate: Decimal | None  # 4 decimals
    funding_rate: Decimal | None
    budget: Decimal | None
    paid: Decimal | None
    errors: int
    warnings: int
    infos: int
    # the previous year the record holds (None / "" without one): its review share of full marks
    # (settled results only), its rating, and this year's share minus it, in points
    # 得分率 (% of full marks, 4 decimals), comparable across 80- and 100-point schemes: the review's
    # (decided part), each end of its range, and the self-evaluation's
    score_rate: Decimal | None = None
    score_rate_low: Decimal | None = None
    score_rate_high: Decimal | None = None
    self_score_rate: Decimal | None = None
    previous_year: int | None = None
    previous_share: Decimal | None = None
    previous_rating: str = ""
    share_change: Decimal | None = None

    @classmethod
    def of(cls, ev: Any) -> ProjectRow:
        """The row of a reviewed form (an `Evaluation`: not imported, not even for the annotation,
        because the evaluation's display methods reach the views and the views must not reach back)."""
        counts = finding_counts(ev)
        return cls(
            project_name=ev.form.project_name, department=ev.form.department or "", year=ev.form.year,
            ruleset=ev.ruleset.name, full_marks=ev.full_marks,
            self_total=ev.self_total if ev.self_claimed else None,
            review_total=ev.review_total, review_low=ev.review_low, review_high=ev.review_high,
            difference=ev.difference, self_rating=ev.self_rating, rating=ev.rating,
            rating_settled=ev.rating_settled, rating_bands="/".join(ev.rating_bands), rating_text=ev.rating_text,
            unsettled="；".join(unsettled_reason(u) for u in ev.unsettled) if ev.rating is None else "",
            provisional=ev.provisional,
            execution_rate=rounded(ev.rates.execution_rate, 4), funding_rate=rounded(ev.rates.funding_rate, 4),
            budget=ev.form.money.budget, paid=ev.form.money.paid,
            errors=counts["error"], warnings=counts["warning"], infos=counts["info"],
            score_rate=rounded(ev.score_rate, 4), score_rate_low=rounded(ev.score_rate_low, 4),
            score_rate_high=rounded(ev.score_rate_high, 4), self_score_rate=rounded(ev.self_score_rate, 4),
            **_previous(ev),
        )

    def as_dict(self) -> dict[str, Any]:
        """The fields by name, decimals exact."""
        return asdict(self)

    def to_json(self) -> dict[str, Any]:
        """JSON-able: a decimal of up to 15 digits as a number (its shortest form is exact), a longer
        one as a string."""
        return jsonable(self.as_dict())

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProjectRow:
        """The row `to_json` wrote, decimals exact again."""
        known = [f.name for f in fields(cls)]
        # a field with a default (the previous year's) may be absent: a row without a record
        missing = [f.name for f in fields(cls) if f.name not in data and f.default is MISSING]
        if missing:
            raise SelfevalError(f"project row of {data.get('project_name', '?')!r}: missing {', '.join(missing)} "
                                "(written by another version of selfeval?)")
        values = {k: data[k] for k in known if k in data}
        for k in DECIMALS:
            v = values.get(k)
            values[k] = None if v is None or v == "" else Decimal(str(v))
        return cls(**values)


def _previous(ev: Any) -> dict[str, Any]:
    cmp = compare(ev)
    if cmp is None:
        return {}
    change = None if cmp.share is None or cmp.before_share is None else cmp.share - cmp.before_share
    return {"previous_year": cmp.before_year, "previous_share": rounded(cmp.before_share, 4),
            "previous_rating": cmp.before_rating_text, "share_change": rounded(change, 4)}


__all__ = ["DECIMALS", "ProjectRow", "rounded"]
