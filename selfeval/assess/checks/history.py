"""Checks against the project's previous year (when the record holds one): problems found again
(上年问题未整改) and targets made easier although last year's actual went beyond them (目标设置偏低)."""

from __future__ import annotations

from collections.abc import Iterator

from selfeval.assess.checks.common import joined, raises
from selfeval.assess.evaluation import Evaluation
from selfeval.assess.findings import Finding, make_finding
from selfeval.assess.history import lowered_targets, recurring

UNFIXED = "SE-HIST-UNFIXED"
LOWERED = "SE-HIST-TARGET-LOWERED"


@raises(LOWERED)
def target_lowered(ev: Evaluation) -> Iterator[Finding]:
    """A target easier than last year's while last year's actual exceeded last year's target."""
    found = lowered_targets(ev)
    if found:
        yield make_finding(
            LOWERED, tuple(x.name for x in found), year=ev.previous.year,
            items=joined([f"{x.name}（{ev.previous.year}年目标{x.before.target}、实际{x.before.actual}；"
                          f"本年目标{x.target}）" for x in found]))


@raises(UNFIXED, reads_findings=True)
def unfixed(ev: Evaluation) -> Iterator[Finding]:
    """Last year's open errors and warnings found again this year (it runs last: it reads the
    findings of the checks before it)."""
    now = {f.code: f for f in ev.findings if f.severity in ("error", "warning")}
    again = recurring(ev, set(now))
    if again:
        names = tuple(dict.fromkeys(n for f in again for n in now[f.code].indicators))
        yield make_finding(UNFIXED, names, year=ev.previous.year, count=len(again),
                           items="；".join(dict.fromkeys(f.title for f in again)))
