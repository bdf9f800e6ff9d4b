"""What every report section renders from: `ReportContext`, an evaluation with its reviewer,
review date and narrative, built once."""

from __future__ import annotations

from dataclasses import dataclass

from selfeval.assess.evaluation import Evaluation
from selfeval.report.narrative import Section, build_narrative


@dataclass(frozen=True)
class ReportContext:
    """Everything one project report shows."""

    evaluation: Evaluation
    narrative: list[Section]
    name: str = ""
    reviewer: str | None = None
    review_date: str | None = None
    analyst_notes: str | None = None
    params_path: str = ""  # the params file it was made from (absolute); "" for an evaluation alone
    # the 复核意见书's fields a person fills (params keys of the same names); None: a blank to fill
    document_number: str | None = None
    checker: str | None = None
    approver: str | None = None
    rectify_by: str | None = None  # YYYY-MM-DD

    @classmethod
    def of(cls, ev: Evaluation) -> ReportContext:
        """A report context for an evaluation made elsewhere (`selfeval.review(...)` in a notebook),
        so an analyst can show any report section: `sections.indicators_html(ReportContext.of(ev))`."""
        return cls(evaluation=ev, narrative=build_narrative(ev, {}))
