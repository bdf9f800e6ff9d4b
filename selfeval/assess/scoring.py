"""Scoring: pure functions from (form, ruleset, decisions) to scores.

Three scores per indicator (rules.md §0): the form's `self_score`; the `rescore`, the ruleset
applied to the claimed actual; and the `review_score`, the ruleset applied to the actual the
review accepts (the recomputed rate where the money block determines it, a reviewer's manual
score where one exists, otherwise the claimed actual).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from selfeval.assess.decisions import Decision
from selfeval.assess.evaluation import (
    HUNDRED,
    ZERO,
    Assessment,
    Evaluation,
    IndicatorResult,
    Rates,
    WeightOrigin,
    claims_score,
    fully_met,
)
from selfeval.assess.rulesets import BandRule, Ruleset, TierRule
from selfeval.errors import FormError, Problem
from selfeval.form.labels import LABELS, category_name
from selfeval.form.labels import rate_name as rate_name_of
from selfeval.form.model import Category, Form, Indicator
from selfeval.form.values import (
    Actual,
    Quantity,
    Target,
    canonical,
    format_decimal,
    is_budget_row,
    normalize,
    parse_actual,
    round_half_up,
    show_number,
    show_rate,
)
from selfeval.layouts.reader import points


def compute_rates(form: Form) -> Rates:
    """资金到位率, payment rate and execution rate from the form's money block."""
    m = form.money
    budget, appropriated, paid = m.budget, m.appropriated, m.paid

    def ratio(a: Decimal | None, b: Decimal | None) -> Decimal | None:
        return None if a is None or b is None or b == 0 else a / b * HUNDRED

    return Rates(ratio(appropriated, budget), ratio(paid, appropriated), ratio(paid, budget))




# --- one indicator -----------------------------------------------------------------------------


def _band_score(
    weight: Decimal, rule: BandRule, completion: Decimal, shortfall: Decimal | None, over_ok: bool
) -> tuple[Decimal, str]:
    """Apply a completion band; returns (unrounded score, basis)."""
    if shortfall is not None and shortfall > 0:
        deduct = shortfall * rule.shortfall_deduction / HUNDRED
        return weight * (1 - deduct), "shortfall"
    if over_ok and rule.full_to is not None and completion > rule.full_to and rule.over_deduction:
        deduct = (completion - rule.full_to) * rule.over_deduction / HUNDRED
        return weight * (1 - deduct), "over"
    return weight, "met"


def _clamp(score: Decimal, weight: Decimal) -> Decimal:
    return round_half_up(min(max(score, ZERO), weight))


def bounded_rate(name: str) -> bool:
    """Whether an indicator so named measures a rate that cannot exceed 100 % (满意度, 合格率, …;
    the word lists are data: labels.yaml `bounded_rates`)."""
    key = normalize(name).rstrip("%（）() ")
    spec = LABELS["bounded_rates"]
    if any(key.endswith(normalize(w)) for w in spec["except"]):
        return False
    return any(key.endswith(normalize(w)) for w in spec["endings"])


def impossible_actual(ind: Indicator, actual: Actual) -> bool:
    """A percentage above 100 % on an indicator that cannot exceed it."""
    return (actual.kind == "quantity" and actual.quantity is not None and actual.quantity.unit == "%"
            and actual.quantity.value > HUNDRED and (bounded_rate(ind.name) or ind.category == Category.satisfaction))


def _units_compatible(target: Target, q: Quantity) -> bool:
    return not q.unit or not target.unit or normalize(q.unit) == normalize(target.unit)


def _manual(reason: str) -> Assessment:
    return Assessment(None, "manual", "manual", reason)


def _assess_quantitative(
    weight: Decimal, target: Target, q: Quantity, rule: BandRule
) -> Assessment:
    t, a = target.value, q.value
    assert t is not None
    is_pct = target.unit == "%"
    if target.comparator in ("at_most", "below"):
        if a <= t:
            return Assessment(weight, "scored", "met", "不高于目标，达标", HUNDRED)
        if t == 0:
            return Assessment(ZERO, "scored", "not_met", "目标为0而实际不为0，得0分", ZERO)
        if rule.at_most == "excess":
            shortfall = (a / t - 1) * HUNDRED
            completion = max(ZERO, HUNDRED - shortfall)
        else:
            completion = t / a * HUNDRED
            literal = rule.shortfall_basis == "literal" and is_pct
            shortfall = (a - t) if literal else HUNDRED - completion
        raw, basis = _band_score(weight, rule, completion, shortfall, over_ok=False)
        score = _clamp(raw, weight)
        return Assessment(score, "scored", basis,
                          _shortfall_reason(a, t, target.unit, completion, shortfall, rule, "高", is_pct, weight - score),
                          completion)
    # at_least / above / equal
    if t == 0:
        met = a == 0 if target.comparator == "equal" else a >= 0
        return Assessment(
            weight if met else ZERO, "scored", "met" if met else "not_met",
            "目标为0，" + ("达标" if met else "未达标，得0分"), None,
        )
    completion = a / t * HUNDRED
    if completion >= rule.full_from:
        shortfall = None
    elif rule.shortfall_basis == "literal" and is_pct:
        shortfall = t - a
    else:
        shortfall = rule.full_from - completion
    raw, basis = _band_score(weight, rule, completion, shortfall, over_ok=True)
    score = _clamp(raw, weight)
    if basis == "met":
        reason = f"完成率{show_rate(completion)}，在满分区间内"
    elif basis == "over":
        reason = (f"完成率{show_rate(completion)}，超过{format_decimal(rule.full_to)}%的部分"
                  f"扣{show_number(weight - score)}分")
    else:
        reason = _shortfall_reason(a, t, target.unit, completion, shortfall, rule, "低", is_pct, weight - score)
    return Assessment(score, "scored", basis, reason, completion)


def _shortfall_reason(a: Decimal, t: Decimal, unit: str, completion: Decimal, shortfall: Decimal,
                      rule: BandRule, side: str, is_pct: bool, lost: Decimal) -> str:
    """What was measured and what it cost in points, e.g. '实际88.9%，较目标99%低10.1个百分点，扣2.53分'
    (the points, not a share of the weight: a reviewer checks a score, not a percentage of one)."""
    deduct = f"扣{show_number(lost)}分"
    sep = "" if unit == "%" else " "
    actual, target = f"{show_number(a)}{sep}{unit}", f"{show_number(t)}{sep}{unit}"
    if rule.shortfall_basis == "literal" and is_pct:
        gap = f"较目标{target}{side}{format_decimal(round_half_up(shortfall))}个百分点"
        return f"实际{actual}，{gap}，{deduct}"
    where = f"低于目标{target}" if side == "低" else f"超出目标上限{target}"
    return f"实际{actual}，{where}，完成率{show_rate(completion)}，{deduct}"


def _grade_factor(actual: Actual, target: Target, ruleset: Ruleset) -> tuple[str, Decimal] | None:
    """The grade a qualitative actual earns, or None when it cannot be read."""
    q = ruleset.qualitative
    grades = sorted(q.grades.items(), key=lambda kv: -kv[1])
    top = grades[0]
    if actual.kind == "text":
        word = normalize(actual.text)
        if word in q.grades:
            return word, q.grades[word]
        if word in q.full_words or (target.word and word == normalize(target.word)):
            return top
        return None
    if actual.kind == "quantity" and actual.quantity and actual.quantity.unit in ("%", ""):
        p = actual.quantity.value
        if p >= HUNDRED:
            return top
        for grade, factor in grades:
            if factor <= p:
                return grade, factor
        return grades[-1]
    return None


def tier_for(actual: Actual, target: Target, ruleset: Ruleset) -> tuple[str, TierRule] | None:
    """The qualitative tier (national scheme) an actual places its indicator in, or None.

    A tier word, a word meaning full achievement or the target word itself place it; a
    percentage p places it in the highest tier whose low end is ≤ p (100 % or more: the top).
    """
    tiers = list(ruleset.qualitative.tiers.items())
    if actual.kind == "text":
        word = normalize(actual.text)
        for name, tier in tiers:
            if word == normalize(name) or word in {normalize(w) for w in tier.words}:
                return name, tier
        full = {normalize(w) for w in ruleset.qualitative.full_words}
        if word in full or (target.word and word == normalize(target.word)):
            return tiers[0]
        return None
    if actual.kind == "quantity" and actual.quantity and actual.quantity.unit in ("%", ""):
        p = actual.quantity.value
        if p >= HUNDRED:
            return tiers[0]
        for name, tier in tiers:
            if tier.low <= p:
                return name, tier
        return tiers[-1]
    return None


def _assess_tier(ind: Indicator, actual: Actual, ruleset: Ruleset) -> Assessment:
    """National qualitative tiers: a self-score inside its tier stands; one outside is clipped."""
    found = tier_for(actual, ind.target, ruleset)
    if found is None:
        return _manual(f"定性指标实际值“{actual.raw}”无法对应档次，待人工评分")
    name, tier = found
    weight = ind.weight
    low = round_half_up(weight * tier.low / HUNDRED)
    edge = round_half_up(weight * tier.high / HUNDRED)
    # The published notes give an edge to the higher tier (「100-80%(含80%)、80-60%(含60%)」): a
    # lower tier stops one cent below the next tier's low end.
    top = tier.high >= HUNDRED
    high = edge if top else max(low, edge - Decimal("0.01"))
    band = f"“{name}”档（{format_decimal(low)}–{format_decimal(edge)}分{'' if top else '，不含上限'}）"
    claimed = ind.self_score
    if claimed is None:
        score = min(round_half_up(weight * tier.default / HUNDRED), high)
        return Assessment(score, "scored", "tier",
                          f"{band}，未填自评分，暂按该档默认{format_decimal(tier.default)}%计（规则未规定，为本工具所定，建议复核人确认）")
    if low <= claimed <= high:
        return Assessment(claimed, "scored", "tier", f"{band}，自评分在档内")
    clipped = min(max(claimed, low), high)
    return Assessment(clipped, "scored", "tier_clipped",
                      f"自评{format_decimal(claimed)}分超出{band}，按{format_decimal(clipped)}分计")


def assess(ind: Indicator, actual: Actual, ruleset: Ruleset, year: int | None = None) -> Assessment:
    """Score one indicator on the given (claimed or accepted) actual.

    `year` is the form's year: a date target without a year ("12月31日前") means that year.
    Every score is rounded half-up to 2 places, whichever rule produced it.
    """
    a = _assess(ind, actual, ruleset, year)
    return a if a.score is None else replace(a, score=round_half_up(a.score))


def _assess(ind: Indicator, actual: Actual, ruleset: Ruleset, year: int | None) -> Assessment:
    weight, target = ind.weight, ind.target
    rule = ruleset.rule_for(ind.category)
    if target.kind == "unreadable":  # whatever the actual, the rule has nothing to compare it with
        return _manual(f"目标值“{target.raw}”无法读取，待人工评分")
    if actual.kind == "blank":
        if ind.explanation or ind.deviation_note:
            return _manual("无实际值但有说明，待人工评分")
        if target.kind == "none":  # a placeholder label with the target folded into the name, often
            return _manual(f"目标值与实际完成值均未填写（指标名称“{ind.name}”），待人工评分")
        return Assessment(ZERO, "scored", "missing", "无实际值且无说明，得0分")
    if impossible_actual(ind, actual):
        return _manual(f"实际值“{actual.raw}”超过100%，该类比率不可能超过100%，待复核人评分")
    if target.kind == "qualitative" and ruleset.qualitative.mode == "tiers":
        return _assess_tier(ind, actual, ruleset)
    if target.kind == "qualitative":
        grade = _grade_factor(actual, target, ruleset)
        if grade is None:
            return _manual(f"定性指标实际值“{actual.raw}”无法对应等级，待人工评分")
        score = round_half_up(weight * grade[1] / HUNDRED)
        return Assessment(score, "scored", "grade", f"评为“{grade[0]}”（{format_decimal(grade[1])}%）")
    if target.kind == "quantitative":
        if actual.kind != "quantity" or not _units_compatible(target, actual.quantity):
            return _manual(f"实际值“{actual.raw}”无法与目标“{target.raw}”比较，待人工评分")
        return _assess_quantitative(weight, target, actual.quantity, rule)
    if target.kind == "range":
        if actual.kind != "quantity" or not _units_compatible(target, actual.quantity):
            return _manual(f"实际值“{actual.raw}”无法与区间目标比较，待人工评分")
        inside = target.low <= actual.quantity.value <= target.high
        return Assessment(
            weight if inside else ZERO, "scored", "met" if inside else "not_met",
            "在目标区间内" if inside else "不在目标区间内，得0分",
        )
    if target.kind == "date":
        if actual.kind == "date":
            t_year = target.year or year or actual.year or 0
            a_year = actual.year or t_year
            on_time = (a_year, actual.month, actual.day) <= (t_year, target.month, target.day)
            return Assessment(
                weight if on_time else ZERO, "scored", "met" if on_time else "not_met",
                "按期完成" if on_time else "未按期完成，得0分",
            )
        if actual.kind == "text" and normalize(actual.text) in ruleset.qualitative.full_words:
            return Assessment(weight, "scored", "met", "按期完成")
        return _manual(f"实际值“{actual.raw}”无法与日期目标比较，待人工评分")
    return _manual("无目标值，待人工评分")


# --- the whole form ----------------------------------------------------------------------------


def rating_for(total: Decimal, full_marks: Decimal, ruleset: Ruleset) -> str:
    """优/良/中/差 from the share of the full marks (bands are ruleset values)."""
    share = total / full_marks * HUNDRED if full_marks else ZERO
    for band in ruleset.rating_bands:
        if share >= band.min_share:
            return band.rating
    return ruleset.rating_bands[-1].rating


def rate_indicator(ind: Indicator, ruleset: Ruleset) -> str | None:
    """The rate name (funding_rate, …) whose value this indicator's actual should equal."""
    key = normalize(ind.name)
    for name, rate in ruleset.rate_indicators.items():
        if normalize(name) == key:
            return rate
    return None


def interpret(form: Form, ruleset: Ruleset) -> Form:
    """The form's targets as the chosen ruleset reads them: a target written as a plain number
    ("4 次") takes the ruleset's `bare_target_comparator` (read here, at scoring, because the
    ruleset is chosen after the form is loaded)."""
    comparator = ruleset.bare_target_comparator
    if not any(i.target.bare and i.target.comparator != comparator for i in form.indicators):
        return form
    inds = [i.model_copy(update={"target": i.target.model_copy(update={"comparator": comparator})})
            if i.target.bare else i for i in form.indicators]
    return form.model_copy(update={"indicators": inds})


def score_form(form: Form, ruleset: Ruleset, decisions: list[Decision] | None = None) -> Evaluation:
    """Rescore and review-score every indicator; totals, the range a pending item or an unstated
    weight leaves open, and the rating once that range lies in one band."""
    decisions = list(decisions or [])
    form, origins = resolve_weights(interpret(form, ruleset), ruleset)
    form, origins = apply_weight_decisions(form, origins, decisions)
    manual = {normalize(d.subject): d for d in decisions if d.kind == "score"}
    rates = compute_rates(form)
    results: list[IndicatorResult] = []
    for i, ind in enumerate(form.indicators):
        claimed = parse_actual(ind.actual)
        rescore = assess(ind, claimed, ruleset, form.year)
        review, source, accepted = rescore, "claimed", claimed.raw
        rate_name = rate_indicator(ind, ruleset)
        if rate_name and rates.get(rate_name) is not None:
            value = rates.get(rate_name)
            recomputed = Actual(kind="quantity", raw=show_rate(value, 4),
                                quantity=Quantity(value=value, unit="%"))
            review = assess(ind, recomputed, ruleset, form.year)
            # the indicator's name may be 预算执行率 while the ruleset scores it on another basis:
            # the reason names the rate it was scored on (the report's one name per rate)
            review = replace(review, reason=f"按{rate_name_of(rate_name)}计：{review.reason}")
            source, accepted = "recomputed", show_rate(value)
        decision = manual.get(normalize(ind.name))
        if decision is not None:
            review = Assessment(
                _clamp(decision.score, ind.weight), "scored", "decision",
                f"复核人{decision.reviewer}人工评分：{decision.reason}",
            )
            source = "decision"
        results.append(IndicatorResult(i, ind, rescore, review, source, accepted, decision, origins[i]))

    budget_score = budget_rescore = _budget_score(form, rates, ruleset)
    names = {normalize(i.name) for i in form.indicators}
    budget_decision = next((d for d in decisions if d.kind == "score" and normalize(d.subject) not in names
                            and is_budget_row(d.subject)), None)
    if budget_score is not None and budget_decision is not None and ruleset.budget_score is not None:
        budget_score = Assessment(
            _clamp(budget_decision.score, ruleset.budget_score.weight), "scored", "decision",
            f"复核人{budget_decision.reviewer}人工评分：{budget_decision.reason}", budget_score.completion)
    extra = budget_score.score if budget_score and budget_score.score is not None else ZERO
    extra_rescore = budget_rescore.score if budget_rescore and budget_rescore.score is not None else ZERO
    full = form.full_marks if form.full_marks is not None else ruleset.full_marks
    self_total = sum((r.indicator.self_score or ZERO for r in results), form.budget_self_score or ZERO)
    rescore_total = sum((r.rescore.score or ZERO for r in results), ZERO) + extra_rescore
    review_total = sum((r.review.score or ZERO for r in results), ZERO) + extra

    # A reviewer who dismisses SE-WEIGHT-UNSTATED accepts the split as it stands.
    weights_accepted = any(d.kind == "dismiss" and d.subject == UNSTATED_WEIGHTS for d in decisions)
    low, high = review_range(results, budget_score, ruleset)
    derived = any(not o.stated for o in origins)
    all_full = fully_met(results)
    unsettled = []
    if any(r.pending for r in results) or (budget_score is not None and budget_score.score is None):
        unsettled.append("pending")
    if derived and not weights_accepted and not all_full:
        unsettled.append("weights")
    # A total can never silently exceed full marks: weights (or scores) that add to more than the
    # scheme allows keep their computed figures, but the result is unrated until the reviewer
    # decides the weights (review.over_full_marks says what to decide).
    over = over_full_marks(form, ruleset, full, high)
    if over:
        unsettled.append("over_full")
    bands = () if over else bands_between(low, high, full, ruleset)
    settled = len(bands) == 1 and "weights" not in unsettled
    return Evaluation(
        form=form, ruleset=ruleset, indicators=results, rates=rates, full_marks=full,
        self_total=self_total, rescore_total=rescore_total, review_total=review_total,
        rating=bands[0] if settled else None,
        # a self total with a row left out (blank or unreadable 得分 beside filled ones) is no claim
        # to rate
        self_rating=rating_for(self_total, full, ruleset) if claims_score(form) and all(
            r.indicator.self_score is not None for r in results) else None,
        budget_score=budget_score, decisions=decisions,
        budget_rescore=budget_rescore, weights_derived=derived,
        review_low=low, review_high=high, rating_bands=bands,
        # a pending item unsettles the rating only where its range crosses a band
        unsettled=tuple(x for x in unsettled if x != "pending" or len(bands) > 1),
    )


UNSTATED_WEIGHTS = "SE-WEIGHT-UNSTATED"  # the finding that names weights the form does not state


def review_range(results: list[IndicatorResult], budget: Assessment | None,
                 ruleset: Ruleset) -> tuple[Decimal, Decimal]:
    """The lowest and highest review total, each pending item anywhere in its bounds (0 to its
    weight unless its rule fixes narrower ones), on the weights the review uses."""
    low = sum((r.bounds[0] for r in results), ZERO)
    high = sum((r.bounds[1] for r in results), ZERO)
    if budget is not None:
        if budget.score is not None:
            low, high = low + budget.score, high + budget.score
        elif ruleset.budget_score is not None:
            high += ruleset.budget_score.weight
    return low, high


def bands_between(low: Decimal, high: Decimal, full: Decimal, ruleset: Ruleset) -> tuple[str, ...]:
    """The rating bands a total anywhere from `low` to `high` can fall in, best first."""
    names = [b.rating for b in ruleset.rating_bands]
    top, bottom = names.index(rating_for(high, full, ruleset)), names.index(rating_for(low, full, ruleset))
    return tuple(names[top:bottom + 1])


def weight_sum(form: Form, ruleset: Ruleset) -> Decimal:
    """The weights the form's scores can reach: indicators, plus the budget row where scored."""
    budget = ruleset.budget_score.weight if ruleset.budget_score is not None else ZERO
    return sum((i.weight for i in form.indicators if i.weight is not None), budget)


def over_full_marks(form: Form, ruleset: Ruleset, full: Decimal, review_total: Decimal) -> bool:
    """Whether the form's weights or the (highest) review total exceed its full marks."""
    return weight_sum(form, ruleset) > full or review_total > full


def _budget_score(form: Form, rates: Rates, ruleset: Ruleset) -> Assessment | None:
    """National scheme: weight × execution rate, capped at the weight.

    Where the 年度资金总额 row cannot give the rate (blank or 0) but the funding-source rows below
    it can, the rate of their sums is used and the reason says so.
    """
    bs = ruleset.budget_score
    if bs is None:
        return None
    rate, basis = rates.get(bs.rate), ""
    if rate is None and bs.rate == "execution_rate":
        rate = parts_execution_rate(form)
        basis = "（年度资金总额行无法计算，按各资金来源合计）"
    if rate is None:
        return _manual("预算执行率无法计算，待人工评分")
    score = round_half_up(min(bs.weight, bs.weight * rate / HUNDRED))
    return Assessment(score, "scored", "met" if score == bs.weight else "shortfall",
                      f"执行率{show_rate(rate)}{basis} × {format_decimal(bs.weight)}分", rate)


def parts_execution_rate(form: Form) -> Decimal | None:
    """Σ 全年执行数 / Σ 全年预算数 over the funding-source rows (national layout), in %."""
    budgets = [s.budget for s in form.sub_items if s.budget is not None]
    actuals = [s.actual for s in form.sub_items if s.actual is not None]
    b, a = sum(budgets, ZERO), sum(actuals, ZERO)
    if not budgets or not actuals or b == 0:
        return None
    return a / b * HUNDRED


def resolve_weights(form: Form, ruleset: Ruleset) -> tuple[Form, list[WeightOrigin]]:
    """The form's weights and where each came from.

    A weight the form states is kept. One it does not state (blank, or a cell that could not be
    read) comes first from points the form prints on a 二级 or 一级 cell (`产出指标(50分)`), less the
    weights stated under it, shared evenly among the rows without one (the points are the form's,
    the even share is ours); then from the ruleset's default split, less what the group's rows
    state; then, where the ruleset has no split, from the weight every stated row of its category
    shares (the even share within a category that forms such as Suzhou's prescribe). The rounding
    residual of a share goes to its last row.
    """
    inds = form.indicators
    origins: dict[int, WeightOrigin] = {n: WeightOrigin() for n, i in enumerate(inds) if i.weight is not None}
    if len(origins) == len(inds):
        return form, [origins[n] for n in range(len(inds))]
    weights: dict[int, Decimal] = {n: inds[n].weight for n in origins}
    todo = [n for n in range(len(inds)) if n not in origins]

    def share(members: list[int], total: Decimal, origin: WeightOrigin) -> None:
        each = canonical(round_half_up(total / len(members), ruleset.weights.decimals))
        for n in members:
            weights[n], origins[n] = each, origin
        weights[members[-1]] = canonical(total - each * (len(members) - 1))

    # 1. printed points, the narrower cell first (二级 inside 一级)
    for level in ("level2", "level1"):
        pools: dict[str, list[int]] = {}
        for n in todo:
            label = getattr(inds[n], level)
            if n not in origins and label and points(label) is not None:
                pools.setdefault(label, []).append(n)
        for label, members in pools.items():
            under = [n for n, i in enumerate(inds) if getattr(i, level) == label and n not in members]
            if level == "level1":  # 二级 pools printed under this cell take their own points
                inner = {inds[n].level2 for n in under if inds[n].level2 and points(inds[n].level2) is not None}
                under = [n for n in under if inds[n].level2 not in inner]
                rest = points(label) - sum((points(x) for x in inner), ZERO)
            else:
                rest = points(label)
            rest -= sum((weights[n] for n in under if n in weights), ZERO)
            share(members, max(rest, ZERO), WeightOrigin("printed", label.strip(), max(rest, ZERO), len(members)))
    todo = [n for n in todo if n not in origins]
    # 2. the ruleset's default split
    groups = ruleset.weights.split_groups()
    for cats, total in groups:
        members = [n for n in todo if inds[n].category in cats]
        if members:
            stated = sum((weights[n] for n, i in enumerate(inds) if i.category in cats and n in weights), ZERO)
            rest = max(total - stated, ZERO)
            share(members, rest, WeightOrigin("ruleset", "和".join(category_name(c) for c in cats), rest, len(members)))
    todo = [n for n in todo if n not in origins]
    # 3. the weight its category's stated rows share
    for n in list(todo):
        same = {weights[m] for m, i in enumerate(inds) if i.category == inds[n].category and m in weights
                and origins[m].source == "form"}
        if len(same) == 1:
            weights[n], origins[n] = next(iter(same)), WeightOrigin("siblings", category_name(inds[n].category),
                                                                    next(iter(same)), 1)
    todo = [n for n in todo if n not in origins]
    if todo:
        have = "、".join(f"{'和'.join(category_name(c) for c in cats)}{format_decimal(v)}" for cats, v in groups)
        raise FormError([Problem(
            form.provenance.path or "<form>", f"indicators[{n}]" if inds[n].row is None else f"line {inds[n].row}",
            f"{inds[n].name} 分值 (weight)", "blank or unreadable",
            f"a weight on the form: ruleset {ruleset.name} has no default split for "
            f"{category_name(inds[n].category)} (its default split: {have or 'none'}), and its category's "
            "other rows share no one weight") for n in todo])
    out = [i.model_copy(update={"weight": weights[n]}) for n, i in enumerate(inds)]
    return form.model_copy(update={"indicators": out}), [origins[n] for n in range(len(inds))]


def apply_weight_decisions(form: Form, origins: list[WeightOrigin],
                           decisions: list[Decision]) -> tuple[Form, list[WeightOrigin]]:
    """The reviewer's `weights:` decisions put in place of the weights they name."""
    decided = {normalize(d.subject): d for d in decisions if d.kind == "weight"}
    if not decided:
        return form, origins
    inds, out = [], []
    for ind, origin in zip(form.indicators, origins, strict=True):
        d = decided.get(normalize(ind.name))
        inds.append(ind if d is None else ind.model_copy(update={"weight": d.score}))
        out.append(origin if d is None else WeightOrigin("decision", d.reason))
    return form.model_copy(update={"indicators": inds}), out


def weight_note(origin: WeightOrigin, ruleset_title: str) -> str:
    """Where a weight the form does not state came from, in a reviewer's words."""
    if origin.source == "printed":
        return f"表中“{origin.pool}”标明{format_decimal(origin.points)}分，在其下{origin.members}项间平均分配（平均分配为本工具所作）"
    if origin.source == "ruleset":
        return (f"按评分规则“{ruleset_title}”的默认分配：{origin.pool}{format_decimal(origin.points)}分，"
                f"在{origin.members}项间平均分配")
    if origin.source == "siblings":
        return f"表中未填，取同类（{origin.pool}）其他指标的分值{format_decimal(origin.points)}分（同类平均分配）"
    if origin.source == "decision":
        return f"复核人确定：{origin.pool}"
    return "表中所填"


# --- weights -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeightIssue:
    """A weight (or weight sum) that the ruleset's allocation does not explain."""

    what: str  # Chinese description
    expected: Decimal
    seen: Decimal
    indicators: tuple[str, ...] = ()


def check_weights(form: Form, ruleset: Ruleset) -> list[WeightIssue]:
    """Check the weights against the ruleset's allocation rule and the form's full marks."""
    issues: list[WeightIssue] = []
    full = form.full_marks if form.full_marks is not None else ruleset.full_marks
    if ruleset.budget_score is not None:
        full -= ruleset.budget_score.weight
        if form.budget_weight is not None and form.budget_weight != ruleset.budget_score.weight:
            issues.append(WeightIssue("预算执行分值与评分规则不符", ruleset.budget_score.weight,
                                      form.budget_weight))
    total = sum((i.weight for i in form.indicators), ZERO)
    if total != full:
        issues.append(WeightIssue("权重合计不等于满分", full, total))
    if ruleset.weights.allocation == "fixed":
        return issues
    groups: dict[str, list[Indicator]] = {}
    project = [i for i in form.indicators if ruleset.categories[i.category].group == "project"]
    if ruleset.weights.allocation == "pool":
        # by group, not `i not in project` (model equality over a list: quadratic in indicators)
        common = sum((i.weight for i in form.indicators if ruleset.categories[i.category].group != "project"), ZERO)
        pools = {"项目指标": (full - common, project)}
    else:
        pools = {}
        for cat, cat_total in ruleset.weights.category_totals.items():
            members = [i for i in project if i.category == cat]
            groups[cat] = members
            pools[f"{cat}类指标"] = (cat_total, members)
    tol = ruleset.tolerances.weight
    for label, (pool, members) in pools.items():
        if not members:
            continue
        got = sum((m.weight for m in members), ZERO)
        if got != pool:
            issues.append(WeightIssue(f"{label}权重合计与分值池不符", pool, got))
        even = round_half_up(pool / len(members), ruleset.weights.decimals)
        off = [m for m in members if abs(m.weight - even) > tol]
        if len(off) > 1 or (off and got != pool):
            issues.append(
                WeightIssue(f"{label}权重未按指标个数平均分配", even, off[0].weight,
                            tuple(m.name for m in off))
            )
    return issues


def category_points(ev: Evaluation) -> dict[Category, dict[str, Decimal]]:
    """Weight, self, rescore and review points summed per category, in form order."""
    out: dict[Category, dict[str, Decimal]] = {}
    for r in ev.indicators:
        row = out.setdefault(
            r.indicator.category,
            {"weight": ZERO, "self": ZERO, "rescore": ZERO, "review": ZERO},
        )
        row["weight"] += r.indicator.weight
        row["self"] += r.indicator.self_score or ZERO
        row["rescore"] += r.rescore.score or ZERO
        row["review"] += r.review.score or ZERO
    return out


def project_results(ev: Evaluation) -> list[IndicatorResult]:
    """Results of the project indicators (产出/效益/满意度: the ruleset's "project" group)."""
    return [r for r in ev.indicators if ev.ruleset.categories[r.indicator.category].group == "project"]


def at_threshold(r: IndicatorResult, ev: Evaluation) -> bool:
    """Actual exactly at the target value, or a qualitative actual at exactly full achievement."""
    t, a = r.indicator.target, parse_actual(r.indicator.actual)
    if t.kind == "quantitative":
        return a.kind == "quantity" and a.quantity.value == t.value
    if t.kind == "qualitative":
        if a.kind == "quantity":
            return a.quantity.value == HUNDRED and a.quantity.unit in ("%", "")
        q = ev.ruleset.qualitative
        if q.mode == "tiers":
            top_name, top_tier = next(iter(q.tiers.items()))
            top = {top_name, *top_tier.words}
        else:
            top = {max(q.grades.items(), key=lambda kv: kv[1])[0]}
        full = {*(normalize(w) for w in top), *(normalize(w) for w in q.full_words), normalize(t.word or "")}
        return a.kind == "text" and normalize(a.text) in full
    return False
