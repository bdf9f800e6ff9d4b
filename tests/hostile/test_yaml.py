"""YAML as users write it: YAML 1.2 numbers and booleans, no duplicate keys, no bare tracebacks.

Reproduces the hostile-input cases: `weight: 010` read as 8 and `1:30` as 90 (review 153.26 of 80,
rated 优), duplicate keys silently taking the last value, `review_date: 2024-02-30` aborting with
`ValueError: day is out of range for month`, and `reviewer: yes` rendering "True".
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from builders import NATIONAL_YAML

from selfeval.assess.decisions import load_decisions
from selfeval.assess.rulesets import parse_ruleset
from selfeval.errors import DecisionsError, FormError, ParamsError, RulesetError
from selfeval.loaders import load_form
from selfeval.params import load_params
from selfeval.yamlio import load_yaml


@pytest.mark.parametrize(("text", "value"), [
    ("a: 010", 10), ("a: 0o10", 8), ("a: 0x10", 16), ("a: 1:30", "1:30"), ("a: yes", "yes"), ("a: on", "on"),
    ("a: true", True), ("a: 2024-02-30", "2024-02-30"), ("a: 1_000", "1_000"), ("a: 1e3", 1000.0), ("a: ~", None),
])
def test_yaml_1_2_scalars(text, value):
    assert load_yaml(text)["a"] == value


def test_floats_are_exact_decimals_in_forms():
    assert load_yaml("a: 4.50", decimal=True)["a"] == Decimal("4.50")


def test_duplicate_keys_are_refused_with_both_lines():
    with pytest.raises(yaml.YAMLError, match=r"duplicate key 'a' \(first at line 1\)"):
        load_yaml("a: 1\nb: 2\na: 3\n")
    with pytest.raises(yaml.YAMLError, match="duplicate key"):
        load_yaml("outer:\n  x: 1\n  x: 2\n")


def test_a_zero_padded_weight_is_ten_not_eight(tmp_path: Path):
    path = tmp_path / "f.yaml"
    path.write_text(NATIONAL_YAML.format(weight="010"), encoding="utf-8")
    assert load_form(path).indicators[0].weight == Decimal(10)


def test_a_sexagesimal_weight_is_refused_not_ninety(tmp_path: Path):
    path = tmp_path / "f.yaml"
    path.write_text(NATIONAL_YAML.format(weight="1:30"), encoding="utf-8")
    with pytest.raises(FormError) as err:
        load_form(path)
    assert err.value.problems[0].where == "indicators[0].weight" and err.value.problems[0].seen == "1:30"


def test_a_form_with_a_repeated_key_is_refused_naming_the_line(tmp_path: Path):
    path = tmp_path / "f.yaml"
    path.write_text(NATIONAL_YAML.format(weight="10") + "year: 2024\n", encoding="utf-8")
    with pytest.raises(FormError, match=r"f.yaml: line 9: YAML: saw \"found duplicate key 'year' \(first at line 2\)"):
        load_form(path)


def test_params_impossible_date_names_file_and_field(tmp_path: Path):
    (tmp_path / "f.txt").write_text("x", encoding="utf-8")
    p = tmp_path / "p.yaml"
    p.write_text("form: f.txt\nreview_date: 2024-02-30\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"p.yaml: review_date: .*YYYY-MM-DD"):
        load_params(p)


def test_params_yes_is_a_name_and_a_repeated_key_is_refused(tmp_path: Path):
    (tmp_path / "f.txt").write_text("x", encoding="utf-8")
    p = tmp_path / "p.yaml"
    p.write_text("form: f.txt\nreviewer: yes\n", encoding="utf-8")
    assert load_params(p).reviewer == "yes"
    p.write_text("form: f.txt\nreviewer: 甲\nreviewer: 乙\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"p.yaml: line 3: not valid YAML: found duplicate key 'reviewer'"):
        load_params(p)


def test_decisions_with_a_repeated_key_are_refused(tmp_path: Path):
    d = tmp_path / "d.yaml"
    d.write_text("reviewer: 甲\nreviewer: 乙\nscores: []\n", encoding="utf-8")
    with pytest.raises(DecisionsError, match=r"d.yaml: line 2: not valid YAML: found duplicate key"):
        load_decisions(d)


def test_rulesets_refuse_repeated_keys():
    with pytest.raises(RulesetError, match="duplicate key 'name'"):
        parse_ruleset("name: a\nname: b\n", "r.yaml")
