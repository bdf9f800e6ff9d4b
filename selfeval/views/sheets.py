"""The one way selfeval writes spreadsheets: cells that are values, never formulas.

Every workbook and CSV file selfeval writes goes through here, so that what a form says can never
run in the reader's spreadsheet program:

- a workbook text cell is stored as a string (openpyxl would store `=100%` — a target — as a
  formula, and pandas' `to_excel` does);
- a CSV text cell that Excel would evaluate (it starts with `=`, `+`, `-`, `@`, a tab or a carriage
  return) is prefixed with `'`, as OWASP recommends for CSV injection; numbers stay numbers;
- a workbook's bytes depend only on its content: the document's created/modified times and the zip
  members' times are fixed, so identical runs give identical files.
"""

from __future__ import annotations

import csv
import io
import math
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from selfeval.files import fixed_zip_times, write_document

# Excel evaluates a cell that starts with one of these (OWASP, "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Workbooks carry this time wherever a format needs one: a run's output must not differ by when it ran.


def text_width(text: object) -> int:
    """Display width of a text: East Asian wide and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _plain(frame):
    """A DataFrame's cells as Python values, missing ones (NaN, NA, NaT) as None."""
    return frame.astype(object).where(frame.notna(), None)


def clean_text(text: str) -> str:
    """Text without the control characters an .xlsx cannot hold."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)


def is_number(value: Any) -> bool:
    """A value written as a number: ints, finite floats and Decimals (never bools)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, Decimal):
        return value.is_finite()
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int)


def put(ws, row: int, col: int, value: Any, number_format: str | None = None):
    """Write one workbook cell: numbers as numbers, text always as text (never a formula).

    None, "" and NaN leave the cell empty; booleans are written 是 / 否.
    """
    cell = ws.cell(row=row, column=col)
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return cell
    if isinstance(value, bool):
        cell.value = "是" if value else "否"
        cell.data_type = "s"
    elif is_number(value):
        cell.value = float(value) if isinstance(value, Decimal) else value
        if number_format:
            cell.number_format = number_format
    else:
        cell.value = clean_text(value.isoformat() if isinstance(value, date) else str(value))
        cell.data_type = "s"  # "=100%" is a target, not a formula
    return cell


def frame_sheet(wb, title: str, frame, *, first: bool = False, max_width: int = 60):
    """Write a DataFrame as a sheet (header row, then rows) through `put`; frozen header row,
    columns as wide as their widest of the first 200 cells (CJK counted double)."""
    from openpyxl.utils import get_column_letter

    frame = _plain(frame)
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    for j, name in enumerate(frame.columns, start=1):
        put(ws, 1, j, name)
    for i, values in enumerate(frame.itertuples(index=False, name=None), start=2):
        for j, value in enumerate(values, start=1):
            put(ws, i, j, value)
    ws.freeze_panes = "A2"
    for j, name in enumerate(frame.columns, start=1):
        shown = [name, *("" if v is None else v for v in frame.iloc[:200, j - 1])]
        width = max(text_width(v) for v in shown) + 2
        ws.column_dimensions[get_column_letter(j)].width = min(max(width, 8), max_width)
    return ws


def workbook_bytes(wb) -> bytes:
    """The workbook as .xlsx bytes that depend only on its content (fixed times inside)."""
    buf = io.BytesIO()
    wb.save(buf)
    return fixed_zip_times(buf.getvalue())


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell Excel will not evaluate: text that starts with a formula trigger is
    prefixed with `'`; numbers are left as they are (a negative number is a number)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if is_number(value):
        return value
    text = value.isoformat() if isinstance(value, date) else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV for Excel users: UTF-8 with BOM (Excel reads BOM-less UTF-8 as GBK on Chinese Windows),
    every cell through `csv_cell`."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")


def frame_csv_bytes(frame) -> bytes:
    """A DataFrame as `csv_bytes` (no index)."""
    return csv_bytes(list(frame.columns), _plain(frame).itertuples(index=False, name=None))




def font(**kw):
    """A font like the workbook's own (openpyxl's default Calibri 11), changed by `kw`."""
    from openpyxl.styles import Font

    return Font(**{"name": "Calibri", "size": 11, **kw})


def print_layout(ws, landscape: bool = True) -> None:
    """A4, fitted to the page width, landscape unless said otherwise."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def save_workbook(wb, path: str | Path) -> Path:
    """Write `wb` to `path` (.xlsx) whole or not at all; an error names the file."""
    return write_document(path, workbook_bytes(wb), ".xlsx", "a workbook")


__all__ = [
    "FORMULA_TRIGGERS",
    "clean_text",
    "csv_bytes",
    "csv_cell",
    "font",
    "frame_csv_bytes",
    "frame_sheet",
    "is_number",
    "print_layout",
    "put",
    "save_workbook",
    "text_width",
    "workbook_bytes",
]
