"""Review checks (复核): recompute what the form claims and report what a careful reviewer would flag.

The catalogue (codes, severities, kinds, Chinese messages) lives in `data/findings.yaml`, grouped
by area; thresholds in the ruleset's `review` section. Each area is one module here, and each check
declares the codes it raises (`@raises`). `CHECKS` below is the one list of checks, in the order
they run (within a severity, findings keep this order); a finding about several indicators is one
finding that lists them.
"""

from __future__ import annotations

from dataclasses import replace

from selfeval.assess.checks import (
    arithmetic,
    execution,
    history,
    indicators,
    narrative,
    plausibility,
    quality,
    rates,
    reading,
)
from selfeval.assess.checks.common import Check
from selfeval.assess.decisions import Decision
from selfeval.assess.evaluation import ZERO, Evaluation
from selfeval.assess.findings import CATALOGUE, SEVERITIES, Finding
from selfeval.assess.history import PriorYear
from selfeval.assess.rulesets import Ruleset
from selfeval.assess.scoring import is_budget_row, score_form
from selfeval.errors import DecisionsError
from selfeval.form.model import Form
from selfeval.form.values import format_decimal, normalize

#: Every check, in the order it runs.
CHECKS: tuple[Check, ...] = (
    arithmetic.quota_balance,
    arithmetic.fund_balance,
    arithmetic.recovered_over,
    arithmetic.appropriated_twice,
    arithmetic.sub_items,
    arithmetic.weights,
    indicators.unstated_weights,
    arithmetic.category_points,
    arithmetic.over_full,
    arithmetic.stated_total,
    arithmetic.score_range,
    rates.rates,
    rates.full_despite_recovery,
    execution.score_vs_execution,
    execution.unspent,
    execution.sub_item_execution,
    execution.sub_item_over_budget,
    indicators.rescore_differs,
    indicators.shortfall,
    indicators.formulaic,
    indicators.all_full,
    indicators.missing_actual,
    indicators.manual,
    indicators.no_deviation_note,
    indicators.overachieved,
    plausibility.qualitative_as_percent,
    plausibility.text_actual,
    reading.unread_columns,
    reading.bad_cells,
    reading.inferred_labels,
    reading.skipped_rows,
    plausibility.comparator_actual,
    plausibility.cost_at_least,
    plausibility.rate_over_100,
    plausibility.satisfaction_over_100,
    plausibility.duplicates,
    plausibility.year_covered,
    narrative.empty_problems,
    narrative.narrative_numbers,
    quality.no_survey,
    quality.misplaced,
    quality.vague_targets,
    quality.no_cost_indicator,
    quality.low_execution_no_reason,
    quality.money_in_goals,
    quality.filled_too_early,
    quality.narrative_denies,
    history.target_lowered,
    history.unfixed,  # last: it reads what the others found
)


def validate_decisions(form: Form, decisions: list[Decision], raised: list[Finding], source: str = "",
                       ruleset: Ruleset | None = None) -> None:
    """Refuse decisions about unknown indicators or findings, and scores outside 0..weight.

    Under a scheme with a budget-execution score, a score decision may also name that row
    (预算执行 / 年度资金总额).
    """
    where = f"{source}: " if source else ""
    names = {normalize(i.name): i for i in form.indicators}
    codes = {f.code for f in raised}
    budget = ruleset.budget_score if ruleset is not None else None
    for d in decisions:
        if d.kind == "score" and budget is not None and normalize(d.subject) not in names and is_budget_row(d.subject):
            if not ZERO <= d.score <= budget.weight:
                raise DecisionsError(f"{where}scores: {d.subject}: score {format_decimal(d.score)} is "
                                     f"outside 0..{format_decimal(budget.weight)} (the budget-execution weight)")
            continue
        if d.kind == "weight":
            if normalize(d.subject) not in names:
                raise DecisionsError(f"{where}weights: unknown indicator {d.subject!r}; the form's "
                                     f"indicators are {'、'.join(i.name for i in form.indicators)}")
            continue
        if d.kind == "score":
            ind = names.get(normalize(d.subject))
            if ind is None:
                raise DecisionsError(f"{where}scores: unknown indicator {d.subject!r}; the form's "
                                     f"indicators are {'、'.join(i.name for i in form.indicators)}")
            if not ZERO <= d.score <= ind.weight:
                raise DecisionsError(f"{where}scores: {d.subject}: score {format_decimal(d.score)} is "
                                     f"outside 0..{format_decimal(ind.weight)} (the weight)")
        elif d.subject not in CATALOGUE:
            raise DecisionsError(f"{where}dismiss: unknown finding code {d.subject!r}")
        elif d.subject not in codes:
            raise DecisionsError(f"{where}dismiss: finding {d.subject} was not raised for this form "
                                 f"(raised: {', '.join(sorted(codes)) or 'none'})")


def review(form: Form, ruleset: Ruleset, decisions: list[Decision] | None = None,
           decisions_source: str = "", previous: PriorYear | None = None) -> Evaluation:
    """Score the form, run every check, and apply the reviewer's decisions; `previous` is the
    project's previous year from the record (its checks compare the two)."""
    decisions = list(decisions or [])
    ev = replace(score_form(form, ruleset, decisions), previous=previous)
    findings: list[Finding] = []
    for chk in CHECKS:
        findings += _run(chk, replace(ev, findings=list(findings)) if chk.reads_findings else ev)  # type: ignore[attr-defined]
    validate_decisions(ev.form, decisions, findings, decisions_source, ruleset)
    dismissed = {d.subject: d for d in decisions if d.kind == "dismiss"}
    findings = [replace(f, dismissed=dismissed.get(f.code)) for f in findings]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: order[f.severity])
    ev = replace(ev, findings=findings)
    # A weight question still open (printed points against the rules, a sum over full marks) holds
    # the rating whatever the range says.
    if ev.rating is not None and any(f.holds_rating and f.waits for f in findings):
        ev = replace(ev, rating=None, unsettled=(*ev.unsettled, "findings"))
    return ev


def _run(chk: Check, ev: Evaluation) -> list[Finding]:
    found = list(chk(ev))
    for f in found:
        if f.code not in chk.codes:  # type: ignore[attr-defined]
            raise AssertionError(f"check {chk.__module__}.{chk.__name__} raised {f.code}, which it does not declare")
    return found


__all__ = ["CHECKS", "Check", "review", "validate_decisions"]
