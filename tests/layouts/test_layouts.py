"""The layout registry and the shared reader: detection, registration, tolerant labels, and
nothing dropped silently."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from selfeval.errors import FormError
from selfeval.form.model import Capabilities, Category, Form, Provenance
from selfeval.layouts import Detection, Layout, choose, detect, layouts, parse_grid, register, unregister
from selfeval.layouts.reader import Grid, header_key, is_note, is_placeholder, points
from selfeval.layouts.suzhou import category_of


def grid_of(text: str, source: str = "mem.txt") -> Grid:
    rows = [line.split("\t") for line in text.split("\n")]
    return Grid(rows=rows, numbers=list(range(1, len(rows) + 1)), source=source)


NATIONAL = "\n".join([
    "项目支出绩效自评表",
    "部门预算项目支出绩效自评表(2023年度)",
    "项目名称\t乡村道路养护",
    "主管部门\t某县交通运输局",
    "项目资金（万元）\t\t年初预算数\t全年预算数(A)\t全年执行数(B)\t分值\t执行率(B/A)\t得分",
    "\t总额\t100\t100\t90\t10\t90%\t9",
    "绩效指标\t一级指标\t二级指标\t三级指标\t年度指标值\t全年完成值\t分值\t得分\t核查方式\t未完成原因和改进措施",
    "\t产出指标(50分)\t数量指标\t养护里程\t≥100公里\t100公里\t50\t50\t现场\t",
    "\t\t质量指标\t指标1\t\t\t\t\t\t",
    "\t\t\t……\t\t\t\t\t\t",
    "\t效益指标(40分)\t社会效益指标\t通行条件\t改善\t改善\t40\t40\t抽查\t",
    "说明\t无",
    "总分\t\t\t\t\t\t100\t99",
    "填报人：张三\t联系电话：123",
])


def test_labels_fold_markers_units_and_points():
    assert header_key("全年预算数(A)") == "全年预算数" and header_key("执行率(B/A)") == "执行率"
    assert header_key("项目资金（万元）") == "项目资金" and header_key("产出指标(70分)") == "产出指标"
    assert header_key("资金\u200b到位率：") == "资金到位率"
    assert points("产出指标（70分）") == Decimal("70") and points("产出指标") is None
    assert category_of("产出指标(70分)") == Category.output


@pytest.mark.parametrize("name", ["指标1", "指标2", "……", "...", "xxx", "指标一"])
def test_placeholders(name):
    assert is_placeholder(name)


@pytest.mark.parametrize("name", ["指标1工程资金金额", "养护里程", "新建农田面积"])
def test_real_names_are_not_placeholders(name):
    assert not is_placeholder(name)


@pytest.mark.parametrize("cell", ["说明", "注：其他资金包括……", "填报人：张三", "联系电话", "其他需要说明事项"])
def test_note_rows(cell):
    assert is_note(cell)


def test_a_published_national_variant_reads_whole():
    form = parse_grid(grid_of(NATIONAL), Provenance(path="mem.txt"))
    assert form.layout == "national" and form.year == 2023
    assert [i.name for i in form.indicators] == ["养护里程", "通行条件"]
    assert [i.actual for i in form.indicators] == ["100公里", "改善"]
    assert form.money.full_year_budget == 100 and form.money.executed == 90
    assert form.full_marks == 100 and form.stated_total == 99
    skipped = "\n".join(form.provenance.skipped)
    assert "指标1" in skipped and "……" in skipped and "说明" in skipped
    assert "置信度" in form.provenance.layout


def test_a_column_no_field_claims_is_said_not_dropped():
    form = parse_grid(grid_of(NATIONAL), Provenance(path="mem.txt"))
    [unread] = form.provenance.unread
    assert "核查方式" in unread and "现场" in unread and "column 9" in unread


def test_an_unknown_grid_is_refused_with_what_was_recognised():
    text = "预算执行情况(10分)\t\n某表\t三级指标\n"
    with pytest.raises(FormError) as info:
        choose(grid_of(text))
    message = str(info.value)
    assert "预算执行情况" in message and "三级指标" in message and "mem.txt" in message


def test_a_department_form_is_refused_for_what_it_is():
    text = NATIONAL.replace("项目支出绩效自评表\n", "部门整体支出绩效自评表\n", 1)
    with pytest.raises(FormError, match="部门整体"):
        parse_grid(grid_of(text), Provenance(path="mem.txt"))


def _third(grid: Grid, labels: dict) -> Detection:
    hit = any(c == "第三种自评表" for row in grid.rows for c in row)
    return Detection(1.0 if hit else 0.0, ("第三种自评表",) if hit else (), () if hit else ("第三种自评表",))


def _parse_third(grid: Grid, prov: Provenance, labels: dict) -> Form:
    name = grid.rows[1][1]
    return Form(project_name=name, year=2024, layout="third", capabilities=THIRD.capabilities, provenance=prov)


THIRD = Layout(name="third", title="第三种自评表", detect=_third, parse=_parse_third,
               write=lambda f: f"第三种自评表\n项目名称\t{f.project_name}\n",
               capabilities=Capabilities(note_column=False, funds="blocks"))


def test_a_third_layout_is_one_registration():
    register(THIRD)
    try:
        assert "third" in [lay.name for lay in layouts()]
        form = parse_grid(grid_of("第三种自评表\n项目名称\t试点项目"), Provenance())
        assert form.layout == "third" and form.project_name == "试点项目"
        assert not form.capabilities.note_column
        assert detect(grid_of(NATIONAL))[0][0].name == "national"
        # a form of a layout selfeval does not ship states its capabilities
        with pytest.raises(ValueError, match=r"'third' is not a shipped layout .*give its capabilities"):
            Form(project_name="x", year=2024, layout="third")
    finally:
        unregister("third")


def test_two_layouts_claiming_a_grid_equally_is_an_error():
    twin = Layout(name="twin", title="孪生", detect=lambda g, labels: detect_national(g), parse=_parse_third,
                  write=lambda f: "")
    register(twin)
    try:
        with pytest.raises(FormError, match="equally"):
            choose(grid_of(NATIONAL))
    finally:
        unregister("twin")


def detect_national(grid: Grid) -> Detection:
    from selfeval.layouts.national import detect

    return detect(grid)


def test_a_two_row_header_names_the_row_each_header_text_is_in():
    from selfeval.loaders import load_form

    form = load_form(Path(__file__).resolve().parents[1] / "corpus" / "yunnan_2022_yongde_school_nutrition.txt")
    assert "line 12, column 7: 实际完成值 → actual" in form.provenance.columns
    assert "line 13, column 5: 指标值 → target" in form.provenance.columns


def test_the_suzhou_header_is_folded_too(tmp_path):
    from selfeval.loaders import load_form

    seed = Path(__file__).resolve().parents[2] / "selfeval" / "examples" / "seed.txt"
    path = tmp_path / "seed.txt"
    path.write_text(seed.read_text(encoding="utf-8").replace("实际完成值", "实际完成值(B)").replace("权重", "权重(分)"),
                    encoding="utf-8")
    assert [i.actual for i in load_form(path).indicators] == [i.actual for i in load_form(seed).indicators]
