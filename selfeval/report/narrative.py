"""The report's Chinese narrative: sections rendered from templates kept as data.

`data/narrative.yaml` holds one Jinja2 template per section; this module only prepares the
numbers they talk about. Analysts override a section or add paragraphs through the params file.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import jinja2

from selfeval.assess.evaluation import HUNDRED, ZERO, Evaluation
from selfeval.assess.findings import finding_counts
from selfeval.assess.scoring import at_threshold as _at_threshold
from selfeval.assess.scoring import project_results, round_half_up
from selfeval.form.labels import LABELS
from selfeval.form.values import canonical, show_number, show_range, show_rate
from selfeval.report.conclusion import advice, key_problems
from selfeval.report.wording import spec as _spec


@dataclass(frozen=True)
class Section:
    """One narrative section: its id, Chinese title, paragraphs, and whether an analyst wrote it."""

    id: str
    title: str
    paragraphs: tuple[str, ...]
    overridden: bool = False


@cache
def _env() -> jinja2.Environment:
    # Autoescape: project names and narrative come from forms and are rendered into HTML later;
    # the templates produce text, and escaping happens once in `present`.
    return jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=False)


def narrative_context(ev: Evaluation) -> dict[str, Any]:
    """The numbers the narrative templates refer to, already formatted for Chinese text."""
    f, m = ev.form, ev.form.money
    counts = finding_counts(ev)
    limit = ev.ruleset.review.sub_item_execution
    low = [f"{s.name}（{show_rate(s.actual / s.budget * HUNDRED)}）" for s in f.sub_items
           if s.budget and s.actual is not None and s.actual / s.budget * HUNDRED < limit]
    if f.capabilities.funds == "sources" and sum(1 for s in f.sub_items if s.budget) < 2:
        low = []  # one funding source is the whole budget: the execution rate already says it
    changed = [f"{r.indicator.name}（自评{show_number(r.self_score)}分，"
               + ("复核待人工评分）" if r.review.score is None else f"复核{show_number(r.review.score)}分）")
               for r in ev.indicators if r.review.score != r.self_score]
    bs = ev.budget_score
    budget_delta = None
    if bs is not None and bs.score is not None and f.budget_self_score is not None:
        budget_delta = bs.score - f.budget_self_score
        if budget_delta:
            changed.insert(0, f"预算执行（自评{show_number(f.budget_self_score)}分，复核{show_number(bs.score)}分）")
    # Every change that makes up the gap, largest first, so the parts add up to the whole.
    moves = [(r.indicator.name, r.review.score - r.self_score) for r in ev.indicators
             if r.review.score is not None and r.self_score is not None and r.review.score != r.self_score]
    if budget_delta:
        moves.append(("预算执行", budget_delta))
    pending = [r for r in ev.indicators if r.review.score is None]
    # a pending indicator is neither gain nor loss: it stays out of the moves and the gap, and is
    # named with the range it leaves open
    moves.sort(key=lambda m: m[1])
    gap = ev.difference or ZERO
    return {
        "project_name": f.project_name,
        "department": f.department,
        "year": f.year,
        "ruleset_title": ev.ruleset.title,
        "full_marks": show_number(ev.full_marks),
        "self_total": show_number(round_half_up(ev.self_total)),
        "review_total": show_range(ev.review_low, ev.review_high),
        "rating": ev.rating_text,
        "rating_settled": ev.rating_settled,
        "provisional": ev.provisional,
        "pending": [r.indicator.name for r in ev.indicators if r.review.score is None],
        "gap": gap,
        "gap_abs": show_number(round_half_up(abs(gap))),
        # every part, so they add up to the gap (a test checks each "由…构成" sum)
        "main_losses": "、".join(f"{name}（{'+' if d > 0 else ''}{show_number(d)}分）" for name, d in moves),
        "moves_count": len(moves),
        "pending_note": (f"{'、'.join(r.indicator.name for r in pending)}待评，不计入变动" if pending else ""),
        "budget": None if m.budget is None else show_number(m.budget),
        "initial_budget": show_number(m.initial_budget),
        "adjustment": show_number(m.adjustment or ZERO),
        "appropriated": show_number(m.appropriated),
        "paid": show_number(m.paid),
        "funding_rate": show_rate(ev.rates.funding_rate),
        "execution_rate": show_rate(ev.rates.execution_rate),
        "payment_rate": show_rate(ev.rates.payment_rate),
        "rate_names": LABELS["rate_names"],
        "quota_recovered": show_number(m.quota_recovered or ZERO),
        "recovered": show_number(m.recovered or ZERO),
        "quota_recovered_nonzero": (m.quota_recovered or ZERO) > 0,
        "recovered_nonzero": (m.recovered or ZERO) > 0,
        "low_sub_items": "、".join(low),
        "sub_item_threshold": show_number(limit),
        "stated_execution_rate": None if m.stated_execution_rate is None else show_rate(m.stated_execution_rate),
        "full_year_budget": show_number(m.full_year_budget),
        "executed": show_number(m.executed if m.executed is not None else m.paid),
        "budget_weight": None if ev.ruleset.budget_score is None else show_number(ev.ruleset.budget_score.weight),
        "budget_review": None if ev.budget_score is None or ev.budget_score.score is None
        else show_number(ev.budget_score.score),
        "budget_reason": None if ev.budget_score is None else ev.budget_score.reason,
        "budget_self": None if f.budget_self_score is None else show_number(f.budget_self_score),
        "budget_note": f.budget_note,
        "self_claimed": ev.self_claimed,
        "indicator_count": len(ev.indicators),
        "weight_total": show_number(_weight_total(ev)),
        "project_count": len(project_results(ev)),
        "changed": changed,
        "at_threshold": sum(1 for r in project_results(ev) if _at_threshold(r, ev)),
        "counts": counts,
        "finding_total": sum(counts.values()),
        "dismissed": sum(1 for x in ev.findings if x.dismissed is not None),
        # the conclusion box's list, so the two never differ
        "top_titles": [c.title for c in key_problems(ev)],
        "advice": advice(ev),
    }


def _weight_total(ev: Evaluation) -> Decimal:
    total = sum((r.indicator.weight for r in ev.indicators), ZERO)
    # Weights from the national default split (12.5 × 4 …) sum to 90.0: show 90.
    return canonical(total) if ev.form.capabilities.budget_row else total


def _collapse(text: str) -> str:
    # YAML folded scalars leave single spaces where the template broke lines; Chinese text
    # has no spaces between sentences.
    return "".join(part.strip() for part in text.split("\n")).replace("。 ", "。").replace("， ", "，").strip()


@cache
def _template(source: str) -> jinja2.Template:
    # compiled once per process: a batch worker writes many reports from the same few templates
    return _env().from_string(source)


def build_narrative(ev: Evaluation, overrides: dict[str, Any] | None = None) -> list[Section]:
    """Render every section; `overrides` maps a section id to replacement text, and `extra` to a
    list of {title, text} paragraphs appended at the end."""
    overrides = dict(overrides or {})
    ctx = narrative_context(ev)
    out: list[Section] = []
    for spec in _spec()["sections"]:
        sid = spec["id"]
        if sid in overrides:
            text = overrides[sid]
            paragraphs = tuple(p.strip() for p in str(text).split("\n\n") if p.strip())
            out.append(Section(sid, spec["title"], paragraphs, overridden=True))
            continue
        # A section may read differently for a funds shape (the national form has no 财政拨款数).
        template = spec.get("funds", {}).get(ev.form.capabilities.funds, spec["template"])
        text = _template(template).render(p=ctx)
        # "§§" separates paragraphs inside a template (folded YAML has no blank lines).
        paragraphs = tuple(_collapse(t) for t in text.split("§§") if t.strip())
        out.append(Section(sid, spec["title"], paragraphs))
    for i, extra in enumerate(overrides.get("extra", []) or []):
        paragraphs = tuple(p.strip() for p in str(extra["text"]).split("\n\n") if p.strip())
        out.append(Section(f"extra{i + 1}", str(extra["title"]), paragraphs, overridden=True))
    return out
