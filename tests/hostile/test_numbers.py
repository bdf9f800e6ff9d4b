"""Numbers and text as a careless or hostile user writes them: never a traceback, never a silent
wrong number.

Reproduces: `4.5⁸` read as 4.58 and `④` as 4; a 27-digit number, `1.0e+309` and a million-digit
score ending in tracebacks; negative weights and money accepted; a zero-width space inside 资金到位率
changing the review in silence; two decisions for one indicator (the last won); `decisions: .`;
YAML billion laughs; terminal escape sequences printed raw by `selfeval review`.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from builders import NATIONAL_YAML

from selfeval.assess.decisions import parse_decisions
from selfeval.cli import main
from selfeval.errors import DecisionsError, FormError, ParamsError
from selfeval.form.values import parse_actual, parse_decimal, parse_target
from selfeval.loaders import load_form
from selfeval.params import load_params
from selfeval.pipeline import evaluate
from selfeval.yamlio import load_yaml

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "selfeval" / "examples"
SEED = EXAMPLES / "seed.txt"
FARMLAND = EXAMPLES / "national_farmland.txt"



@pytest.mark.parametrize("text", ["4.5⁸", "④", "٣", "1²"])
def test_only_ascii_and_full_width_digits_are_digits(text):
    with pytest.raises(ValueError, match="is not a digit selfeval reads"):
        parse_decimal(text)
    assert parse_target(f"≥{text}").kind == "qualitative"  # a word to compare, never 4.58 or 4
    assert parse_actual(text).kind == "text"  # compared as text, never as a number
    assert parse_decimal("１２.５") == Decimal("12.5")  # full-width digits are digits


@pytest.mark.parametrize(("text", "kind", "unit"), [
    ("≥5000m²", "quantitative", "m2"), ("≤3000元/m³", "quantitative", "元/m3"),
    ("地表水达到Ⅲ类标准", "qualitative", ""), ("①完成培训②验收", "qualitative", ""),
])
def test_units_and_words_with_such_characters_still_read(text, kind, unit):
    target = parse_target(text)
    assert (target.kind, target.unit) == (kind, unit)


@pytest.mark.parametrize("text", ["123456789012345678901234567", "1" * 1_000_000, "0." + "1" * 40])
def test_numbers_with_too_many_digits_are_refused(text):
    with pytest.raises(ValueError, match=r"more than (15|28) digits"):
        parse_decimal(text)


@pytest.mark.parametrize(("weight", "says"), [
    ("1.0e+309", "more than 15 digits before the decimal point"),
    ("123456789012345678901234567", "more than 15 digits before the decimal point"),
    ("-5", "a number of 0 or more"), ("④", "is not a digit"), (".inf", "not a finite number"),
])
def test_a_yaml_form_names_the_bad_number(tmp_path, weight, says):
    path = tmp_path / "f.yaml"
    path.write_text(NATIONAL_YAML.format(weight=weight), encoding="utf-8")
    with pytest.raises(FormError) as err:
        load_form(path)
    problem = err.value.problems[0]
    assert problem.where == "indicators[0].weight" and says in problem.expected
    assert not problem.expected.startswith("Value error")


def test_a_million_digit_yaml_number_is_a_yaml_error(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text(NATIONAL_YAML.format(weight="1" * 100_000), encoding="utf-8")
    with pytest.raises(FormError, match="a number of 100000 digits"):
        load_form(path)


def test_a_negative_weight_in_a_text_export_names_its_cell(tmp_path):
    text = FARMLAND.read_text(encoding="utf-8").replace("≥5万亩\t5.2万亩\t10\t10", "≥5万亩\t5.2万亩\t-10\t10")
    path = tmp_path / "neg.txt"
    path.write_text(text, encoding="utf-8")
    form = load_form(path)  # one cell never refuses the form: the weight is not stated, and said
    assert form.provenance.degraded == ["line 13, column 7: 新建高标准农田面积 分值：“-10”，应为不小于0的数"]
    assert form.indicator("新建高标准农田面积").weight is None


def test_a_negative_adjustment_stays_allowed():
    seed = load_form(SEED)
    form = seed.model_copy(update={"money": seed.money.model_copy(update={"adjustment": Decimal("-5")})})
    assert type(form).model_validate(form.model_dump()).money.adjustment == Decimal(-5)


def test_a_zero_width_space_in_a_label_is_removed_and_noted(tmp_path):
    path = tmp_path / "zw.txt"
    path.write_text(SEED.read_text(encoding="utf-8").replace("资金到位率", "资金\u200b到位率"), encoding="utf-8")
    ev, plain = evaluate(path), evaluate(SEED)
    assert ev.review_total == plain.review_total == Decimal("79.43")
    assert any("删除不可见字符 U+200B" in n for n in ev.form.provenance.notes)


def test_two_decisions_for_one_indicator_are_refused():
    data = {"reviewer": "甲", "scores": [{"indicator": "资金到位率", "score": 1, "reason": "a"},
                                        {"indicator": "资金到位率", "score": 0.5, "reason": "b"}]}
    with pytest.raises(DecisionsError, match="two decisions for '资金到位率' \\('a' and 'b'\\)"):
        parse_decisions(data, "d.yaml")


def test_decisions_naming_a_folder_are_refused(tmp_path):
    (tmp_path / "seed.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    p = tmp_path / "p.yaml"
    p.write_text("form: seed.txt\ndecisions: .\n", encoding="utf-8")
    with pytest.raises(DecisionsError, match="a directory, expected a decisions file"):
        load_params(p)
    p.write_text("form: seed.txt\ndecisions: {reviewer: yes, scores: []}\n", encoding="utf-8")
    assert load_params(p).reviewer is None  # `yes` is the reviewer's name text, never True
    p.write_text("form: seed.txt\nreview_date: 2024-02-30\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="review_date: a date written YYYY-MM-DD"):
        load_params(p)


def test_billion_laughs_is_refused():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=False):
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    with pytest.raises(yaml.YAMLError, match="more than 20 aliases"):
        load_yaml("\n".join(lines))


def test_terminal_escape_sequences_are_not_printed(tmp_path, capsys):
    from selfeval.loaders import write_yaml

    path = tmp_path / "esc.yaml"  # a text export with control characters is refused as binary; YAML carries them
    seed = load_form(SEED)
    write_yaml(seed.model_copy(update={"project_name": "电子政务\x1b[2J\x1b]0;x\x07资金"}), path)
    assert "\x1b" in load_form(path).project_name  # the form does carry them
    for command in ("review", "score"):
        main([command, str(path)])
        out = capsys.readouterr().out
        assert "\x1b" not in out and "\x07" not in out and "电子政务" in out


@pytest.mark.parametrize("control", ["\x9b", "\x9d", "\x1b"])
def test_a_text_export_with_a_c0_or_c1_control_is_refused_as_binary(tmp_path, control):
    text = SEED.read_text(encoding="utf-8").replace("电子政务", f"电子{control}政务", 1)
    path = tmp_path / "c1.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormError, match=r"c1\.txt: .*binary data \(control characters\)"):
        load_form(path)


@pytest.mark.parametrize("control", ["\x9b2J", "\x9d0;title\x9c", "\u202e"])
def test_c1_controls_and_bidi_overrides_never_reach_the_terminal(tmp_path, capsys, control):
    from selfeval.loaders import write_yaml

    path = tmp_path / "c1.yaml"
    write_yaml(load_form(SEED).model_copy(update={"project_name": f"电子政务{control}资金"}), path)
    main(["review", str(path)])
    out = capsys.readouterr().out
    assert not any(ch in out for ch in "\x9b\x9d\x9c\u202e") and "电子政务" in out
    main(["review", str(path), "--json"])  # JSON escapes them (\u009b), and reads back the same
    out = capsys.readouterr().out
    assert not any(ch in out for ch in "\x9b\x9d\x9c\u202e")
    import json

    assert json.loads(out)["project_name"] == load_form(path).project_name


def test_two_decisions_for_the_budget_row_under_its_two_names_are_refused():
    data = {"reviewer": "甲", "scores": [{"indicator": "年度资金总额", "score": 10, "reason": "a"},
                                        {"indicator": "预算执行", "score": 2, "reason": "b"}]}
    with pytest.raises(DecisionsError, match="two decisions for '预算执行'"):
        parse_decisions(data, "d.yaml")
