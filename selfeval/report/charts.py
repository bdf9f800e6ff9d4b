"""Report charts (matplotlib), each a pure function from an `Evaluation` to a `Figure`.

Figures are built with the object API (no pyplot state) so they can be made in worker
processes and tests alike; `fonts.configure_matplotlib` must have run first for Chinese glyphs.
"""

from __future__ import annotations

from decimal import Decimal

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from selfeval.assess.evaluation import HUNDRED, ZERO, Evaluation
from selfeval.assess.scoring import category_points
from selfeval.form.labels import category_name
from selfeval.form.values import format_decimal, show_number, show_rate, show_score
from selfeval.report.canvas import new_figure
from selfeval.report.fonts import ALT_ATTRIBUTE

SELF_COLOR = "#9aa5b1"
REVIEW_COLOR = "#1f5f99"
BAND_COLOR = "#d8ecd9"
WARN_COLOR = "#c0392b"


def _f(d: Decimal | None) -> float:
    return float(d) if d is not None else 0.0


def _wan(d: Decimal | None) -> str:
    return f"{show_number(d)}万元" if d is not None else "—"


def _describe(fig: Figure, text: str) -> Figure:
    """Keep what the chart shows in words: the report uses it as the image's alt text."""
    setattr(fig, ALT_ATTRIBUTE, text)
    return fig


def money_flow(ev: Evaluation) -> Figure:
    """Budget → appropriation → payment, with the amounts recovered or carried at each step."""
    m = ev.form.money
    if m.full_year_budget is not None or m.executed is not None:  # national form: A → B
        steps = [("全年预算数", m.budget), ("全年执行数", m.paid)]
        title = "资金流向：全年预算 → 执行"
    else:
        steps = [("预算数\n(年初+调整)", m.budget), ("财政拨款数", m.appropriated), ("实际支付数", m.paid)]
        title = "资金流向：预算 → 拨款 → 支付"
    fig = new_figure(figsize=(7.5, 1.1 * len(steps) + 0.9))
    ax = fig.add_subplot()
    labels = [s[0] for s in steps][::-1]
    values = [_f(s[1]) for s in steps][::-1]
    bars = ax.barh(labels, values, color=[REVIEW_COLOR, "#4a88c2", "#8fb8de"][: len(steps)], height=0.55)
    top = max(values) if values and max(values) > 0 else 1.0
    for bar, (_, v) in zip(bars, steps[::-1], strict=True):
        ax.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2, _wan(v),
                va="center", fontsize=9)
    notes = []
    if m.budget is not None and m.appropriated is not None:
        gap = m.budget - m.appropriated
        notes.append(f"未拨付 {show_number(gap)}（指标结余收回 {show_number(m.quota_recovered or ZERO)}）")
    if m.appropriated is not None and m.paid is not None:
        notes.append(f"未支付 {show_number(m.appropriated - m.paid)}（结转 {show_number(m.carried_forward or ZERO)}，"
                     f"财政收回 {show_number(m.recovered or ZERO)}）")
    ax.set_xlim(0, top * 1.32)
    ax.set_xlabel("万元")
    ax.set_title(title, fontsize=11, loc="left")
    if notes:
        ax.text(0, -0.32, "；".join(notes) + "（万元）", transform=ax.transAxes, fontsize=8.5, color="#444")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return _describe(fig, f"{title}：" + "，".join(f"{name.replace(chr(10), '')} {_wan(v)}" for name, v in steps)
                     + ("；" + "；".join(notes) + "（万元）" if notes else ""))


def sub_items(ev: Evaluation) -> Figure:
    """Each sub-item's budget against its actual, with the execution rate."""
    items = ev.form.sub_items
    fig = new_figure(figsize=(7.5, 0.55 * max(len(items), 1) + 1.4))
    ax = fig.add_subplot()
    if not items:
        ax.text(0.5, 0.5, "表中未列子项", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    names = [s.name for s in items][::-1]
    budgets = [_f(s.budget) for s in items][::-1]
    actuals = [_f(s.actual) for s in items][::-1]
    y = list(range(len(items)))
    ax.barh([v + 0.18 for v in y], budgets, height=0.36, color=SELF_COLOR, label="预算数")
    ax.barh([v - 0.18 for v in y], actuals, height=0.36, color=REVIEW_COLOR, label="实际数")
    top = max(budgets + actuals) or 1.0
    limit = ev.ruleset.review.sub_item_execution
    for yi, s in zip(y, items[::-1], strict=True):
        if s.budget:
            rate = (s.actual or ZERO) / s.budget * HUNDRED
            color = WARN_COLOR if rate < limit else "#222"
            ax.text(max(_f(s.budget), _f(s.actual)) + top * 0.01, yi, show_rate(rate), va="center",
                    fontsize=9, color=color)
    ax.set_yticks(y, names, fontsize=9)
    ax.set_xlim(0, top * 1.18)
    ax.set_xlabel("万元")
    what = "资金来源" if ev.form.capabilities.funds == "sources" else "子项"
    ax.set_title(f"{what}预算与实际（红色：执行率低于{format_decimal(limit)}%）", fontsize=11, loc="left")
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    parts = [f"{s.name} 预算{_wan(s.budget)}、实际{_wan(s.actual)}"
             + (f"、执行率{show_rate((s.actual or ZERO) / s.budget * HUNDRED)}" if s.budget else "") for s in items]
    return _describe(fig, f"{what}预算与实际：" + "；".join(parts))


def category_scores(ev: Evaluation) -> Figure:
    """Points per category: weight, self-score and review score."""
    pts = category_points(ev)
    cats = list(pts)
    fig = new_figure(figsize=(7.5, 3.2))
    ax = fig.add_subplot()
    x = list(range(len(cats)))
    w = 0.27
    ax.bar([v - w for v in x], [_f(pts[c]["weight"]) for c in cats], width=w, color="#e3e7eb",
           edgecolor="#9aa5b1", label="权重")
    ax.bar(x, [_f(pts[c]["self"]) for c in cats], width=w, color=SELF_COLOR, label="自评分")
    ax.bar([v + w for v in x], [_f(pts[c]["review"]) for c in cats], width=w, color=REVIEW_COLOR,
           label="复核分")
    pending = {c: sum(1 for r in ev.indicators if r.indicator.category == c and r.review.score is None) for c in cats}
    for xi, c in zip(x, cats, strict=True):
        # a pending score is not a 0: the bar shows only what is scored, and says what is missing
        label = show_score(pts[c]["review"]) + (f"\n含{pending[c]}项待评" if pending[c] else "")
        ax.text(xi + w, _f(pts[c]["review"]), label, ha="center", va="bottom", fontsize=8,
                color=WARN_COLOR if pending[c] else "#222")
    ax.set_xticks(x, [category_name(c) for c in cats])
    ax.set_ylabel("分")
    ax.set_ylim(0, max(_f(pts[c]["weight"]) for c in cats) * 1.25 if cats else 1)
    ax.set_title("分类得分：自评与复核", fontsize=11, loc="left")
    ax.legend(fontsize=8, frameon=False, ncols=3, loc="upper left")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    parts = [f"{category_name(c)} 权重{show_score(pts[c]['weight'])}、自评{show_score(pts[c]['self'])}、"
             f"复核{show_score(pts[c]['review'])}" + (f"（含{pending[c]}项待评，未计分）" if pending[c] else "")
             for c in cats]
    return _describe(fig, "分类得分：" + "；".join(parts))


def completion(ev: Evaluation) -> Figure:
    """Completion of each quantitative indicator against its category's full-mark band."""
    rows = [r for r in ev.indicators if r.review.completion is not None or r.rescore.completion is not None]
    fig = new_figure(figsize=(7.5, 0.42 * max(len(rows), 1) + 1.5))
    ax = fig.add_subplot()
    if not rows:
        ax.text(0.5, 0.5, "无可计算完成率的定量指标", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    rows = rows[::-1]
    y = list(range(len(rows)))
    values = []
    for yi, r in zip(y, rows, strict=True):
        rule = ev.ruleset.rule_for(r.indicator.category)
        hi = rule.full_to if rule.full_to is not None else Decimal(260)  # no upper bound: full beyond
        ax.barh(yi, _f(hi - rule.full_from), left=_f(rule.full_from), height=0.8, color=BAND_COLOR,
                zorder=0)
        claimed = r.rescore.completion
        reviewed = r.review.completion
        # red wherever the review takes points off: on the reviewed value, or on the claimed one
        # when the review accepts it (a plain shortfall against target loses points too)
        lost = r.review.score is not None and r.review.score < r.indicator.weight
        if claimed is not None:
            accepted = reviewed is None or reviewed == claimed
            ax.plot(_f(min(claimed, Decimal(250))), yi, "o", color=WARN_COLOR if lost and accepted else SELF_COLOR,
                    zorder=3)
            values.append(_f(claimed))
        if reviewed is not None and reviewed != claimed:
            ax.plot(_f(min(reviewed, Decimal(250))), yi, "D", color=WARN_COLOR if lost else REVIEW_COLOR, zorder=4)
            values.append(_f(reviewed))
    ax.axvline(100, color="#666", lw=0.8, ls="--")
    ax.set_yticks(y, [r.indicator.name for r in rows], fontsize=8.5)
    lo = min([*values, 80.0])
    bands = [_f(ev.ruleset.rule_for(r.indicator.category).full_to or HUNDRED + 30) for r in rows]
    ax.set_xlim(max(0.0, lo - 10), min(260.0, max([*values, *bands]) + 10))
    left_out = len(ev.indicators) - len(rows)
    ax.set_xlabel("完成率 %（绿色区间为满分区间）"
                  + (f"\n另有{left_out}项指标（定性或无法计算完成率）未列入，见指标评分表" if left_out else ""))
    ax.set_title("指标完成率（圆点：自评值；菱形：复核值；红色：扣分）", fontsize=11, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    parts = [f"{r.indicator.name} 自评{show_rate(r.rescore.completion)}"
             + (f"、复核{show_rate(r.review.completion)}" if r.review.completion != r.rescore.completion else "")
             for r in rows[::-1]]
    return _describe(fig, "指标完成率：" + "；".join(parts)
                     + (f"；另有{left_out}项指标未列入（定性或无法计算完成率）" if left_out else ""))


ALL_CHARTS = {
    "money_flow": money_flow,
    "sub_items": sub_items,
    "category_scores": category_scores,
    "completion": completion,
}


# --- portfolio charts (records are plain dicts, see selfeval.batch.portfolio) --------------------------


def unique_names(records: list[dict], width: int = 16) -> list[str]:
    """A label per project that tells equal names apart (the department, then the params file's
    name, is added where the shortened name repeats), so no two projects share one bar."""
    short = [r["project_name"][:width] for r in records]
    out = []
    for r, name in zip(records, short, strict=True):
        if short.count(name) > 1:
            name = f"{name}（{r['department']}）"
        out.append(name)
    return [f"{n}·{r['name']}" if out.count(n) > 1 else n for r, n in zip(records, out, strict=True)]


def _edge(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def share_distribution(records: list[dict]) -> Figure:
    """Distribution of self and review totals as shares of each form's full marks (a share above
    100 %, an over-full form, is counted in the last bin and named in the description)."""
    fig = new_figure(figsize=(7.5, 3.2))
    ax = fig.add_subplot()
    claimed = [r for r in records if r["self_share"] is not None]
    low = min([r["review_share"] for r in records] + [r["self_share"] for r in claimed], default=0.0)
    start = max(0, int(low // 5) * 5 - 5)
    step = 5 if start < 50 else 2
    bins = [*range(start, 100, step), 100.001]  # the last bin closes at 100 %: above is drawn there
    ax.hist([min(r["self_share"], 100.0) for r in claimed], bins=bins, color=SELF_COLOR, alpha=0.85,
            label="自评得分率")
    ax.hist([min(r["review_share"], 100.0) for r in records], bins=bins, color=REVIEW_COLOR, alpha=0.7,
            label="复核得分率")
    ax.set_xlabel("得分率 %（得分 / 满分）")
    ax.set_ylabel("项目数")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("自评与复核得分率分布", fontsize=11, loc="left")
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    over = [r for r in records if max(r["review_share"], r["self_share"] or 0) > 100]
    text = (f"自评与复核得分率分布：{len(records)}个项目，{len(claimed)}个填报自评分；"
            f"复核得分率{_span([r['review_share'] for r in records])}")
    if claimed:
        text += f"，自评得分率{_span([r['self_share'] for r in claimed])}"
    if over:
        text += "；得分率超过100%、计入最后一组：" + "、".join(
            f"{n}（{max(r['review_share'], r['self_share'] or 0):.2f}%）" for r, n in zip(over, unique_names(over), strict=True))
    return _describe(fig, text + "。")


def _span(values: list[float]) -> str:
    return f"{min(values):.2f}%至{max(values):.2f}%" if values else "—"


def execution_vs_score(records: list[dict], claim: float = 95.0, low: float = 80.0) -> Figure:
    """Execution rate against self-score share: full marks on low spending stand out. A project
    outside the axes (a rate or share above 100 %) is drawn on the edge as a triangle and named."""
    fig = new_figure(figsize=(7.5, 4.2))
    ax = fig.add_subplot()
    pts = [r for r in records if r["execution_rate"] is not None and r["self_share"] is not None]
    flagged = [r for r in pts if r["self_share"] >= claim and r["execution_rate"] < low]
    top = 105.0
    outside = [r for r in pts if r["execution_rate"] > top or r["self_share"] > top]
    inside = [r for r in pts if r not in outside]
    # Shade exactly the flagged corner: high self-score on low spending.
    ax.fill_between([0, low], claim, top, color="#fbeaea", zorder=0)
    others = [r for r in inside if r not in flagged]
    ax.scatter([r["execution_rate"] for r in others], [r["self_share"] for r in others], s=18,
               color=REVIEW_COLOR, alpha=0.6, label="项目")
    ax.scatter([r["execution_rate"] for r in flagged if r in inside], [r["self_share"] for r in flagged if r in inside],
               s=30, color=WARN_COLOR, label=f"自评≥{claim:g}%且执行率<{low:g}%")
    if outside:
        ax.scatter([_edge(r["execution_rate"], 0, top) for r in outside], [_edge(r["self_share"], 0, top) for r in outside],
                   s=40, marker="^", color="#6c3483", label="超出坐标范围（画在边缘）", clip_on=False, zorder=3)
    names = dict(zip((r["name"] for r in pts), unique_names(pts), strict=True))
    if len(flagged) <= 12:
        for r in flagged:
            ax.annotate(names[r["name"]], (_edge(r["execution_rate"], 0, top), _edge(r["self_share"], 0, top)),
                        fontsize=7, xytext=(-4, -9), textcoords="offset points", ha="right")
    for r in outside[:12]:
        ax.annotate(names[r["name"]], (_edge(r["execution_rate"], 0, top), _edge(r["self_share"], 0, top)),
                    fontsize=7, xytext=(-4, -9), textcoords="offset points", ha="right", color="#6c3483")
    ax.set_xlim(max(0.0, min([r["execution_rate"] for r in pts], default=50.0) - 5), top)
    ax.set_ylim(max(0.0, min([r["self_share"] for r in pts], default=50.0) - 5), top)
    ax.set_xlabel("预算执行率 %")
    ax.set_ylabel("自评得分率 %")
    ax.set_title("预算执行率与自评得分率", fontsize=11, loc="left")
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    text = f"预算执行率与自评得分率：{len(pts)}个项目"
    if flagged:
        text += f"，其中{len(flagged)}个自评≥{claim:g}%且执行率<{low:g}%：" + "、".join(
            f"{names[r['name']]}（执行率{r['execution_rate']:.2f}%）" for r in flagged)
    if outside:
        text += f"；{len(outside)}个超出坐标范围、画在边缘：" + "、".join(
            f"{names[r['name']]}（执行率{r['execution_rate']:.2f}%，自评得分率{r['self_share']:.2f}%）" for r in outside)
    if len(pts) < len(records):
        text += f"；{len(records) - len(pts)}个项目缺少执行率或自评分，未画出"
    return _describe(fig, text + "。")


def gap_bars(records: list[dict], limit: int = 15) -> Figure:
    """The projects whose review falls furthest below their self-score (share points), one bar
    per project (equal names told apart)."""
    ranked = sorted((r for r in records if r["gap"] is not None), key=lambda r: -r["gap"])[:limit][::-1]
    fig = new_figure(figsize=(7.5, 0.32 * max(len(ranked), 1) + 1.3))
    ax = fig.add_subplot()
    labels = unique_names(ranked)
    ax.barh(range(len(ranked)), [r["gap"] for r in ranked], color=WARN_COLOR, height=0.6)
    ax.set_yticks(range(len(ranked)), labels)
    ax.set_xlabel("自评得分率 − 复核得分率（百分点）")
    ax.set_title(f"差距最大的{len(ranked)}个项目", fontsize=11, loc="left")
    ax.tick_params(axis="y", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return _describe(fig, f"差距最大的{len(ranked)}个项目（自评得分率−复核得分率，百分点）：" + "、".join(
        f"{n} {r['gap']:.2f}" for r, n in zip(ranked[::-1], labels[::-1], strict=True)) + "。")


def findings_bars(codes: list[dict], limit: int = 12) -> Figure:
    """How many projects raise each finding (most common first)."""
    top = codes[:limit][::-1]
    fig = new_figure(figsize=(7.5, 0.32 * max(len(top), 1) + 1.3))
    ax = fig.add_subplot()
    colors = {"error": WARN_COLOR, "warning": "#d68910", "info": SELF_COLOR}
    ax.barh(range(len(top)), [c["projects"] for c in top], color=[colors[c["severity"]] for c in top], height=0.6)
    ax.set_yticks(range(len(top)), [c["title"] for c in top])
    ax.set_xlabel("项目数")
    ax.set_title("复核发现（按项目数）", fontsize=11, loc="left")
    ax.tick_params(axis="y", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return _describe(fig, "复核发现（按项目数）：" + "、".join(
        f"{c['title']} {c['projects']}个项目" for c in codes[:limit]) + "。")
