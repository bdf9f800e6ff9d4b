"""Plain-data views of an evaluation: the JSON document, table rows and the index row.

One place turns an `Evaluation` into data, so the CLI, the notebook, the batch index and the
Excel export all show the same numbers.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from selfeval.assess.evaluation import Evaluation
from selfeval.assess.findings import Finding, finding_counts
from selfeval.form.values import format_decimal
from selfeval.version import __version__
from selfeval.views.frames import indicator_rows, rounded


def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "severity": f.severity,
        "kind": f.kind,
        "title": f.title,
        "message": f.message,
        "indicators": list(f.indicators),
        "evidence": {k: v for k, v in f.evidence.items() if isinstance(v, str | int | Decimal) or v is None},
        "dismissed": None if f.dismissed is None else {
            "reason": f.dismissed.reason, "reviewer": f.dismissed.reviewer},
    }


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
        # a form that claims no score has none: null, never 0 and 差
        "self_total": ev.self_total if ev.self_claimed else None,
        "self_claimed": ev.self_claimed,
        "rescore_total": ev.rescore_total,
        # the decided points (a pending item counts 0), and the range pending items and unstated
        # weights leave open; `rating` is the settled band or null, `rating_bands` those the range spans
        "review_total": ev.review_total,
        "review_low": ev.review_low,
        "review_high": ev.review_high,
        "difference": ev.difference,
        "rating": ev.rating,
        "rating_settled": ev.rating_settled,
        "rating_bands": list(ev.rating_bands),
        "rating_text": ev.rating_text,
        "unsettled": list(ev.unsettled),
        "self_rating": ev.self_rating,
        "provisional": ev.provisional,
        "rates": {
            "funding_rate": rounded(ev.rates.funding_rate, 4),
            "payment_rate": rounded(ev.rates.payment_rate, 4),
            "execution_rate": rounded(ev.rates.execution_rate, 4),
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
    """JSON with exact numbers and Chinese left readable; C1 controls and bidi overrides escaped
    (`\\u009b`), as JSON escapes C0 ones, so a terminal showing it obeys none of them."""
    text = json.dumps(data, default=_json_default, ensure_ascii=False, indent=2)
    return _ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_ESCAPE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


__all__ = ["evaluation_dict", "finding_dict", "to_json"]
