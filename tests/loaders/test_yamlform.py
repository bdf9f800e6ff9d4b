"""The canonical YAML form: round trips, hand-written files, refused files with field paths."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selfeval.errors import FormError
from selfeval.form.model import Category, Form, Indicator, Provenance
from selfeval.form.values import parse_actual
from selfeval.loaders import dump_yaml, load_form, write_yaml
from selfeval.loaders.yamlform import parse_yaml_form

D = Decimal


def parse(text: str, path: str = "form.yaml") -> Form:
    return parse_yaml_form(text, Provenance(path=path, loader="yaml"))


def refused(text: str, path: str = "bad.yaml") -> FormError:
    with pytest.raises(FormError) as info:
        parse(text, path)
    assert path in str(info.value)
    return info.value


# --- round trips ---------------------------------------------------------------------------------


def test_seed_round_trip(seed_form):
    text = dump_yaml(seed_form)
    again = parse(text)
    assert again.content() == seed_form.content()
    # exact decimals survive, including the 6-place 合计实际数
    assert again.sub_items_actual_total == D("2077.604168")
    assert again.indicator("驻场运维人数").weight == D("4.62")
    assert again.provenance.path == "form.yaml"


def test_seed_yaml_is_clean(seed_form):
    data = yaml.safe_load(dump_yaml(seed_form))
    assert data["project_name"] == "电子政务项目运行维护资金"
    assert "provenance" not in data
    assert "implementing_unit" not in data  # nulls are pruned
    assert data["indicators"][11]["target"] == ">=3 个"
    assert data["indicators"][0]["category"] == "decision"
    assert "row" not in data["indicators"][0]


def test_seed_round_trip_through_a_file(tmp_path, seed_form):
    path = tmp_path / "seed.yaml"
    write_yaml(seed_form, path)
    again = load_form(path)
    assert again.content() == seed_form.content()
    assert again.provenance.loader == "yaml"
    assert again.provenance.encoding == "utf-8"
    assert again.provenance.path == str(path)


def test_long_decimals_are_written_plain_and_survive():
    # the loader reads YAML floats as Decimals, so no digit is lost to a binary float
    form = Form(project_name="p", year=2023, money={"paid": D("12345678901.123456789")})
    text = dump_yaml(form)
    assert "paid: 12345678901.123456789\n" in text
    assert parse(text).money.paid == D("12345678901.123456789")


def test_trailing_zeros_survive_round_trip(make_form, make_indicator):
    form = make_form(
        money={"paid": D("2077.60")},
        indicators=[make_indicator(weight=D("4.50"), self_score=D("1.00"))],
    )
    assert parse(dump_yaml(form)).content() == form.content()


# --- hand-written YAML ---------------------------------------------------------------------------

HAND_WRITTEN = """\
project_name: 社区养老服务补助
year: 2023
department: 民政局
full_marks: 80
money:
  initial_budget: 120
  adjustment: -20
  appropriated: 100
  paid: "99.5"
indicators:
  - category: 产出  # not a glossary name: refused below, this line is replaced first
    name: 服务人次
    target: ">=1,200 人次"
    weight: 4.62
    actual: 1100 人次
    self_score: 3.47
    deviation_note: 疫情影响，上门服务暂停两个月
  - category: outcome
    name: 老人满意度
    target: ≥95%
    weight: 4.58
    actual: ""
    explanation: 满意度调查延期至次年一季度
narrative:
  problems: 上门服务覆盖不足
"""


def test_hand_written_yaml_with_notes_loads():
    form = parse(HAND_WRITTEN.replace("category: 产出  #", "category: output  #"))
    first, second = form.indicators
    assert first.category == Category.output
    assert first.target.comparator == "at_least" and first.target.value == D("1200")
    assert first.target.unit == "人次"
    assert first.weight == D("4.62") and str(first.weight) == "4.62"
    assert first.self_score == D("3.47")
    assert first.deviation_note == "疫情影响，上门服务暂停两个月"
    assert second.actual is None  # an empty actual is no actual
    assert second.explanation == "满意度调查延期至次年一季度"
    assert parse_actual(second.actual).kind == "blank"
    assert form.money.budget == D("100")
    assert form.money.paid == D("99.5")
    assert form.narrative.problems == "上门服务覆盖不足"


def test_hand_written_yaml_round_trips():
    form = parse(HAND_WRITTEN.replace("category: 产出  #", "category: output  #"))
    assert parse(dump_yaml(form)).content() == form.content()


def test_chinese_category_word_is_refused():
    err = refused(HAND_WRITTEN)
    assert [p.where for p in err.problems] == ["indicators[0].category"]
    assert err.problems[0].seen == "产出"


# --- refused YAML --------------------------------------------------------------------------------


def test_invalid_yaml_names_file_and_line():
    err = refused("project_name: x\nyear: 2023\nindicators: [\n", "broken.yaml")
    assert len(err.problems) == 1
    assert err.problems[0].where.startswith("line ")
    assert "broken.yaml: line" in str(err)


@pytest.mark.parametrize("text", ["- 1\n- 2\n", "just a string\n", "42\n"])
def test_not_a_mapping(text):
    err = refused(text)
    assert len(err.problems) == 1
    assert "mapping" in str(err)


BASE = "project_name: x\nyear: 2023\n"
ONE = "indicators:\n  - {category: output, name: a, target: '>=3 个', weight: %s}\n"


@pytest.mark.parametrize(
    ("text", "where", "seen"),
    [
        (BASE + ONE % "abc", "indicators[0].weight", "abc"),
        (BASE + ONE % "yes", "indicators[0].weight", "yes"),  # YAML 1.2: text, not True
        (BASE + ONE % "true", "indicators[0].weight", "True"),
        (BASE + ONE % "'4,5'", "indicators[0].weight", "4,5"),
        ("project_name: x\nyear: abc\n", "year", "abc"),
        (BASE + "money: {paid: 1.5x}\n", "money.paid", "1.5x"),
        (BASE + "sub_items:\n  - {name: a, budget: 多}\n", "sub_items[0].budget", "多"),
        (
            BASE + "indicators:\n  - {category: output, name: a, target: '>=1.2.3', weight: 1}\n",
            "indicators[0].target",
            ">=1.2.3",
        ),
        (
            BASE + "indicators:\n  - {category: outputs, name: a, target: '3 个', weight: 1}\n",
            "indicators[0].category",
            "outputs",
        ),
        (BASE + "colour: red\n", "colour", "red"),
    ],
)
def test_wrong_types_name_the_field_path(text, where, seen):
    err = refused(text)
    assert [p.where for p in err.problems] == [where]
    assert err.problems[0].seen == seen
    assert f"bad.yaml: {where}:" in str(err)


def test_missing_required_field():
    err = refused("year: 2023\n")
    assert [p.where for p in err.problems] == ["project_name"]


def test_boolean_year_is_refused():
    err = refused("project_name: x\nyear: yes\n")
    assert [p.where for p in err.problems] == ["year"]


def test_all_problems_at_once():
    text = (
        "project_name: x\nyear: abc\nindicators:\n"
        "  - {category: output, name: a, target: '>=3 个', weight: abc}\n"
        "  - {category: output, name: b, target: '>=3 个', weight: 1, self_score: 满分}\n"
    )
    err = refused(text)
    assert sorted(p.where for p in err.problems) == sorted(
        ["year", "indicators[0].weight", "indicators[1].self_score"]
    )
    assert str(err).startswith("3 problems:")


# --- property: random forms round trip -----------------------------------------------------------

_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
_NAME_CHARS = st.one_of(_CJK, st.sampled_from(list("abcXYZ0123456789（）()-·%# :'\"")))
names = st.text(_NAME_CHARS, min_size=1, max_size=12).filter(lambda s: s.strip() == s and s)
TARGETS = [
    "3 个",
    ">=3 个",
    "≥95%",
    "≧95%",
    "＞＝90%",
    "不低于95%",
    "<=12 个月",
    "≤115万元",
    "=4 次",
    "0 次",
    "90%-100%",
    "12月31日前",
    "规范",
    "稳定",
    "=100%",
    ">=99.5%",
    "不超过2 次",
    "",
]
ACTUALS = [
    None,
    "",
    "3 个",
    "100%",
    "99％",
    "完成",
    "好",
    "较好",
    "12月20日",
    "0 次",
    "95.5%",
    "达成预期指标",
    "yes",
    "null",
    "1.0",
]


def _two_places(lo: int, hi: int):
    # normalised so a round trip cannot differ by trailing zeros
    return st.integers(lo, hi).map(lambda n: (D(n) / 100).normalize())


indicators = st.builds(
    Indicator,
    category=st.sampled_from(list(Category)),
    name=names,
    target=st.sampled_from(TARGETS),
    weight=_two_places(1, 2000),
    actual=st.sampled_from(ACTUALS),
    self_score=st.one_of(st.none(), _two_places(0, 2000)),
    deviation_note=st.one_of(st.none(), names),
    explanation=st.one_of(st.none(), names),
)
money = st.fixed_dictionaries(
    {},
    optional={
        "initial_budget": _two_places(0, 10**8),
        "adjustment": _two_places(-(10**6), 10**6),
        "appropriated": _two_places(0, 10**8),
        "paid": st.integers(0, 10**12).map(lambda n: (D(n) / 10**6).normalize()),
        "recovered": _two_places(0, 10**4),
    },
)
forms = st.builds(
    Form,
    project_name=names,
    year=st.integers(2000, 2099),
    department=st.one_of(st.none(), names),
    full_marks=st.sampled_from([None, D(80), D(100)]),
    stated_total=st.one_of(st.none(), _two_places(0, 10000)),
    money=money,
    indicators=st.lists(indicators, max_size=6),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(forms)
def test_random_forms_round_trip(form):
    again = parse(dump_yaml(form))
    assert again.content() == form.content()


def test_yaml_file_in_gb18030_is_read(tmp_path, seed_form):
    path = Path(tmp_path / "gb.yaml")
    path.write_bytes(dump_yaml(seed_form).encode("gb18030"))
    form = load_form(path)
    assert form.provenance.encoding == "gb18030"
    assert form.content() == seed_form.content()
