"""The text export loader on the seed: one test per parse trap, encodings, refused inputs."""

from __future__ import annotations

import codecs
import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from selfeval.errors import FormError
from selfeval.form.model import Category
from selfeval.loaders import load_form

D = Decimal


# --- helpers -------------------------------------------------------------------------------------


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line containing `needle`."""
    for n, line in enumerate(text.split("\n"), start=1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in the seed")


def set_cell(text: str, needle: str, column: int, value: str) -> str:
    """The text with cell `column` (0-based) of the line containing `needle` replaced."""
    lines = text.split("\n")
    n = line_of(text, needle) - 1
    cells = lines[n].split("\t")
    cells[column] = value
    lines[n] = "\t".join(cells)
    return "\n".join(lines)


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return p


def refused(path: Path) -> FormError:
    with pytest.raises(FormError) as info:
        load_form(path)
    msg = str(info.value)
    assert str(path) in msg, msg
    assert all(p.source == str(path) for p in info.value.problems)
    return info.value


# Indicator table columns in the seed.
TARGET, WEIGHT, ACTUAL, SELF = 3, 4, 5, 6


# --- parse traps on the seed ---------------------------------------------------------------------


def test_use_block_values_row_shifted_left(seed_form):
    m = seed_form.money
    assert m.use_appropriated == D("2077.78")
    assert m.paid == D("2077.6")
    assert m.fund_balance == D("0.18")
    assert m.carried_forward == D("0")
    assert m.recovered == D("0.18")
    # the shift is chosen by the identities: 财政拨款数 − 实际支付数 = 结转数 + 财政收回数
    assert m.use_appropriated - m.paid == m.fund_balance == m.carried_forward + m.recovered


def test_shift_is_recorded_in_provenance(seed_form):
    notes = seed_form.provenance.notes
    assert len(notes) == 1
    assert "财政资金使用情况" in notes[0]
    assert "左移一列" in notes[0]


def test_aligned_use_row_reads_the_same_without_a_note(tmp_path, seed_text, seed_form):
    lines = seed_text.split("\n")
    n = line_of(seed_text, "2077.78\t2077.6") - 1
    lines[n] = "\t2077.78\t2077.6\t0.18\t0\t0.18\t"
    form = load_form(write(tmp_path, "aligned.txt", "\n".join(lines)))
    assert form.content() == seed_form.content()
    assert form.provenance.notes == []


def test_budget_block(seed_form):
    m = seed_form.money
    assert m.initial_budget == D("2343.7")
    assert m.adjustment == D("0")
    assert m.appropriated == D("2077.78")
    assert m.quota_balance == D("265.92")
    assert m.quota_recovered == D("265.92")


def test_repeated_labels_caizheng_bokuan_in_both_blocks(seed_form):
    # 财政拨款数 heads a column in both money blocks; each block keeps its own field
    assert seed_form.money.appropriated == D("2077.78")
    assert seed_form.money.use_appropriated == D("2077.78")
    # and the second block's header did not swallow the first block's values
    assert seed_form.money.quota_balance == D("265.92")


def test_repeated_label_heji_sub_items_and_indicator_table(seed_form):
    assert seed_form.sub_items_budget_total == D("2343.7")
    assert seed_form.sub_items_actual_total == D("2077.604168")
    assert str(seed_form.sub_items_actual_total) == "2077.604168"
    assert seed_form.stated_total == D("80")
    assert "合计" not in [s.name for s in seed_form.sub_items]
    assert "合计" not in [i.name for i in seed_form.indicators]
    assert len(seed_form.sub_items) == 5


def test_data_inside_labels_full_marks(seed_form):
    assert seed_form.full_marks == D("80")
    assert seed_form.indicators[0].level1 == "项目绩效实现情况(80分)"


def test_full_marks_read_from_a_full_width_label(tmp_path, seed_text):
    text = seed_text.replace("项目绩效实现情况(80分)", "项目绩效实现情况（100分）")
    form = load_form(write(tmp_path, "fm.txt", text))
    assert form.full_marks == D("100")


def test_categories_ending_in_mubiao(seed_form):
    cats = [i.category for i in seed_form.indicators]
    assert cats == (
        [Category.decision] * 6
        + [Category.process] * 5
        + [Category.output] * 5
        + [Category.outcome] * 6
        + [Category.satisfaction]
    )


def test_category_ending_in_zhibiao(tmp_path, seed_text, seed_form):
    text = set_cell(seed_text, "应用系统运营运维数", 1, "产出指标").replace("效益目标", "效果")
    form = load_form(write(tmp_path, "cat.txt", text))
    assert form.content() == seed_form.content()


def test_blank_line_inside_indicator_table_loses_nothing(seed_form):
    names = [i.name for i in seed_form.indicators]
    assert len(names) == 23
    assert names[6:8] == ["资金到位率", "资金使用合规性"]  # on both sides of the blank line
    assert seed_form.indicator("资金使用合规性").weight == D("4")
    assert seed_form.indicator("资金使用合规性").category == Category.process


def test_empty_category_cells_inherit(seed_form):
    assert seed_form.indicator("立项依据充分性").category == Category.decision
    assert seed_form.indicator("管理制度健全性").category == Category.process
    assert seed_form.indicator("驻场运维周期").category == Category.output
    assert seed_form.indicator("驻场运维人员稳定性").category == Category.outcome


def test_narrative_joined_across_page_break(seed_form):
    n = seed_form.narrative
    assert "“苏周到” APP" in n.implementation
    assert "短信业务保障了“苏周到” APP 的号码认证" in n.implementation
    assert n.implementation.startswith("各子项目能够根据时间节点安排招标")
    assert n.implementation.endswith("满足市级各部门对政务云资源的使用需求。")
    assert "结转及当年调整预算数-财政拨款数" in n.instructions
    assert "当年使用上年结余、结转及当年调整预算数-财政拨款数" in n.instructions
    assert n.instructions.startswith("1. “市级预算执行情况”")
    assert n.instructions.endswith("某项指标无法提供具体数值，且无说明，得0分。")


def test_narrative_sections(seed_form):
    n = seed_form.narrative
    assert n.overview.startswith("电子政务基础设施运行维护资金为市级政务云")
    assert (
        n.overall_goal
        == "保障市级政务云、网稳定运行，支撑市级各部门应用系统安全运行，助力各部门业务顺利开展。"
    )
    assert n.annual_goal.startswith("为市级政务云、网稳定运行提供保障，包括UPS")
    assert n.management_results.startswith("本项目严格按照 2021 年 11 月")
    assert n.problems == "要优化各个子项目的进度节点，不同项目的支付环节较为集中，造成了工作量的上升。"


def test_final_note_is_the_footnote_not_a_recommendation(seed_form):
    n = seed_form.narrative
    assert n.footnote == "（标注：项目总目标、年度绩效目标由软件自动从申报表中生成）"
    assert n.recommendations.endswith("分时段安排重点工作，完成阶段性目标。")
    assert "标注" not in n.recommendations


def test_leading_blank_lines_and_no_trailing_newline(tmp_path, seed_text, seed_form):
    raw = (Path(__file__).resolve().parents[1] / "fixtures" / "seed.txt").read_bytes()
    assert raw.startswith(b"\n\n") and not raw.endswith(b"\n")  # the seed as shipped
    stripped = load_form(write(tmp_path, "s.txt", seed_text.strip("\n")))
    padded = load_form(write(tmp_path, "p.txt", "\n\n\n" + seed_text + "\n\n"))
    assert stripped.content() == seed_form.content()
    assert padded.content() == seed_form.content()


def test_nfkc_label_matching(tmp_path, seed_text, seed_form):
    text = (
        seed_text.replace("项目主管部门(单位)", "项目主管部门（单位）")
        .replace("其中:", "其中：")
        .replace("(万元)", "（万元）")
        .replace("项目名称\t", "项目名称：\t")
    )
    assert text != seed_text and "（单位）" in text and "其中：" in text
    form = load_form(write(tmp_path, "fw.txt", text))
    assert form.content() == seed_form.content()


def test_header(seed_form):
    assert seed_form.project_name == "电子政务项目运行维护资金"
    assert seed_form.year == 2023
    assert seed_form.department == "苏州市信息中心"
    assert seed_form.layout == "suzhou"


def test_provenance(seed_path, seed_form):
    p = seed_form.provenance
    assert p.loader == "text"
    assert p.encoding == "utf-8"
    assert p.path == str(seed_path)
    assert p.sha256 == hashlib.sha256(seed_path.read_bytes()).hexdigest()
    assert "provenance" not in seed_form.content()


def test_source_rows_are_the_file_lines(seed_text, seed_form):
    assert seed_form.indicator("故障及时处理率").row == line_of(seed_text, "故障及时处理率")
    assert seed_form.indicator("资金使用合规性").row == line_of(seed_text, "资金使用合规性\t")
    assert seed_form.sub_items[0].row == line_of(seed_text, "基础设施备品备件及其他")


# --- encodings -----------------------------------------------------------------------------------

ENCODINGS = {
    "utf8": (lambda s: s.encode("utf-8"), "utf-8"),
    "utf8-bom": (lambda s: codecs.BOM_UTF8 + s.encode("utf-8"), "utf-8-sig"),
    "gb18030": (lambda s: s.encode("gb18030"), "gb18030"),
    "utf16le-bom": (lambda s: codecs.BOM_UTF16_LE + s.encode("utf-16-le"), "utf-16"),
    "utf16be-bom": (lambda s: codecs.BOM_UTF16_BE + s.encode("utf-16-be"), "utf-16"),
    "utf8-crlf": (lambda s: s.replace("\n", "\r\n").encode("utf-8"), "utf-8"),
    "utf16le-crlf": (
        lambda s: codecs.BOM_UTF16_LE + s.replace("\n", "\r\n").encode("utf-16-le"),
        "utf-16",
    ),
    "gb18030-crlf": (lambda s: s.replace("\n", "\r\n").encode("gb18030"), "gb18030"),
}


@pytest.mark.parametrize("name", sorted(ENCODINGS))
def test_encodings_load_equal(name, tmp_path, seed_text, seed_form):
    encode, expected = ENCODINGS[name]
    data = encode(seed_text)
    path = write(tmp_path, f"{name}.txt", data)
    form = load_form(path)
    assert form.provenance.encoding == expected
    assert form.provenance.sha256 == hashlib.sha256(data).hexdigest()
    assert form.content() == seed_form.content()
    assert form.narrative.footnote == seed_form.narrative.footnote  # no stray \r


def test_gb18030_really_differs_from_utf8(seed_text):
    assert seed_text.encode("gb18030") != seed_text.encode("utf-8")


# --- refused inputs ------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    err = refused(tmp_path / "nope.txt")
    assert len(err.problems) == 1


@pytest.mark.parametrize("data", [b"", b"   \n\n\t\n"])
def test_empty_file(tmp_path, data):
    err = refused(write(tmp_path, "empty.txt", data))
    assert "empty" in str(err)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)),
        b"\x89PNG\r\n\x1a\n\x01\x02\x03IHDR",
    ],
)
def test_binary_file(tmp_path, data):
    err = refused(write(tmp_path, "image.txt", data))
    assert "binary" in str(err)


def test_csv_of_something_else(tmp_path):
    err = refused(write(tmp_path, "people.csv", "name,age\nalice,3\nbob,4\n"))
    assert len(err.problems) == 1
    assert "自评表" in str(err)


def test_truncated_mid_table(tmp_path, seed_text):
    n = line_of(seed_text, "故障及时处理率")
    cut = "\n".join(seed_text.split("\n")[:n])
    err = refused(write(tmp_path, "cut.txt", cut))
    assert len(err.problems) == 1
    msg = str(err)
    assert f"line {n}" in msg
    assert "合计" in msg and "truncated" in msg


# One value cell the reader cannot interpret never refuses the form: the value counts as not
# stated, the cell is named (provenance.degraded → SE-READ-BAD-CELL), and the review says what waits.


def loaded(path: Path):
    form = load_form(path)
    return form, form.provenance.degraded


def test_non_numeric_weight(tmp_path, seed_text):
    from selfeval import review

    n = line_of(seed_text, "驻场运维人数")
    form, cells = loaded(write(tmp_path, "w.txt", set_cell(seed_text, "驻场运维人数", WEIGHT, "四点六")))
    assert len(cells) == 1 and cells[0].startswith(f"line {n}, column {WEIGHT + 1}: 驻场运维人数 权重")
    assert "“四点六”" in cells[0]
    assert form.indicator("驻场运维人数").weight is None
    ev = review(form)  # the category cell's printed points less its other rows' weights give it
    r = ev.result("驻场运维人数")
    assert r.weight_origin.source == "printed" and r.indicator.weight == Decimal("4.62")
    assert "SE-READ-BAD-CELL" in {f.code for f in ev.findings} and ev.review_total == Decimal("79.43")


def test_two_bad_weights_are_two_cells(tmp_path, seed_text):
    text = set_cell(seed_text, "驻场运维人数", WEIGHT, "x")
    text = set_cell(text, "资金使用合规性", WEIGHT, "abc")
    _, cells = loaded(write(tmp_path, "w2.txt", text))
    assert [c.split(":")[0] for c in cells] == [
        f"line {line_of(seed_text, '资金使用合规性')}, column 5",
        f"line {line_of(seed_text, '驻场运维人数')}, column 5",
    ]


def test_bad_cells_of_every_kind_are_named_together(tmp_path, seed_text):
    text = set_cell(seed_text, "应用系统运营运维数", TARGET, ">=1.2.3")
    text = set_cell(text, "立项依据充分性", WEIGHT, "一")
    text = set_cell(text, "部门反馈满意度", SELF, "满分")
    form, cells = loaded(write(tmp_path, "many.txt", text))
    assert [c.split(":")[0].split(",")[0] for c in cells] == [
        f"line {line_of(seed_text, n)}" for n in ("立项依据充分性", "应用系统运营运维数", "部门反馈满意度")
    ]
    assert form.indicator("应用系统运营运维数").target.kind == "unreadable"
    assert form.indicator("部门反馈满意度").self_score is None


def test_header_problems_still_refuse_and_money_cells_degrade(tmp_path, seed_text):
    text = set_cell(seed_text, "\t2343.7\t0", 4, "20七七.78")
    text = set_cell(text, "项目名称", 5, "明年")
    err = refused(write(tmp_path, "hm.txt", text))
    assert [p.seen for p in err.problems] == ["明年"]  # the header is structure; the amount is a value


def test_non_numeric_money(tmp_path, seed_text):
    from selfeval import review

    n = line_of(seed_text, "\t2343.7\t0")
    form, cells = loaded(write(tmp_path, "m.txt", set_cell(seed_text, "\t2343.7\t0", 4, "20七七.78")))
    assert cells == [f"line {n}, column 5: 财政拨款数：“20七七.78”，应为数字（odd digits in '20七七.78')"] or (
        len(cells) == 1 and cells[0].startswith(f"line {n}, column 5: 财政拨款数：“20七七.78”"))
    assert form.money.appropriated is None
    ev = review(form)
    assert ev.rates.funding_rate is None and ev.result("资金到位率").rescore.score is not None


def test_non_numeric_money_in_the_shifted_row(tmp_path, seed_text):
    n = line_of(seed_text, "2077.78\t2077.6")
    form, cells = loaded(write(tmp_path, "m2.txt", set_cell(seed_text, "2077.78\t2077.6", 1, "abc")))
    assert [c.split("：")[0] for c in cells] == [f"line {n}, column 2: 实际支付数"]
    assert form.money.paid is None


def test_non_numeric_sub_item_amount(tmp_path, seed_text):
    n = line_of(seed_text, "基础设施备品备件及其他")
    form, cells = loaded(write(tmp_path, "s.txt", set_cell(seed_text, "基础设施备品备件及其他", 4, "一百")))
    assert len(cells) == 1 and cells[0].startswith(f"line {n}, column 5: 基础设施备品备件及其他 实际数")
    assert next(s for s in form.sub_items if s.name == "基础设施备品备件及其他").actual is None


def test_malformed_target_number(tmp_path, seed_text):
    from selfeval import review

    n = line_of(seed_text, "应用系统运营运维数")
    form, cells = loaded(write(tmp_path, "t.txt", set_cell(seed_text, "应用系统运营运维数", TARGET, ">=1.2.3")))
    assert len(cells) == 1 and cells[0].startswith(f"line {n}, column {TARGET + 1}: 应用系统运营运维数 目标值")
    ev = review(form)  # the indicator waits for the reviewer; the rest is scored
    assert ev.result("应用系统运营运维数").pending and ev.review_low < ev.review_high


def test_non_numeric_self_score(tmp_path, seed_text):
    from selfeval import review

    n = line_of(seed_text, "驻场运维人数")
    form, cells = loaded(write(tmp_path, "ss.txt", set_cell(seed_text, "驻场运维人数", SELF, "满分")))
    assert len(cells) == 1 and cells[0].startswith(f"line {n}, column {SELF + 1}: 驻场运维人数 自评分")
    ev = review(form)
    assert ev.self_rating is None  # the self total is incomplete: no self rating


def test_bad_year(tmp_path, seed_text):
    err = refused(write(tmp_path, "y.txt", set_cell(seed_text, "项目名称", 5, "二〇二三")))
    assert [(p.where, p.seen) for p in err.problems] == [
        (f"line {line_of(seed_text, '项目名称')}, column 6", "二〇二三")
    ]


def test_one_bad_category_cell_is_one_problem(tmp_path, seed_text):
    err = refused(write(tmp_path, "c.txt", set_cell(seed_text, "应用系统运营运维数", 1, "产出指标x")))
    assert [p.seen for p in err.problems] == ["产出指标x"]


def test_impossible_month_target_is_a_form_error(tmp_path, seed_text):
    text = set_cell(seed_text, "驻场运维周期", TARGET, "13月底")
    try:
        form = load_form(write(tmp_path, "d.txt", text))
    except FormError as err:
        assert err.problems[0].seen == "13月底"
    else:
        assert form.indicator("驻场运维周期").target.raw == "13月底"


def test_text_actual_is_not_refused(tmp_path, seed_text):
    text = set_cell(seed_text, "应用系统运营运维数", ACTUAL, "完成")
    text = set_cell(text, "驻场运维人数", ACTUAL, "达成预期指标")
    form = load_form(write(tmp_path, "a.txt", text))
    assert form.indicator("应用系统运营运维数").actual == "完成"
    assert form.indicator("驻场运维人数").actual == "达成预期指标"
    assert len(form.indicators) == 23
