"""What the report notebook shows: a context built once, then HTML fragments per section.

Every fragment is rendered by an autoescaping Jinja2 template, so text from forms and params
files (a project called `<script>…`) appears as text. The notebook cells only call these.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

import jinja2

from selfeval.assess.evaluation import HUNDRED, ZERO, Evaluation
from selfeval.assess.findings import SEVERITY_WORDS, finding_counts
from selfeval.assess.history import compare
from selfeval.assess.scoring import weight_note
from selfeval.form.labels import LABELS, category_name, money_name, unsettled_reason
from selfeval.form.values import (
    canonical,
    show_number,
    show_range,
    show_rate,
    show_score,
    show_signed,
)
from selfeval.report import conclusion
from selfeval.report.conclusion import causes
from selfeval.report.context import ReportContext
from selfeval.report.wording import keep, reviewer_places, spec
from selfeval.version import __version__


def _section(fn):
    """A report section that also takes an `Evaluation` (an analyst's own, from `selfeval.review`)."""
    import functools

    @functools.wraps(fn)
    def wrapper(ctx: ReportContext | Evaluation) -> str:
        return fn(ctx if isinstance(ctx, ReportContext) else ReportContext.of(ctx))

    return wrapper


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("selfeval", "templates/report"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["place"] = reviewer_places
    env.globals["keep"] = keep
    env.globals.update(d=show_number, s=show_score, pct=show_rate, signed=show_signed, rate_names=LABELS["rate_names"],
                       severity_names=SEVERITY_WORDS)
    return env


def _render(name: str, **ctx) -> str:
    return _env().get_template(name).render(**ctx)


def _budget_weight(ev: Evaluation) -> Decimal | None:
    bs = ev.ruleset.budget_score
    return None if bs is None else bs.weight


def css_string(text: str):
    """`text` as a quoted CSS string, every character that is not a letter or digit escaped (so
    neither a quote nor `</style>` in a project name can end it)."""
    from markupsafe import Markup

    return Markup('"' + "".join(c if c.isalnum() else f"\\{ord(c):06x}" for c in text) + '"')


def _paragraphs(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split("\n\n") if p.strip()]


@_section
def summary_html(ctx: ReportContext) -> str:
    """The first screen: the conclusion (review score and rating beside the self-claimed ones,
    with the change stated), the problems that matter, what the reviewer must still decide, the
    reviewer's 复核意见 and sign-off, then the key numbers with each rate named by its basis.

    Under a scheme with a budget-execution score (national 10 + 90) that score is shown, and the
    资金到位率 only where the form's money block gives it.
    """

    ev = ctx.evaluation
    bs = ev.budget_score
    budget = None if bs is None else {"score": "待评" if bs.score is None else show_score(bs.score),
                                      "weight": show_score(_budget_weight(ev))}
    rates = [("execution_rate", ev.rates.execution_rate)]
    if bs is None or ev.rates.funding_rate is not None:
        rates += [("funding_rate", ev.rates.funding_rate), ("payment_rate", ev.rates.payment_rate)]
    header = css_string(f"{ev.form.project_name}　{ev.form.year}年度绩效自评复核报告")
    pending = sum(1 for r in ev.indicators if r.pending) + (1 if bs is not None and bs.score is None else 0)
    return _render("summary.html.j2", f=ev.form, ev=ev, counts=finding_counts(ev), budget=budget, rates=rates,
                   print_header=header, score=show_range(ev.review_low, ev.review_high), pending=pending,
                   difference=ev.difference, unsettled=[unsettled_reason(u) for u in ev.unsettled],
                   claimed=ev.self_claimed, change=conclusion.rating_change(ev),
                   problems=conclusion.key_problems(ev), decide=conclusion.to_decide(ev),
                   history=conclusion.year_over_year(ev),
                   notes=_paragraphs(ctx.analyst_notes), reviewer=ctx.reviewer, review_date=ctx.review_date)


@_section
def goals_html(ctx: ReportContext) -> str:
    """The project's goals as the form states them (项目总目标, 年度绩效目标)."""
    n = ctx.evaluation.form.narrative
    labels = LABELS["narrative"]
    goals = [(labels.get(k, k), n_text) for k in ("overall_goal", "annual_goal") if (n_text := getattr(n, k))]
    return _render("goals.html.j2", goals=goals)


def _funds_rows(ev: Evaluation) -> list[dict]:
    """National layout: the 年度资金总额 row and each funding source, with 执行率 B/A."""
    m, f = ev.form.money, ev.form
    limit = ev.ruleset.review.sub_item_execution

    def rate(a: Decimal | None, b: Decimal | None) -> Decimal | None:
        return a / b * HUNDRED if a is not None and b else None

    bs = ev.budget_score
    rows = [{"name": "年度资金总额", "total": True, "initial": show_number(m.initial_budget), "budget": show_number(m.full_year_budget),
             "actual": show_number(m.executed if m.executed is not None else m.paid), "rate": show_rate(ev.rates.execution_rate),
             "stated_rate": show_rate(m.stated_execution_rate) if m.stated_execution_rate is not None else "",
             "weight": show_score(f.budget_weight if f.budget_weight is not None else _budget_weight(ev)),
             "self_score": show_score(f.budget_self_score) if f.budget_self_score is not None else "",
             "review_score": "" if bs is None else ("待评" if bs.score is None else show_score(bs.score)), "low": False}]
    several = sum(1 for s in f.sub_items if s.budget) > 1
    for s in f.sub_items:
        r = rate(s.actual, s.budget)
        rows.append({"name": s.name, "total": False, "initial": show_number(s.initial_budget), "budget": show_number(s.budget),
                     "actual": show_number(s.actual), "rate": show_rate(r), "stated_rate": "", "weight": "", "self_score": "",
                     "review_score": "", "low": several and r is not None and r < limit})
    return rows


@_section
def money_html(ctx: ReportContext) -> str:
    """The budget block and the sub-items table; for the national layout, the funds table
    (年度资金总额 and its funding sources with 年初预算数, 全年预算数, 全年执行数, 执行率, 得分)."""
    ev = ctx.evaluation
    if ev.form.capabilities.funds == "sources":
        return _render("money.html.j2", funds=_funds_rows(ev), note=ev.form.budget_note or "",
                       money_rows=[], sub_items=[], sub_total_budget="", sub_total_actual="",
                       sub_total_rate="")
    m = ev.form.money
    fields = [k for k in LABELS["money_names"] if getattr(m, k) is not None]
    rows = [(money_name(k), show_number(getattr(m, k))) for k in fields]
    limit = ev.ruleset.review.sub_item_execution
    items = []
    for s in ev.form.sub_items:
        rate = s.actual / s.budget * HUNDRED if s.budget and s.actual is not None else None
        items.append({"name": s.name, "budget": show_number(s.budget), "actual": show_number(s.actual), "rate": show_rate(rate),
                      "low": rate is not None and rate < limit})
    tb = ev.form.sub_items_budget_total
    ta = ev.form.sub_items_actual_total
    total_rate = ta / tb * HUNDRED if tb and ta is not None else None
    return _render("money.html.j2", money_rows=rows, sub_items=items, sub_total_budget=show_number(tb),
                   sub_total_actual=show_number(ta), sub_total_rate=show_rate(total_rate), funds=None, note="")


@_section
def indicators_html(ctx: ReportContext) -> str:
    """The indicator table: target, weight, actual, self, review score, difference, decisions, a
    subtotal per category; the rule's own rescore where it differs from the self-score."""
    ev = ctx.evaluation
    rows = []
    national = ev.form.capabilities.funds == "sources"  # 二级指标 under 一级
    show_rescore = any(r.rescore.score != r.indicator.self_score for r in ev.indicators if ev.self_claimed)
    groups: dict[str, dict] = {}
    for r in ev.indicators:
        ind = r.indicator
        diff = r.difference
        cat = category_name(ind.category)
        g = groups.setdefault(cat, {"weight": ZERO, "self": ZERO, "review": ZERO, "pending": 0, "change": ZERO,
                                    "rows": []})
        g["weight"] += ind.weight
        g["self"] += ind.self_score or ZERO
        g["review"] += r.review.score or ZERO
        g["pending"] += r.pending
        g["change"] += ZERO if r.pending else r.review.score - (ind.self_score or ZERO)  # pending: no change
        g["rows"].append({
            "category": cat, "level2": (ind.level2 or "") if national else "",
            "name": ind.name, "target": ind.target.raw,
            "weight": show_score(ind.weight), "actual": ind.actual or "", "self_score": show_score(ind.self_score),
            "rescore": "待评" if r.rescore.score is None else show_score(r.rescore.score),
            "review_score": "待评" if r.review.score is None else show_score(r.review.score),
            "difference": show_signed(diff) if diff else "", "diff_flag": bool(diff) or r.review.score is None,
            # With a decision, the rule's own reading stays visible and the decision follows it once.
            "reason": (r.rescore.reason if r.decision else r.review.reason)
            + ("" if r.weight_origin.stated else f"（权重{weight_note(r.weight_origin, ev.ruleset.title)}）"),
            "decision": r.decision,
            "note": ind.deviation_note or ind.explanation,
        })
    for cat, g in groups.items():
        rows += g["rows"]
        if len(groups) > 1:
            d = g["change"] if ev.self_claimed else None
            rows.append({"subtotal": True, "category": f"{cat}小计", "weight": show_score(g["weight"]),
                         "self_score": show_score(g["self"]) if ev.self_claimed else "—", "review_score": show_score(g["review"]),
                         "difference": show_signed(d) if d else "",
                         "pending": f"含{g['pending']}项待评（复核分为已定部分，差异不含待评项）" if g["pending"] else ""})
    bs = ev.budget_score
    total_weight = sum((r.indicator.weight for r in ev.indicators), ZERO)
    budget_row = None
    if bs is not None:
        weight = _budget_weight(ev) or ZERO
        total_weight += weight
        own = ev.form.budget_self_score
        diff = None if bs.score is None or own is None else bs.score - own
        budget_row = {
            "category": "预算执行", "level2": "", "name": rate_names()["execution_rate"],
            "target": "全年执行数÷全年预算数", "weight": show_score(weight), "actual": show_rate(bs.completion),
            "self_score": show_score(own), "rescore": "待评" if ev.budget_rescore is None or ev.budget_rescore.score is None
            else show_score(ev.budget_rescore.score),
            "review_score": "待评" if bs.score is None else show_score(bs.score),
            "difference": show_signed(diff) if diff else "", "diff_flag": bool(diff) or bs.score is None,
            "reason": bs.reason, "decision": None, "note": ev.form.budget_note,
        }
    return _render(
        "indicators.html.j2", rows=rows, budget_row=budget_row, show_rescore=show_rescore,
        total_weight=show_score(canonical(total_weight) if national else total_weight),
        self_total=show_score(ev.self_total) if ev.self_claimed else "—", review_total=show_score(ev.review_total) if ev.review_low == ev.review_high
        else show_range(ev.review_low, ev.review_high),
        rescore_total=show_score(ev.rescore_total),
        total_diff=show_signed(ev.difference) if ev.self_claimed else "",
    )


def rate_names() -> dict[str, str]:
    """The one name of each rate, with its basis (labels.yaml `rate_names`)."""
    return LABELS["rate_names"]


@_section
def history_html(ctx: ReportContext) -> str:
    """与上年对比, when the record holds the project's previous year ("" otherwise): the change in
    score share, rating and 执行率, and each indicator's target, actual and score against last year."""
    ev = ctx.evaluation
    cmp = compare(ev)
    if cmp is None:
        return ""
    return _render("history.html.j2", cmp=cmp, w=spec()["history"], sentence=conclusion.year_over_year(ev))


@_section
def findings_html(ctx: ReportContext) -> str:
    """Findings grouped by root cause (most severe first), each with its severity, and a dismissed
    one marked with the reviewer's decision; their codes are listed in the appendix."""

    ev = ctx.evaluation
    return _render("findings.html.j2", findings=ev.findings, causes=causes(ev), counts=finding_counts(ev),
                   dismissed=sum(1 for f in ev.findings if f.dismissed is not None))


@_section
def assessment_html(ctx: ReportContext) -> str:
    """The self-evaluation's quality, the evidence to request, 整改要求 and 结果应用, all derived
    from the findings that fired and the rating."""

    ev = ctx.evaluation
    q = conclusion.quality(ev)
    return _render("assessment.html.j2", quality=q, gap_share=show_rate(q["gap_share"]) if q["gap_share"] is not None
                   else None, evidence=conclusion.evidence(ev), rectify=conclusion.rectification(ev, ctx.rectify_by),
                   result_use=conclusion.result_use(ev))


@_section
def narrative_html(ctx: ReportContext) -> str:
    """The Chinese write-up and the department's own narrative sections."""
    n = ctx.evaluation.form.narrative
    labels = LABELS["narrative"]
    form_sections = [(labels[k], getattr(n, k)) for k in
                     ("overview", "implementation", "management_results", "problems", "recommendations")]
    return _render("narrative.html.j2", sections=ctx.narrative, form_sections=form_sections)


def band_text(rule) -> str:
    """One completion rule in words, every number taken from the rule's values."""
    t = LABELS["rule_text"]
    parts = [t["band_to"].format(full_from=show_number(rule.full_from), full_to=show_number(rule.full_to)) if rule.full_to is not None
             else t["band_open"].format(full_from=show_number(rule.full_from))]
    parts.append(t[f"shortfall_{rule.shortfall_basis}"].format(deduction=show_number(rule.shortfall_deduction)))
    if rule.full_to is not None and rule.over_deduction:
        parts.append(t["over"].format(full_to=show_number(rule.full_to), deduction=show_number(rule.over_deduction)))
    parts.append(t[f"at_most_{rule.at_most}"])
    if rule.overachieved_warning is not None:
        parts.append(t["overachieved"].format(limit=show_number(rule.overachieved_warning)))
    return "，".join(parts)


def rules_text(rs) -> list[str]:
    """Each completion rule of a ruleset with the categories it scores, in the ruleset's order."""
    out = []
    for name, rule in rs.rules.items():
        cats = [category_name(c.value if hasattr(c, "value") else c) for c, cr in rs.categories.items()
                if cr.rule == name]
        if cats:
            out.append(LABELS["rule_text"]["rule_for"].format(categories="、".join(cats), text=band_text(rule)))
    return out


@_section
def appendix_html(ctx: ReportContext) -> str:
    """Ruleset and options, source file name and sha256, version, reviewer and review date."""
    ev = ctx.evaluation
    rs = ev.ruleset
    prov = ev.form.provenance
    names = LABELS["option_names"]
    bands = rs.rating_bands
    options = [
        ("权重分配", names["allocation"][rs.weights.allocation]),
        *(("完成率规则", text) for text in rules_text(rs)),
        ("率指标口径", "；".join(f"{k}按{names['rate'][v]}复核" for k, v in rs.rate_indicators.items()) or "—"),
        ("评级（得分率）", "、".join([f"{b.rating}≥{show_number(b.min_share)}%" for b in bands[:-1]]
                               + [f"{bands[-1].rating}<{show_number(bands[-2].min_share)}%"] if len(bands) > 1 else [])),
    ]
    if rs.budget_score is not None:
        w = show_number(rs.budget_score.weight)
        options.insert(0, ("预算执行得分", LABELS["rule_text"]["budget"].format(
            weight=w, rate=names["rate"][rs.budget_score.rate])))
    if rs.qualitative.mode == "grades":
        options.append(("定性指标等级", "、".join(LABELS["rule_text"]["grade"].format(word=w, share=show_number(v))
                                              for w, v in rs.qualitative.grades.items())))
    if rs.qualitative.mode == "tiers":
        options.append(("定性指标分档", "、".join(f"{name}{show_number(t.low)}–{show_number(t.high)}%"
                                               for name, t in rs.qualitative.tiers.items())))
    return _render(
        "appendix.html.j2", ruleset=rs, options=options, source_name=Path(prov.path).name,
        loader=names["loader"].get(prov.loader, prov.loader), encoding=prov.encoding, sheet=prov.sheet,
        table=prov.table, sha256=prov.sha256,
        notes=prov.notes, version=__version__, reviewer=ctx.reviewer, review_date=ctx.review_date,
        checker=ctx.checker, approver=ctx.approver, approval=spec()["opinion"]["approval"],
        codes=[(f.code, f.title) for f in ctx.evaluation.findings],
    )


def show(html: str) -> None:
    """Display an HTML fragment in the notebook (an empty one, a section with nothing to say,
    shows nothing)."""
    from IPython.display import HTML, display

    if html.strip():
        display(HTML(html))


__all__ = [
    "appendix_html", "assessment_html", "findings_html", "goals_html", "history_html", "indicators_html", "money_html",
    "narrative_html", "show", "summary_html",
]
