"""Plain-data views of an evaluation: the JSON document, table rows and the index row.

One place turns an `Evaluation` into data, so the CLI, the notebook, the batch index and the
Excel export all show the same numbers.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from . import __version__
from .labels import category_name
from .review import Finding, finding_counts
from .scoring import Evaluation, round_half_up
from .values import format_decimal


def _num(d: Decimal | None, places: int | None = None) -> Decimal | None:
    if d is None:
        return None
    return round_half_up(d, places) if places is not None else d


def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "severity": f.severity,
        "title": f.title,
        "message": f.message,
        "indicators": list(f.indicators),
        "evidence": {k: v for k, v in f.evidence.items() if isinstance(v, str | int | Decimal) or v is None},
        "dismissed": None if f.dismissed is None else {
            "reason": f.dismissed.reason, "reviewer": f.dismissed.reviewer},
    }


def indicator_rows(ev: Evaluation) -> list[dict[str, Any]]:
    """One dict per indicator with its three scores and how the review score was reached."""
    rows = []
    for r in ev.indicators:
        ind = r.indicator
        rows.append({
            "category": ind.category.value,
            "category_name": category_name(ind.category.value),
            "name": ind.name,
            "target": ind.target.raw,
            "weight": ind.weight,
            "actual": ind.actual,
            "self_score": ind.self_score,
            "rescore": r.rescore.score,
            "review_score": r.review.score,
            "difference": None if r.review.score is None or ind.self_score is None
            else r.review.score - ind.self_score,
            "completion": _num(r.rescore.completion, 4),
            "rescore_reason": r.rescore.reason,
            "review_source": r.review_source,
            "accepted_actual": r.accepted_actual,
            "review_reason": r.review.reason,
            "decision": None if r.decision is None else {
                "score": r.decision.score, "reason": r.decision.reason, "reviewer": r.decision.reviewer},
            "status": r.review.status,
        })
    return rows


def evaluation_dict(ev: Evaluation) -> dict[str, Any]:
    """The whole evaluation as plain data (the `--json` document)."""
    f = ev.form
    return {
        "project_name": f.project_name,
        "year": f.year,
        "department": f.department,
        "layout": f.layout,
        "ruleset": ev.ruleset.name,
        "full_marks": ev.full_marks,
        "self_total": ev.self_total,
        "self_claimed": ev.self_claimed,
        "rescore_total": ev.rescore_total,
        "review_total": ev.review_total,
        "rating": ev.rating,
        "self_rating": ev.self_rating,
        "provisional": ev.provisional,
        "rates": {
            "funding_rate": _num(ev.rates.funding_rate, 4),
            "payment_rate": _num(ev.rates.payment_rate, 4),
            "execution_rate": _num(ev.rates.execution_rate, 4),
        },
        "budget_score": None if ev.budget_score is None else {
            "score": ev.budget_score.score, "reason": ev.budget_score.reason},
        "indicators": indicator_rows(ev),
        "findings": [finding_dict(x) for x in ev.findings],
        "finding_counts": finding_counts(ev),
        "source": {"path": f.provenance.path, "sha256": f.provenance.sha256,
                   "loader": f.provenance.loader},
        "selfeval_version": __version__,
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # A float prints its shortest round-tripping form, which is the decimal itself for up to
        # 15 significant digits (4.58 stays 4.58); anything longer goes out as a string.
        if len(value.as_tuple().digits) <= 15:
            return float(value)
        return format_decimal(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(data: Any) -> str:
    """JSON with exact numbers and Chinese left readable."""
    return json.dumps(data, default=_json_default, ensure_ascii=False, indent=2)


def index_row(ev: Evaluation) -> dict[str, Any]:
    """The project's row in the batch index and scores.csv."""
    counts = finding_counts(ev)
    return {
        "project_name": ev.form.project_name,
        "department": ev.form.department or "",
        "year": ev.form.year,
        "ruleset": ev.ruleset.name,
        "full_marks": ev.full_marks,
        # A form that claims no scores (national forms often leave 得分 blank) has no self total.
        "self_total": ev.self_total if ev.self_claimed else None,
        "review_total": ev.review_total,
        "difference": ev.review_total - ev.self_total if ev.self_claimed else None,
        "rating": ev.rating,
        "provisional": ev.provisional,
        "execution_rate": _num(ev.rates.execution_rate, 4),
        "funding_rate": _num(ev.rates.funding_rate, 4),
        "budget": ev.form.money.budget,
        "paid": ev.form.money.paid,
        "errors": counts["error"],
        "warnings": counts["warning"],
        "infos": counts["info"],
    }


__all__ = ["evaluation_dict", "finding_dict", "index_row", "indicator_rows", "to_json"]
