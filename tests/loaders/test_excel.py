"""Excel in and out: workbooks built here from the seed, one per quirk real workbooks have.

Each workbook holds the seed's text export as one sheet's rows and cells, then changes one thing
the way Excel does (numbers as numbers, percentages as formatted numbers, cached formula results
with binary noise, merged cells, trailing empty cells, several sheets). Every one must load into
the same form as the text export and score identically. Refused files must say what they are.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from selfeval.assess.checks import review
from selfeval.assess.choice import ruleset_for
from selfeval.cli import main
from selfeval.errors import FormError, SelfevalError
from selfeval.form.values import format_decimal, parse_decimal
from selfeval.loaders import load_form
from selfeval.loaders.excel import NumberFormat, cell_text, number_format, number_text, workbook_to_grid
from selfeval.synth import vary
from selfeval.views.document import evaluation_dict, to_json
from selfeval.views.form_sheet import form_cell, write_form_workbook
from selfeval.views.workbooks import text_width, write_scored_workbook

D = Decimal
SHEET = "自评表"


# --- building workbooks --------------------------------------------------------------------------


def seed_rows(seed_text: str) -> list[list[str]]:
    return [line.split("\t") for line in seed_text.split("\n")]


def row_of(rows: list[list[str]], needle: str) -> int:
    """1-based sheet row of the first row with a cell starting with `needle`."""
    for n, row in enumerate(rows, start=1):
        if any(c.startswith(needle) for c in row):
            return n
    raise AssertionError(f"{needle!r} not in the seed")


def as_text(text: str):
    return text, None


def as_number(text: str):
    """Plain numbers stored as numbers (what typing 4.58 into Excel gives); the rest as text."""
    try:
        d = parse_decimal(text)
    except ValueError:
        return text, None
    return (float(d), None) if format_decimal(d) == text else (text, None)


def as_percent(fmt: str = "0%"):
    """Numbers as numbers, and "95%" stored as 0.95 with a percent number format."""

    def cell(text: str):
        m = re.fullmatch(r"(\d+(?:\.\d+)?)%", text)
        if m:
            return float(D(m.group(1)) / 100), fmt
        return as_number(text)

    return cell


def fill(ws, rows: list[list[str]], cell=as_text) -> None:
    for i, row in enumerate(rows, start=1):
        for j, text in enumerate(row, start=1):
            if text == "":
                continue
            value, fmt = cell(text)
            c = ws.cell(row=i, column=j, value=value)
            if isinstance(value, str):
                c.data_type = "s"  # "=100%" is text in the form, not a formula
            if fmt:
                c.number_format = fmt


def save(wb: openpyxl.Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def book(path: Path, rows: list[list[str]], cell=as_text, title: str = SHEET) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    fill(ws, rows, cell)
    return save(wb, path)


def set_cached(path: Path, values: dict[str, str], sheet_part: str = "xl/worksheets/sheet1.xml") -> None:
    """Write cached values into cells, as Excel does when it saves (openpyxl stores none).

    `values` maps a cell reference to the exact text of its <v> element, so a float can carry
    the 17 significant digits Excel writes (0.18000000000029104).
    """
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    xml = parts[sheet_part].decode("utf-8")
    for ref, v in values.items():
        m = re.search(rf'<c r="{ref}"([^>]*?)(/>|>(.*?)</c>)', xml)
        assert m, ref
        attrs = re.sub(r'\st="[^"]*"', "", m.group(1))
        inner = re.sub(r"<v\s*/>|<v>.*?</v>", "", m.group(3) or "")
        xml = xml[: m.start()] + f'<c r="{ref}"{attrs} t="n">{inner}<v>{v}</v></c>' + xml[m.end() :]
    parts[sheet_part] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def scores(form) -> str:
    """The whole evaluation as JSON, without where the form came from."""
    doc = evaluation_dict(review(form, ruleset_for(form)))
    doc.pop("source")
    return to_json(doc)


def same_as_text(xlsx_form, text_form) -> None:
    assert xlsx_form.content() == text_form.content()
    assert [i.row for i in xlsx_form.indicators] == [i.row for i in text_form.indicators]
    assert scores(xlsx_form) == scores(text_form)
    assert xlsx_form.provenance.loader == "excel" and xlsx_form.provenance.sheet


@pytest.fixture
def rows(seed_text) -> list[list[str]]:
    return seed_rows(seed_text)


def refused(path: Path, **kw) -> FormError:
    with pytest.raises(FormError) as info:
        load_form(path, **kw)
    assert str(path) in str(info.value)
    return info.value


# --- cell values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code", "text"),
    [
        (4.58, "General", "4.58"),
        (2343.7, "General", "2343.7"),
        (2023.0, "General", "2023"),
        (2023, "General", "2023"),
        (0.0, "General", "0"),
        (0.18000000000029104, "General", "0.18"),  # cached 2077.78 - 2077.6
        (2077.6041680000002, "General", "2077.604168"),
        (1e-07, "General", "0.0000001"),  # never exponent form
        (1.5e16, "General", "15000000000000000"),
        (-3.25, "General", "-3.25"),
        (1.0, "0%", "100%"),
        (0.9, "0%", "90%"),
        (0.955, "0%", "95.5%"),  # the stored value, not the 96% shown
        (0.9500000000000001, "0%", "95%"),
        (1, "0%", "100%"),
        (0.0, "0%", "0%"),
        (0.955, "0.00%", "95.50%"),
        (1.0, "0.00", "1.00"),  # padded as shown
        (4527.2, "#,##0.00", "4527.20"),  # grouping is not written: the number is the same
        (4.583333, "0.00", "4.583333"),  # never rounded: digits a format hides are kept
        (4.58, "0", "4.58"),
        (4.5, "0.00E+00", "4.5"),
        (0.180000000000291, "General", "0.18"),  # LibreOffice caches results to 15 digits
        (265.919999999999, "General", "265.92"),
        (0.949999999999999, "0%", "95%"),
        (123456789012.345, "General", "123456789012.345"),  # 15 real digits stay
        (2077.60416812345, "General", "2077.60416812345"),
    ],
)
def test_number_text_is_exact(value, code, text):
    assert number_text(value, number_format(code)) == text


def test_cell_text_of_other_values():
    assert cell_text(None) == "" and cell_text("") == ""
    assert cell_text(" 3 个 ") == " 3 个 "  # text stays as typed; the parser normalises
    assert cell_text(True) == "TRUE" and cell_text(False) == "FALSE"
    assert cell_text(dt.date(2023, 12, 31)) == "2023年12月31日"
    assert cell_text(dt.datetime(2023, 12, 31)) == "2023年12月31日"
    assert cell_text(dt.datetime(2023, 12, 31, 9, 30)) == "2023年12月31日 09:30"


@pytest.mark.parametrize(
    ("code", "fmt"),
    [
        ("0%", NumberFormat(True, 0)),
        ("0.00%", NumberFormat(True, 2)),
        ("0.0%;[Red]-0.0%", NumberFormat(True, 1)),
        ("#,##0.00", NumberFormat(False, 2)),
        ('#,##0.00"万元"', NumberFormat(False, 2)),
        ("0.0#", NumberFormat(False, 1)),
        ("0%_);(0%)", NumberFormat(True, 0)),
        ("0.00_%", NumberFormat(False, 2)),
        ("General", None),
        ("0", None),
        ("#,##0", None),
        ('0"%"', None),
        ("0\\%", None),
        ("[$%-804]0", None),
        ("yyyy-mm-dd", None),
        ("0.00E+00", None),
        ("# ?/?", None),
        ("@", None),
    ],
)
def test_number_format_codes(code, fmt):
    assert number_format(code) == fmt


# --- the same form as the text export, one quirk at a time --------------------------------------


def test_every_cell_as_text_loads_like_the_text_export(tmp_path, rows, seed_form):
    same_as_text(load_form(book(tmp_path / "text.xlsx", rows)), seed_form)


def test_numbers_stored_as_numbers(tmp_path, rows, seed_form):
    path = book(tmp_path / "numbers.xlsx", rows, as_number)
    ws = openpyxl.load_workbook(path)[SHEET]
    r = row_of(rows, "基础设施备品备件及其他")
    assert isinstance(ws.cell(r, 5).value, float)  # 165.5002 really is a number in the sheet
    same_as_text(load_form(path), seed_form)


def test_numbers_stored_as_text_with_leading_apostrophe(tmp_path, rows, seed_form):
    path = book(tmp_path / "quoted.xlsx", rows)
    wb = openpyxl.load_workbook(path)
    for row in wb[SHEET].iter_rows():
        for c in row:
            if isinstance(c.value, str) and re.fullmatch(r"[\d.]+", c.value):
                c.quotePrefix = True  # what typing '4.58 leaves: text shown as a number
    same_as_text(load_form(save(wb, path)), seed_form)


def test_percentages_stored_as_formatted_numbers(tmp_path, rows, seed_form):
    path = book(tmp_path / "percent.xlsx", rows, as_percent("0%"))
    ws = openpyxl.load_workbook(path)[SHEET]
    r = row_of(rows, "资金到位率")
    assert (ws.cell(r, 6).value, ws.cell(r, 6).number_format) == (1.0, "0%")
    same_as_text(load_form(path), seed_form)


@pytest.mark.parametrize(("fmt", "places"), [("0.00%", 2), ("0.0%;[Red]-0.0%", 1), ("0.0_ %", 1)])
def test_percentages_with_decimals_read_as_excel_shows_them(tmp_path, rows, fmt, places):
    """1.0 formatted 0.00% is "100.00%" in Excel and in its text export; the loads agree."""
    path = book(tmp_path / "percent.xlsx", rows, as_percent(fmt))
    shown = [[f"{D(c[:-1]):.{places}f}%" if re.fullmatch(r"\d+%", c) else c for c in row] for row in rows]
    text = tmp_path / "export.txt"
    text.write_text("\n".join("\t".join(r) for r in shown), encoding="utf-8")
    same_as_text(load_form(path), load_form(text))
    [funding] = [i for i in load_form(path).indicators if i.name == "资金到位率"]
    assert funding.actual == f"{D(100):.{places}f}%"


def test_fixed_decimal_formats_pad_like_the_text_export(tmp_path, rows):
    """A score of 1 formatted 0.00 shows "1.00"; the number a format hides digits of is kept whole."""
    path = book(tmp_path / "fixed.xlsx", rows, as_number)
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    r = row_of(rows, "立项依据充分性")
    ws.cell(r, 7).number_format = "0.00"
    budget = row_of(rows, "2343.7")
    ws.cell(budget, 2).number_format = "#,##0.00"
    save(wb, path)
    form = load_form(path)
    assert form.indicator("立项依据充分性").self_score == D("1.00")
    assert format_decimal(form.money.initial_budget) == "2343.70"


def test_percentages_mixed_text_and_numbers(tmp_path, rows, seed_form):
    """Some departments type 100% (a number) in one row and '100% (text) in the next."""
    path = book(tmp_path / "mixed.xlsx", rows, as_number)
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    for r in range(1, ws.max_row + 1, 2):
        if ws.cell(r, 6).value == "100%":
            ws.cell(r, 6).value = 1
            ws.cell(r, 6).number_format = "0%"
    same_as_text(load_form(save(wb, path)), seed_form)


def test_a_percent_formatted_money_cell_reads_as_a_percentage(tmp_path, rows):
    """The format is what Excel shows: a money cell formatted 0% is 234370%, which is no amount:
    the form loads, the amount is not stated and the cell is named."""
    path = book(tmp_path / "oops.xlsx", rows, as_number)
    wb = openpyxl.load_workbook(path)
    r = row_of(rows, "2343.7")
    wb[SHEET].cell(r, 2).number_format = "0%"
    form = load_form(save(wb, path))
    assert form.provenance.sheet == SHEET
    assert any(c.startswith(f"row {r}, column 2: ") and "234370%" in c for c in form.provenance.degraded)


def test_cached_formula_results_with_binary_noise(tmp_path, rows, seed_form):
    """资金结余 = 2077.78 − 2077.6 computed by Excel is 0.18000000000029104; the identity still holds."""
    path = book(tmp_path / "formulas.xlsx", rows, as_number)
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    r = next(n for n, row in enumerate(rows, start=1) if row[:2] == ["2077.78", "2077.6"])
    ws.cell(r, 3).value = f"=A{r}-B{r}"  # 资金结余、结转数
    ws.cell(r, 5).value = f"=C{r}-D{r}"  # 财政收回数
    total = row_of(rows, "合计")
    ws.cell(total, 5).value = f"=SUM(E{total + 1}:E{total + 6})"  # 2077.604168
    sat = row_of(rows, "部门反馈满意度")
    ws.cell(sat, 6).value = "=19/20"
    ws.cell(sat, 6).number_format = "0%"
    save(wb, path)
    set_cached(
        path,
        {
            f"C{r}": "0.18000000000029104",
            f"E{r}": "0.18000000000029104",
            f"E{total}": "2077.6041680000002",
            f"F{sat}": "0.95000000000000007",
        },
    )
    with zipfile.ZipFile(path) as zf:  # the workbook really holds formulas and noisy floats
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert f"<f>A{r}-B{r}</f><v>0.18000000000029104</v>" in xml
    form = load_form(path)
    assert form.money.fund_balance == D("0.18") and form.money.recovered == D("0.18")
    assert form.money.use_appropriated - form.money.paid == form.money.fund_balance
    same_as_text(form, seed_form)


def test_formula_without_cached_value_is_refused(tmp_path, rows):
    path = book(tmp_path / "script.xlsx", rows, as_number)
    wb = openpyxl.load_workbook(path)
    r = next(n for n, row in enumerate(rows, start=1) if row[:2] == ["2077.78", "2077.6"])
    wb[SHEET].cell(r, 3).value = f"=A{r}-B{r}"  # openpyxl stores no result
    err = refused(save(wb, path))
    [p] = err.problems
    assert p.source == f"{path} [sheet {SHEET}]"
    assert p.where == f"row {r}, column 3 (C{r})"
    assert p.seen == f"=A{r}-B{r}" and "no cached value" in p.field
    assert "save it again" in p.expected


def test_error_value_in_a_number_cell_is_named(tmp_path, rows):
    path = book(tmp_path / "div0.xlsx", rows, as_number)
    wb = openpyxl.load_workbook(path)
    r = row_of(rows, "立项程序规范性")
    wb[SHEET].cell(r, 5).value = "#DIV/0!"  # an error value (openpyxl writes t="e")
    form = load_form(save(wb, path))
    assert any(c.startswith(f"row {r}, column 5: ") and "#DIV/0!" in c for c in form.provenance.degraded)


def test_merged_cells(tmp_path, rows, seed_form):
    """Like the paper form: 项目名称 over two columns, categories and the table label down their rows."""
    path = book(tmp_path / "merged.xlsx", rows, as_percent())
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    name = row_of(rows, "项目名称")
    ws.merge_cells(f"A{name}:B{name}")
    ws.merge_cells(f"C{name}:D{name}")
    title = row_of(rows, "苏州市级财政支出项目绩效自评表")
    ws.merge_cells(f"A{title}:G{title}")
    budget = row_of(rows, "市级预算执行情况")
    ws.merge_cells(f"A{budget}:A{budget + 1}")
    ws.merge_cells(f"C{budget}:D{budget}")
    first, last = row_of(rows, "项目绩效实现情况"), row_of(rows, "满意度目标")
    ws.merge_cells(f"A{first}:A{last}")
    ws.merge_cells(f"B{first}:B{row_of(rows, '过程目标') - 1}")
    save(wb, path)
    assert len(openpyxl.load_workbook(path)[SHEET].merged_cells.ranges) == 7
    same_as_text(load_form(path), seed_form)


def test_trailing_empty_rows_and_columns(tmp_path, rows, seed_form):
    path = book(tmp_path / "trailing.xlsx", rows, as_number)
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    for r in range(len(rows) + 1, len(rows) + 40):  # formatted, bordered, empty
        ws.cell(r, 3).number_format = "0.00"
        ws.cell(r, 12).border = openpyxl.styles.Border(left=openpyxl.styles.Side(style="thin"))
    ws.cell(500, 30).value = ""  # an empty string far away
    ws.column_dimensions["Z"].width = 30
    save(wb, path)
    grid, name = workbook_to_grid(path.read_bytes(), str(path), None)
    assert name == SHEET
    last = max(n for n, row in enumerate(rows, start=1) if any(row))
    assert len(grid.rows) == last and grid.numbers == list(range(1, last + 1))
    assert max(len(r) for r in grid.rows) == 7
    same_as_text(load_form(path), seed_form)


def test_cells_without_references(tmp_path, rows, seed_form):
    """Cells may leave out their r="B12" (some generators do): their place is their order."""
    path = book(tmp_path / "noref.xlsx", rows, as_percent())
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    # drop the reference of every cell that directly follows another cell of its row
    xml = re.sub(r'(</c>|/>)<c r="[A-Z]+\d+"', r"\1<c", xml)
    assert xml.count('<c r="') < 60
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    grid, _ = workbook_to_grid(path.read_bytes(), str(path), None)
    r = row_of(rows, "资金到位率")
    assert grid.rows[r - 1][5] == "100%"  # percent format found by position
    same_as_text(load_form(path), seed_form)


def test_leading_empty_rows_keep_sheet_row_numbers(tmp_path, rows, seed_form):
    path = book(tmp_path / "lead.xlsx", [[""]] * 5 + rows, as_number)
    form = load_form(path)
    assert form.content() == seed_form.content()
    assert [i.row for i in form.indicators] == [i.row + 5 for i in seed_form.indicators]


def test_dates_read_as_chinese_dates(tmp_path, rows):
    path = book(tmp_path / "date.xlsx", rows)
    wb = openpyxl.load_workbook(path)
    r = row_of(rows, "运维计划项目执行率")
    wb[SHEET].cell(r, 6).value = dt.date(2023, 12, 31)
    grid, _ = workbook_to_grid(save(wb, path).read_bytes(), str(path), None)
    assert grid.rows[r - 1][5] == "2023年12月31日"


def test_saved_again_by_libreoffice(tmp_path, rows, seed_form):
    """The advice for formulas without results works: LibreOffice computes and caches them (to
    15 digits: 0.180000000000291), with shared strings and its own styles; the form is the same."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    src = book(tmp_path / "script.xlsx", rows, as_percent())
    wb = openpyxl.load_workbook(src)
    r = next(n for n, row in enumerate(rows, start=1) if row[:2] == ["2077.78", "2077.6"])
    wb[SHEET].cell(r, 3).value = f"=A{r}-B{r}"
    wb[SHEET].cell(r, 5).value = f"=C{r}-D{r}"
    save(wb, src)
    assert "no cached value" in str(refused(src))
    out = tmp_path / "saved"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    saved = out / "script.xlsx"
    with zipfile.ZipFile(saved) as zf:
        assert "xl/sharedStrings.xml" in zf.namelist()
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert re.search(rf'<c r="C{r}"[^>]*><f[^>]*>A{r}-B{r}</f><v>0\.18\d*</v>', xml)
    form = load_form(saved)
    assert form.money.fund_balance == D("0.18")
    same_as_text(form, seed_form)


# --- sheets ----------------------------------------------------------------------------------------


def several_sheets(path: Path, rows, other_rows=None) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "填报说明"
    wb.active["A1"] = "请按要求填写自评表，金额单位为万元。"
    if other_rows is not None:
        fill(wb.create_sheet("上年自评表"), other_rows, as_number)
        wb["上年自评表"].sheet_state = "hidden"
    fill(wb.create_sheet(SHEET), rows, as_percent())
    wb.create_sheet("附件")["B2"] = 42
    return save(wb, path)


def test_the_form_sheet_is_found_among_several(tmp_path, rows, seed_form):
    path = several_sheets(tmp_path / "several.xlsx", rows)
    form = load_form(path)
    assert form.provenance.sheet == SHEET
    same_as_text(form, seed_form)


def test_visible_form_sheet_wins_over_a_hidden_one(tmp_path, rows, seed_text, seed_form):
    other = seed_rows(seed_text.replace("电子政务项目运行维护资金", "上年项目"))
    path = several_sheets(tmp_path / "hidden.xlsx", rows, other)
    assert load_form(path).project_name == "电子政务项目运行维护资金"
    assert load_form(path, sheet="上年自评表").project_name == "上年项目"


def test_sheet_chosen_by_name(tmp_path, rows, seed_form):
    path = several_sheets(tmp_path / "several.xlsx", rows)
    assert load_form(path, sheet=SHEET).content() == seed_form.content()
    assert load_form(path, sheet=" 自评表 ").provenance.sheet == SHEET  # spaces forgiven


def test_unknown_sheet_name_lists_the_sheets(tmp_path, rows):
    path = several_sheets(tmp_path / "several.xlsx", rows)
    err = refused(path, sheet="Sheet1")
    [p] = err.problems
    assert p.seen == "Sheet1" and "填报说明、自评表、附件" in p.expected


def test_chosen_sheet_without_a_form_says_which_sheet(tmp_path, rows):
    path = several_sheets(tmp_path / "several.xlsx", rows)
    err = refused(path, sheet="附件")
    assert f"{path} [sheet 附件]" in str(err)


def test_workbook_without_a_form_sheet_lists_its_sheets(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active["A1"] = "项目名称"
    wb.create_sheet("汇总")["B3"] = 12.5
    path = save(wb, tmp_path / "noform.xlsx")
    [p] = refused(path).problems
    assert p.source == str(path) and p.field == "sheet"
    assert "'Sheet1'、'汇总'" in p.seen and "--sheet" in p.expected


def test_stray_cell_far_away_is_refused_by_where_it_is(tmp_path, rows):
    path = book(tmp_path / "stray.xlsx", rows, as_number)
    wb = openpyxl.load_workbook(path)
    wb[SHEET]["XFD1048576"] = " "  # a space typed in the last cell: the used area is the whole sheet
    save(wb, path)
    [p] = refused(path).problems
    assert (
        p.source == f"{path} [sheet {SHEET}]" and "XFD1048576" in p.seen and "delete the stray" in p.expected
    )
    assert "XFD1048576" in str(refused(path, sheet=SHEET))


def test_stray_cells_on_another_sheet_do_not_matter(tmp_path, rows, seed_form):
    path = several_sheets(tmp_path / "several.xlsx", rows)
    wb = openpyxl.load_workbook(path)
    wb["填报说明"]["XFD1048576"] = "x"
    same_as_text(load_form(save(wb, path)), seed_form)


def test_params_key_sheet_chooses_the_sheet(tmp_path, rows, seed_text):
    from selfeval.report.notebook import prepare

    other = seed_rows(seed_text.replace("电子政务项目运行维护资金", "另一个项目"))
    wb = openpyxl.Workbook()
    wb.active.title = "第一张"
    fill(wb.active, other, as_number)
    fill(wb.create_sheet(SHEET), rows, as_number)
    save(wb, tmp_path / "two.xlsx")
    params = tmp_path / "p.yaml"
    params.write_text("form: two.xlsx\n", encoding="utf-8")
    assert prepare(params).evaluation.form.project_name == "另一个项目"
    params.write_text(f"form: two.xlsx\nsheet: {SHEET}\n", encoding="utf-8")
    ev = prepare(params).evaluation
    assert ev.form.project_name == "电子政务项目运行维护资金" and ev.form.provenance.sheet == SHEET


def test_problems_name_the_sheet_and_row(tmp_path, rows):
    r = row_of(rows, "立项程序规范性")
    rows[r - 1][4] = "一分"
    path = book(tmp_path / "bad.xlsx", rows, as_number)
    form = load_form(path)
    assert (form.provenance.path, form.provenance.sheet) == (str(path), SHEET)
    [cell] = form.provenance.degraded
    assert cell.startswith(f"row {r}, column 5: 立项程序规范性 权重：“一分”")


# --- refused files ---------------------------------------------------------------------------------


OLE = bytes.fromhex("D0CF11E0A1B11AE1")


def test_password_protected_workbook_is_refused(tmp_path):
    """Excel saves an encrypted .xlsx as an OLE compound file with these two streams."""
    junk = (
        OLE
        + b"\x00" * 504
        + "EncryptionInfo".encode("utf-16-le")
        + b"\x00" * 50
        + "EncryptedPackage".encode("utf-16-le")
        + bytes(range(256)) * 8
    )
    path = tmp_path / "locked.xlsx"
    path.write_bytes(junk)
    [p] = refused(path).problems
    assert "password-protected (encrypted) workbook" in p.seen
    assert "remove the password and save again" in p.expected


def test_really_encrypted_workbook_is_refused(tmp_path, rows):
    msoffcrypto = pytest.importorskip("msoffcrypto", reason="msoffcrypto-tool is not installed")
    plain = book(tmp_path / "plain.xlsx", rows)
    out = io.BytesIO()
    with plain.open("rb") as fh:
        office = msoffcrypto.OfficeFile(fh)
        office.encrypt("secret", out)
    path = tmp_path / "locked.xlsx"
    path.write_bytes(out.getvalue())
    assert "password-protected (encrypted) workbook" in str(refused(path))


_ENCRYPT = """
import subprocess, sys, time
import uno
from com.sun.star.beans import PropertyValue

def pv(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p

soffice, profile, port, src, out = sys.argv[1:]
proc = subprocess.Popen([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--invisible",
                         f"--accept=socket,host=127.0.0.1,port={port};urp;"])
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(120):
        try:
            ctx = resolver.resolve(f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext")
            break
        except Exception:
            time.sleep(0.5)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL(f"file://{src}", "_blank", 0, (pv("Hidden", True),))
    doc.storeToURL(f"file://{out}", (pv("FilterName", "MS Excel 97"), pv("Password", "secret")))
    doc.close(True)
finally:
    try:
        desktop.terminate()
    except Exception:
        pass
    proc.wait(timeout=60)
"""


def test_really_encrypted_xls_is_refused(tmp_path, rows):
    """A legacy .xls saved with a password by LibreOffice (where LibreOffice and its Python are)."""
    import socket

    soffice, python = shutil.which("soffice"), shutil.which("python3", path="/usr/bin")
    if (
        soffice is None
        or python is None
        or subprocess.run([python, "-c", "import uno"], capture_output=True).returncode
    ):
        pytest.skip("LibreOffice with its Python bridge (uno) is not installed")
    src = book(tmp_path / "plain.xlsx", rows, as_number)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    script = tmp_path / "encrypt.py"
    script.write_text(_ENCRYPT, encoding="utf-8")
    out = tmp_path / "locked.xls"
    subprocess.run(
        [python, str(script), soffice, str(tmp_path / "lo"), str(port), str(src), str(out)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    assert out.read_bytes().startswith(OLE)
    [p] = refused(out).problems
    assert "password-protected (encrypted) workbook" in p.seen and "remove the password" in p.expected


def test_ole_junk_is_refused_clearly(tmp_path):
    path = tmp_path / "old.xlsx"
    path.write_bytes(OLE + b"\x00" * 600)
    [p] = refused(path).problems
    assert "OLE" in p.seen and "Excel workbook" in p.expected


def test_truncated_workbook_is_refused(tmp_path, rows):
    data = book(tmp_path / "whole.xlsx", rows).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    [p] = refused(path).problems
    assert "damaged .xlsx" in p.seen and "save it again" in p.expected


def test_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "report.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    [p] = refused(path).problems
    assert "zip archive that is not an Excel workbook" in p.seen


@pytest.mark.parametrize(
    ("data", "seen"),
    [
        (b"", "an empty file"),
        (b"not a workbook", "neither an .xlsx (zip) nor a legacy .xls file"),
        ("项目名称\t\t电子政务\n".encode(), "a tab-separated text file (rename it to .txt"),
        ("项目名称\t\t电子政务\r\n".encode("utf-16"), "a tab-separated text file"),  # Excel's Unicode text
        # a page under a workbook's name is read as the page it is; this one holds no form
        ("<html><body><table><tr><td>项目名称</td></tr></table>".encode("gb18030"),
         "no 自评表 among the tables of this page: table 1 (1×1: “项目名称”)"),
    ],
)
def test_other_files_are_refused(tmp_path, data, seen):
    path = tmp_path / "form.xls"
    path.write_bytes(data)
    [p] = refused(path).problems
    assert seen in p.seen


def test_broken_workbook_exits_1_through_the_cli(tmp_path, capsys):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(OLE + "EncryptedPackage".encode("utf-16-le"))
    assert main(["score", str(path)]) == 1
    err = capsys.readouterr().err
    assert str(path) in err and "password-protected" in err and "Traceback" not in err


# --- legacy .xls -------------------------------------------------------------------------------------


def make_xls(tmp_path: Path, rows) -> Path:
    """A legacy .xls of the seed (numbers as numbers, percentages as text), if anything here
    can write one: xlwt, or LibreOffice converting an .xlsx."""
    try:
        import xlwt  # type: ignore[import-not-found]
    except ImportError:
        xlwt = None
    path = tmp_path / "seed.xls"
    if xlwt is not None:
        wb = xlwt.Workbook(encoding="utf-8")
        ws = wb.add_sheet(SHEET)
        for i, row in enumerate(rows):
            for j, text in enumerate(row):
                if text:
                    ws.write(i, j, as_number(text)[0])
        wb.save(str(path))
        return path
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("no way to write a legacy .xls here: neither xlwt nor LibreOffice (soffice) is installed")
    src = book(tmp_path / "seed.xlsx", rows, as_number)
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--headless",
            "--convert-to",
            "xls",
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return path


def test_legacy_xls(tmp_path, rows, seed_form):
    path = make_xls(tmp_path, rows)
    assert path.read_bytes().startswith(OLE)
    same_as_text(load_form(path), seed_form)


def lo_convert(tmp_path: Path, src: Path, to: str) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", to,
                    "--outdir", str(tmp_path / "lo-out"), str(src)], check=True, capture_output=True, timeout=180)
    return tmp_path / "lo-out" / f"{src.stem}.{to}"


def test_legacy_xls_percentages_are_read_with_their_format(tmp_path, rows, seed_form):
    """95% stored as 0.95 with a percent format: read as 95%, not 0.95 (a 良 project once came
    out 差 that way)."""
    path = lo_convert(tmp_path, book(tmp_path / "pct.xlsx", rows, as_percent("0%")), "xls")
    assert path.read_bytes().startswith(OLE)
    same_as_text(load_form(path), seed_form)


def test_a_legacy_xls_formula_without_its_result_is_refused(tmp_path, rows):
    from selfeval.loaders.excel import xls_facts

    path = lo_convert(tmp_path, book(tmp_path / "f.xlsx", rows, as_number), "xls")
    import xlrd

    wb = xlrd.open_workbook(file_contents=path.read_bytes(), on_demand=True)
    sheet = wb.sheet_names()[0]
    values = [[""] * 10 for _ in range(200)]  # as calamine gives a formula whose result is missing
    facts = xls_facts(path.read_bytes(), sheet, values, str(path))
    assert facts.uncached == []  # LibreOffice wrote no formula: none to refuse
    src = book(tmp_path / "g.xlsx", rows, as_number)
    wb2 = openpyxl.load_workbook(src)
    wb2[SHEET].cell(1, 20).value = "=1+1"
    save(wb2, src)
    xls = lo_convert(tmp_path, src, "xls")
    facts = xls_facts(xls.read_bytes(), sheet, [[""] * 30 for _ in range(200)], str(xls))
    assert (0, 19, "") in facts.uncached  # a formula cell whose value could not be read is named


# --- writing: a form as a workbook -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "fmt"),
    [
        ("4.58", D("4.58"), None),
        ("2023", D("2023"), None),
        ("100%", D(1), "0%"),
        ("95.5%", D("0.955"), "0.0%"),
        ("4527.20", D("4527.20"), "0.00"),
        ("95.50%", D("0.9550"), "0.00%"),
        ("0.0", D("0.0"), "0.0"),
        ("007", "007", None),
        ("1,200", "1,200", None),
        ("=100%", "=100%", None),
        (">=95%", ">=95%", None),
        ("1.23456789012345678", "1.23456789012345678", None),
        ("3 个", "3 个", None),
    ],
)
def test_form_cells(text, value, fmt):
    assert form_cell(text) == (value, fmt)


def test_form_workbook_round_trips_the_seed(tmp_path, seed_form):
    path = write_form_workbook(seed_form, tmp_path / "seed.xlsx")
    ws = openpyxl.load_workbook(path)[SHEET]
    cells = {c.coordinate: c for row in ws.iter_rows() for c in row}
    assert any(c.value == 2343.7 for c in cells.values())  # numbers as numbers
    assert any(c.value == 1 and c.number_format == "0%" for c in cells.values())  # 100% as a percentage
    assert any(c.value == "=100%" and c.data_type == "s" for c in cells.values())  # not a formula
    assert ws.merged_cells.ranges  # merged like the paper form
    form = load_form(path)
    assert form.content() == seed_form.content()
    assert scores(form) == scores(seed_form)


@pytest.mark.parametrize("index", range(6))
def test_form_workbook_round_trips_variants(tmp_path, seed_form, index):
    import random

    form = vary(seed_form, random.Random(index), index)
    back = load_form(write_form_workbook(form, tmp_path / "v.xlsx"))
    assert back.content() == form.content()
    assert scores(back) == scores(form)


@pytest.mark.parametrize("name", ["greening.txt", "rural_roads.txt", "school_repairs.txt"])
def test_form_workbook_round_trips_the_examples(tmp_path, name):
    from importlib import resources

    form = load_form(Path(str(resources.files("selfeval").joinpath(f"examples/{name}"))))
    back = load_form(write_form_workbook(form, tmp_path / "e.xlsx"))
    assert back.content() == form.content() and scores(back) == scores(form)


def test_national_form_workbook_round_trips(tmp_path):
    """A national-layout form goes out as its own grid and comes back national."""
    from importlib import resources

    pytest.importorskip("selfeval.layouts.national", reason="the national layout is not available")
    path = Path(str(resources.files("selfeval").joinpath("examples/national_farmland.txt")))
    if not path.exists():
        pytest.skip("no national example form")
    form = load_form(path)
    assert form.layout == "national"
    back = load_form(write_form_workbook(form, tmp_path / "n.xlsx"))
    assert back.layout == "national" and back.content() == form.content()
    assert scores(back) == scores(form)


def test_form_workbook_keeps_deviation_notes(tmp_path, seed_form):
    inds = list(seed_form.indicators)
    inds[3] = inds[3].model_copy(update={"deviation_note": "部分单位未按时报送"})
    form = seed_form.model_copy(update={"indicators": inds})
    path = write_form_workbook(form, tmp_path / "notes.xlsx")
    ws = openpyxl.load_workbook(path)[SHEET]
    assert "偏差原因分析及改进措施" in [c.value for row in ws.iter_rows() for c in row]
    back = load_form(path)
    assert back.indicators[3].deviation_note == "部分单位未按时报送"
    with_column = form.capabilities.model_copy(update={"note_column": True})
    assert back.content() == form.model_copy(update={"capabilities": with_column}).content()


def test_form_workbook_refuses_to_drop_content(tmp_path, seed_form):
    """An explanation has no place in the 自评表 sheet: refused by name, not silently lost."""
    inds = list(seed_form.indicators)
    inds[5] = inds[5].model_copy(update={"explanation": "问卷次年开展"})
    form = seed_form.model_copy(update={"indicators": inds})
    with pytest.raises(SelfevalError, match=r"indicators\[5\]\.explanation.*convert to yaml"):
        write_form_workbook(form, tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


def test_form_workbook_loads_like_its_text(tmp_path, seed_form):
    """The written workbook and the text export of the same form load into equal models."""
    from selfeval.layouts.suzhou import dump_suzhou_text

    text = tmp_path / "f.txt"
    text.write_text(dump_suzhou_text(seed_form), encoding="utf-8")
    a, b = load_form(text), load_form(write_form_workbook(seed_form, tmp_path / "f.xlsx"))
    same_as_text(b, a)


def test_workbooks_are_written_only_as_xlsx(tmp_path, seed_form):
    with pytest.raises(SelfevalError, match=r"\.xlsx"):
        write_form_workbook(seed_form, tmp_path / "f.xls")
    assert not list(tmp_path.iterdir())


# --- writing: the scored workbook ------------------------------------------------------------------


@pytest.fixture
def seed_ev(seed_form):
    return review(seed_form, ruleset_for(seed_form))


def test_text_width_counts_chinese_double():
    assert text_width("abc") == 3 and text_width("资金到位率") == 10 and text_width("（1）") == 5


def test_scored_workbook(tmp_path, seed_ev):
    path = write_scored_workbook(seed_ev, tmp_path / "out" / "scored.xlsx")
    assert [p.name for p in path.parent.iterdir()] == ["scored.xlsx"]  # no temp file left
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["评分", "复核发现", "概况"]
    ws = wb["评分"]
    assert [c.value for c in ws[1]] == [
        "类别",
        "指标名称",
        "目标值",
        "权重",
        "实际完成值",
        "自评分",
        "重算分",
        "复核分",
        "差异",
        "复核依据",
        "复核说明",
        "复核意见",
    ]
    assert ws.freeze_panes == "C2" and ws["A1"].font.b and ws["A1"].fill.fgColor.rgb.endswith("D9E1F2")
    body = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(body) == len(seed_ev.indicators) + 1
    funding = next(r for r in body if r[1] == "资金到位率")
    assert funding[2] == "=100%" and funding[4] == "100%"
    assert funding[5:9] == (1, 1, 0.43, pytest.approx(-0.57))
    assert funding[9] == "按资金数据重算" and funding[10]
    total = body[-1]
    assert total[0] == "合计" and total[5] == 80 and total[7] == pytest.approx(79.43)
    r = next(row for row in ws.iter_rows(min_row=2) if row[1].value == "资金到位率")
    assert r[5].number_format == "0.00" and r[8].number_format.startswith("+0.00")
    assert r[2].data_type == "s"  # the target "=100%" is text, not a formula
    name_width = ws.column_dimensions["B"].width
    assert name_width >= text_width("运维技术人员稳定性") and ws.column_dimensions["K"].width <= 50

    findings = wb["复核发现"]
    assert [c.value for c in findings[1]] == ["严重程度", "代码", "标题", "说明", "涉及指标", "撤销情况"]
    rows = list(findings.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(seed_ev.findings)
    assert {r[0] for r in rows} <= {"错误", "警告", "提示"}
    assert "SE-RATE-MISMATCH" in {r[1] for r in rows}
    order = {"错误": 0, "警告": 1, "提示": 2}
    assert [order[r[0]] for r in rows] == sorted(order[r[0]] for r in rows)
    assert findings.freeze_panes == "A2" and findings["D2"].alignment.wrap_text

    overview = {r[0]: r[1] for r in wb["概况"].iter_rows(min_row=2, values_only=True)}
    assert overview["项目名称"] == "电子政务项目运行维护资金" and overview["评分规则"] == "suzhou-2023"
    assert overview["自评总分"] == 80 and overview["复核总分"] == pytest.approx(79.43)
    assert overview["资金到位率"] == pytest.approx(0.886538, abs=1e-6)  # a fraction shown 0.00%
    assert overview["来源 SHA-256"] == seed_ev.form.provenance.sha256
    rate_cell = next(r[1] for r in wb["概况"].iter_rows(min_row=2) if r[0].value == "资金到位率")
    assert rate_cell.number_format == "0.00%"


def test_scored_workbook_shows_decisions_and_dismissals(tmp_path, seed_form):
    from selfeval.assess.decisions import parse_decisions

    decisions = parse_decisions(
        {
            "reviewer": "王审",
            "scores": [{"indicator": "资金到位率", "score": "0.9", "reason": "拨款口径核实后酌情给分"}],
            "dismiss": [{"finding": "SE-RATE-MISMATCH", "reason": "已说明"}],
        },
        "test",
    )
    ev = review(seed_form, ruleset_for(seed_form), decisions)
    wb = openpyxl.load_workbook(write_scored_workbook(ev, tmp_path / "d.xlsx"))
    funding = next(r for r in wb["评分"].iter_rows(min_row=2, values_only=True) if r[1] == "资金到位率")
    assert (
        funding[7] == 0.9 and funding[9] == "复核人评分" and "拨款口径核实后酌情给分（王审）" in funding[11]
    )
    dismissed = [
        r for r in wb["复核发现"].iter_rows(min_row=2, values_only=True) if r[1] == "SE-RATE-MISMATCH"
    ]
    assert dismissed and all(r[5].startswith("已撤销：已说明") for r in dismissed)


def test_scored_workbook_opens_in_libreoffice(tmp_path, seed_ev):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    path = write_scored_workbook(seed_ev, tmp_path / "scored.xlsx")
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    csv = (tmp_path / "scored.csv").read_text(encoding="utf-8")
    assert csv.startswith("类别,指标名称,目标值,权重") and "资金到位率" in csv and "0.43" in csv


# --- the command line ----------------------------------------------------------------------------


def run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_scores_a_workbook_like_its_text_export(capsys, tmp_path, rows, seed_path):
    path = several_sheets(tmp_path / "dept.xlsx", rows)
    rc, out, err = run(capsys, "score", path, "--json")
    assert rc == 0 and err == ""
    _, text_out, _ = run(capsys, "score", seed_path, "--json")
    strip = re.compile(r'"source": \{.*?\},', re.S)
    assert strip.sub("", out) == strip.sub("", text_out)
    rc, table, _ = run(capsys, "score", path, "--sheet", SHEET)
    assert rc == 0 and "复核 79.43" in table


def test_cli_score_writes_the_scored_workbook(capsys, tmp_path, seed_path):
    out = tmp_path / "scored.xlsx"
    rc, table, err = run(capsys, "score", seed_path, "--xlsx", out)
    assert rc == 0 and err == "" and "复核 79.43" in table
    assert openpyxl.load_workbook(out).sheetnames == ["评分", "复核发现", "概况"]


def test_cli_score_refuses_a_non_xlsx_output(capsys, tmp_path, seed_path):
    rc, _, err = run(capsys, "score", seed_path, "--xlsx", tmp_path / "scored.xls")
    assert rc == 1 and ".xlsx" in err


def test_cli_convert_round_trip_scores_identically(capsys, tmp_path, seed_path, seed_form):
    xlsx, yaml_path = tmp_path / "seed.xlsx", tmp_path / "seed.yaml"
    assert run(capsys, "convert", seed_path, "--to", "xlsx", "--out", xlsx)[0] == 0
    assert run(capsys, "convert", xlsx, "--to", "yaml", "--out", yaml_path)[0] == 0
    assert load_form(yaml_path).content() == load_form(xlsx).content() == seed_form.content()
    docs = []
    for path in (seed_path, xlsx, yaml_path):
        rc, out, _ = run(capsys, "score", path, "--json")
        assert rc == 0
        docs.append(re.sub(r'"source": \{.*?\},', "", out, flags=re.S))
    assert docs[0] == docs[1] == docs[2]


def test_cli_convert_default_output_name(capsys, tmp_path, seed_path):
    src = tmp_path / "form.txt"
    src.write_bytes(seed_path.read_bytes())
    rc, out, _ = run(capsys, "convert", src, "--to", "xlsx")
    assert rc == 0 and out.strip() == str(tmp_path / "form.xlsx")
