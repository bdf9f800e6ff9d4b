"""Narrative sections come from templates kept as data; analysts override them in params."""

from __future__ import annotations

from selfeval.assess.checks import review
from selfeval.report.narrative import build_narrative
from selfeval.report.wording import section_ids


def seed_eval(seed_form, suzhou):
    return review(seed_form, suzhou)


def test_sections_in_order_with_the_seed_numbers(seed_form, suzhou):
    sections = build_narrative(seed_eval(seed_form, suzhou))
    assert [s.id for s in sections] == section_ids() == ["overall", "budget", "indicators", "findings",
                                                          "recommendations"]
    text = {s.id: "".join(s.paragraphs) for s in sections}
    assert "80.00分（满分80分）" in text["overall"] and "79.43分" in text["overall"]
    assert "评级为“优”" in text["overall"] and "资金到位率（-0.57分）" in text["overall"]
    assert "资金到位率（到位÷预算）88.65%" in text["budget"] and "预算执行率（支付÷预算）88.65%" in text["budget"]
    assert "99.99%" in text["budget"] and "基础设施备品备件及其他（56.68%）" in text["budget"]
    assert "绩效指标共23项" in text["indicators"] and "11项实际值恰好等于目标值" in text["indicators"]
    assert "警告7项" in text["findings"] and "错误0项" in text["findings"]
    recs = next(s for s in sections if s.id == "recommendations")
    assert len(recs.paragraphs) > 1 and recs.paragraphs[0].startswith("1. ")
    assert not any(s.overridden for s in sections)
    # Chinese text carries no stray template spacing
    assert all("  " not in p for s in sections for p in s.paragraphs)


def test_override_and_extra_paragraphs(seed_form, suzhou):
    sections = build_narrative(seed_eval(seed_form, suzhou), {
        "budget": "第一段\n\n第二段", "extra": [{"title": "补充意见", "text": "甲\n\n乙"}]})
    by_id = {s.id: s for s in sections}
    assert by_id["budget"].paragraphs == ("第一段", "第二段") and by_id["budget"].overridden
    assert by_id["extra1"].title == "补充意见" and by_id["extra1"].paragraphs == ("甲", "乙")
    assert not by_id["overall"].overridden
