"""Reading checks: what the loader read with difficulty, said as findings (columns, cells, rows, labels)."""

from __future__ import annotations

from collections.abc import Iterator

from selfeval.assess.checks.common import joined, raises
from selfeval.assess.evaluation import Evaluation
from selfeval.assess.findings import Finding, make_finding


@raises("SE-READ-UNREAD-COLUMN")
def unread_columns(ev: Evaluation) -> Iterator[Finding]:
    """A column with values that no field claimed (layouts list them in the provenance)."""
    if ev.form.provenance.unread:
        yield make_finding("SE-READ-UNREAD-COLUMN", items=joined(ev.form.provenance.unread),
                           columns=list(ev.form.provenance.unread))


@raises("SE-READ-BAD-CELL")
def bad_cells(ev: Evaluation) -> Iterator[Finding]:
    """Value cells the reader could not interpret: the form loaded, each value counts as not stated."""
    cells = ev.form.provenance.degraded
    if cells:
        yield make_finding("SE-READ-BAD-CELL", items=joined(cells), cells=list(cells))


@raises("SE-READ-INFERRED")
def inferred_labels(ev: Evaluation) -> Iterator[Finding]:
    """一级 labels the reader inferred from the template's hierarchy."""
    if ev.form.provenance.inferred:
        yield make_finding("SE-READ-INFERRED", items=joined(ev.form.provenance.inferred),
                           cells=list(ev.form.provenance.inferred))


@raises("SE-READ-SKIPPED-ROWS")
def skipped_rows(ev: Evaluation) -> Iterator[Finding]:
    skipped = ev.form.provenance.skipped
    if skipped:
        yield make_finding("SE-READ-SKIPPED-ROWS", count=len(skipped), items=joined(skipped), rows=list(skipped))
