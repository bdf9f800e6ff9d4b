"""Rulesets: the shipped suzhou-2023 values, unknown names, malformed ruleset files."""

from __future__ import annotations

import copy
from decimal import Decimal
from importlib import resources

import pytest
import yaml

from selfeval.assess.rulesets import available_rulesets, load_ruleset, parse_ruleset
from selfeval.errors import RulesetError
from selfeval.form.model import Category

D = Decimal


@pytest.fixture(scope="module")
def suzhou_data() -> dict:
    text = resources.files("selfeval").joinpath("rulesets/suzhou-2023.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def test_suzhou_2023_values(suzhou):
    assert suzhou.name == "suzhou-2023"
    assert suzhou.applies_to.layouts == ["suzhou"] and suzhou.applies_to.states == {}
    assert suzhou.years == [2023]
    assert suzhou.full_marks == D(80)
    assert suzhou.bare_target_comparator == "equal"
    assert suzhou.weights.allocation == "pool"
    assert suzhou.weights.decimals == 2
    assert suzhou.tolerances.money == D("0.01")
    assert suzhou.rate_indicators == {"资金到位率": "funding_rate", "预算执行率": "payment_rate"}
    assert suzhou.budget_score is None


def test_suzhou_rules(suzhou):
    out, res = suzhou.rules["output"], suzhou.rules["outcome"]
    assert (out.full_from, out.full_to, out.shortfall_deduction, out.over_deduction) == (
        D(100),
        D(130),
        D(5),
        D(1),
    )
    assert (res.full_from, res.full_to, res.shortfall_deduction, res.over_deduction) == (
        D(100),
        D(200),
        D(5),
        D(1),
    )
    assert out.shortfall_basis == res.shortfall_basis == "literal"
    assert out.at_most == "inverse"


@pytest.mark.parametrize(
    ("category", "rule", "group"),
    [
        (Category.decision, "output", "common"),
        (Category.process, "output", "common"),
        (Category.input, "output", "common"),
        (Category.output, "output", "project"),
        (Category.outcome, "outcome", "project"),
        (Category.satisfaction, "outcome", "project"),
    ],
)
def test_suzhou_categories(suzhou, category, rule, group):
    assert suzhou.categories[category].rule == rule
    assert suzhou.categories[category].group == group
    assert suzhou.rule_for(category) == suzhou.rules[rule]


def test_suzhou_qualitative_and_rating(suzhou):
    q = suzhou.qualitative
    assert q.mode == "grades"
    assert q.grades == {"好": D(100), "较好": D(80), "一般": D(60), "较差": D(40), "差": D(20)}
    assert {"达到", "完成", "是"} <= set(q.full_words)
    assert [(b.rating, b.min_share) for b in suzhou.rating_bands] == [
        ("优", D(90)),
        ("良", D(80)),
        ("中", D(60)),
        ("差", D(0)),
    ]


def test_available_and_cached(suzhou):
    assert "suzhou-2023" in available_rulesets()
    assert load_ruleset("suzhou-2023") is suzhou


def test_with_options_returns_a_validated_copy(suzhou):
    alt = suzhou.with_options(rate_indicators={"资金到位率": "funding_rate", "预算执行率": "execution_rate"})
    assert alt.rate_indicators["预算执行率"] == "execution_rate"
    assert suzhou.rate_indicators["预算执行率"] == "payment_rate"  # the original is untouched
    with pytest.raises(ValueError):
        suzhou.with_options(rate_indicators={"预算执行率": "no_such_rate"})


def test_unknown_name_lists_known(suzhou):
    with pytest.raises(RulesetError) as info:
        load_ruleset("hangzhou-2031")
    msg = str(info.value)
    assert "hangzhou-2031" in msg
    assert "suzhou-2023" in msg


def test_ruleset_file_by_path(tmp_path, suzhou_data, suzhou):
    path = tmp_path / "copy.yaml"
    path.write_text(yaml.safe_dump(suzhou_data, allow_unicode=True), encoding="utf-8")
    assert load_ruleset(str(path)) == suzhou


# --- malformed files -----------------------------------------------------------------------------


def _write(tmp_path, name: str, data) -> str:
    path = tmp_path / name
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def _refused(path: str) -> str:
    with pytest.raises(RulesetError) as info:
        load_ruleset(path)
    msg = str(info.value)
    assert path in msg
    return msg


def test_missing_key(tmp_path, suzhou_data):
    data = copy.deepcopy(suzhou_data)
    del data["full_marks"]
    msg = _refused(_write(tmp_path, "missing.yaml", data))
    assert "full_marks" in msg
    assert "required" in msg.lower()


def test_missing_nested_key(tmp_path, suzhou_data):
    data = copy.deepcopy(suzhou_data)
    del data["rules"]["outcome"]["shortfall_deduction"]
    msg = _refused(_write(tmp_path, "nested.yaml", data))
    assert "rules.outcome.shortfall_deduction" in msg


def test_bad_band_order(tmp_path, suzhou_data):
    data = copy.deepcopy(suzhou_data)
    data["rating_bands"] = [
        {"rating": "良", "min_share": 80},
        {"rating": "优", "min_share": 90},
        {"rating": "中", "min_share": 60},
        {"rating": "差", "min_share": 0},
    ]
    msg = _refused(_write(tmp_path, "bands.yaml", data))
    assert "rating_bands" in msg
    assert "highest first" in msg


def test_bands_not_ending_at_zero(tmp_path, suzhou_data):
    data = copy.deepcopy(suzhou_data)
    data["rating_bands"] = data["rating_bands"][:3]
    assert "rating_bands" in _refused(_write(tmp_path, "bands0.yaml", data))


def test_unknown_rule_reference(tmp_path, suzhou_data):
    data = copy.deepcopy(suzhou_data)
    data["categories"]["satisfaction"]["rule"] = "satisfaction_rule"
    msg = _refused(_write(tmp_path, "rule.yaml", data))
    assert "categories.satisfaction.rule" in msg
    assert "satisfaction_rule" in msg


def test_wrong_type(tmp_path, suzhou_data):
    data = copy.deepcopy(suzhou_data)
    data["rules"]["output"]["over_deduction"] = "a lot"
    msg = _refused(_write(tmp_path, "type.yaml", data))
    assert "rules.output.over_deduction" in msg


def test_unknown_key(tmp_path, suzhou_data):
    data = copy.deepcopy(suzhou_data)
    data["weigths"] = {"allocation": "pool"}
    assert "weigths" in _refused(_write(tmp_path, "typo.yaml", data))


def test_several_errors_listed(tmp_path, suzhou_data):
    data = copy.deepcopy(suzhou_data)
    del data["full_marks"]
    data["rules"]["output"]["over_deduction"] = "a lot"
    msg = _refused(_write(tmp_path, "two.yaml", data))
    assert "full_marks" in msg and "rules.output.over_deduction" in msg


@pytest.mark.parametrize(("text", "expected"), [("a: [\n", "not valid YAML"), ("- 1\n", "mapping")])
def test_not_yaml_or_not_a_mapping(tmp_path, text, expected):
    assert expected in _refused(_write(tmp_path, "junk.yaml", text))


def test_parse_ruleset_names_its_source(suzhou_data):
    data = copy.deepcopy(suzhou_data)
    del data["categories"]
    with pytest.raises(RulesetError, match=r"<mine>: categories"):
        parse_ruleset(yaml.safe_dump(data, allow_unicode=True), "<mine>")
