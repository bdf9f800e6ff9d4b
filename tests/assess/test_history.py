"""Checks against the previous year: a problem found again and a target made easier, raised and
not raised; the comparison the report shows."""

from __future__ import annotations

from builders import clean_form, replace_fields, with_indicator, with_narrative

from selfeval.assess.checks import review
from selfeval.assess.history import compare, prior_year


def _last_year(form, suzhou):
    return prior_year(review(replace_fields(form, year=2022), suzhou), ref="r2022")


def _codes(ev):
    return {f.code for f in ev.findings}


def test_without_a_previous_year_nothing_is_compared(suzhou):
    ev = review(clean_form(), suzhou)
    assert ev.previous is None and compare(ev) is None
    assert not {"SE-HIST-UNFIXED", "SE-HIST-TARGET-LOWERED"} & _codes(ev)


def test_a_problem_found_again_is_raised_and_a_fixed_one_is_not(suzhou):
    empty = with_narrative(clean_form(), problems="无", recommendations="暂无")
    before = _last_year(empty, suzhou)
    assert "SE-NARR-EMPTY" in {f.code for f in before.findings}
    again = review(empty, suzhou, previous=before)
    f = next(x for x in again.findings if x.code == "SE-HIST-UNFIXED")
    assert "2022年复核发现的1类问题本年仍然存在：问题与建议空泛" in f.message
    fixed = review(with_narrative(clean_form(), problems="运维响应偶有延迟", recommendations="完善考核"),
                   suzhou, previous=before)
    assert "SE-HIST-UNFIXED" not in _codes(fixed)


def test_a_dismissed_finding_last_year_does_not_recur(suzhou):
    from dataclasses import replace

    empty = with_narrative(clean_form(), problems="无", recommendations="暂无")
    before = _last_year(empty, suzhou)
    before = replace(before, findings=())  # the record keeps only what was not dismissed
    assert "SE-HIST-UNFIXED" not in _codes(review(empty, suzhou, previous=before))


def test_a_lowered_target_is_raised_only_where_last_year_went_beyond_it(suzhou):
    base = clean_form()
    last = with_indicator(base, "驻场运维周期", target=">=12 个", actual="13 个")
    lowered = with_indicator(base, "驻场运维周期", target=">=10 个", actual="12 个")
    ev = review(lowered, suzhou, previous=_last_year(last, suzhou))
    f = next(x for x in ev.findings if x.code == "SE-HIST-TARGET-LOWERED")
    assert f.indicators == ("驻场运维周期",) and "2022年目标>=12 个、实际13 个；本年目标>=10 个" in f.message
    # last year fell short: a lower target is a correction, not slack
    short = with_indicator(base, "驻场运维周期", target=">=12 个", actual="11 个")
    assert "SE-HIST-TARGET-LOWERED" not in _codes(review(lowered, suzhou, previous=_last_year(short, suzhou)))
    # the same or a higher target: nothing
    assert "SE-HIST-TARGET-LOWERED" not in _codes(review(last, suzhou, previous=_last_year(last, suzhou)))
    # another unit is not comparable
    other = with_indicator(base, "驻场运维周期", target=">=12 次", actual="13 次")
    assert "SE-HIST-TARGET-LOWERED" not in _codes(review(lowered, suzhou, previous=_last_year(other, suzhou)))


def test_a_raised_ceiling_is_a_lowered_target_too(suzhou):
    base = clean_form()
    last = with_indicator(base, "驻场运维周期", target="<=12 个月", actual="10 个月")
    now = with_indicator(base, "驻场运维周期", target="<=14 个月", actual="11 个月")
    assert "SE-HIST-TARGET-LOWERED" in _codes(review(now, suzhou, previous=_last_year(last, suzhou)))


def test_the_comparison_matches_indicators_by_normalised_name(suzhou):
    last = with_indicator(clean_form(), "驻场运维周期", name="驻场运维 周期。")
    ev = review(clean_form(), suzhou, previous=_last_year(last, suzhou))
    cmp = compare(ev)
    row = next(i for i in cmp.indicators if i.name == "驻场运维周期")
    assert row.before_target is not None and cmp.dropped == ()
    assert cmp.before_year == 2022 and cmp.share == cmp.before_share
