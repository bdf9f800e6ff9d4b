"""A form written as its 自评表 sheet (`selfeval convert --to xlsx`).

The grid of its layout's text export on one sheet: numbers as numbers, percentages as
percent-formatted numbers, merged like the paper form. Loading it back gives the same form; a form
the layout cannot hold whole is refused, not written without some of its content.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from selfeval.errors import FormError, SelfevalError
from selfeval.form.model import Provenance
from selfeval.form.values import canonical, format_decimal, parse_decimal
from selfeval.layouts import layout_of, parse_grid
from selfeval.layouts.reader import Grid
from selfeval.views.sheets import clean_text as _clean
from selfeval.views.sheets import font, print_layout, save_workbook, text_width
from selfeval.views.sheets import put as _put

FORM_SHEET = "自评表"


_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%$")


def _exact_float(d: Decimal) -> bool:
    """True when a decimal survives the round trip through a binary double (≤ 15 digits)."""
    return len(d.as_tuple().digits) <= 15


def form_cell(text: str) -> tuple[Any, str | None]:
    """A grid cell as a workbook value and number format, such that reading it back gives `text`:
    "4.58" → 4.58; "4527.20" → 4527.2 shown 0.00; "95.5%" → 0.955 shown 0.0%. Text that would
    not read back the same stays text ("007", "1,200", "=100%", 16+ digit numbers)."""

    def decimals(d: Decimal) -> str | None:
        places = max(0, -int(d.as_tuple().exponent))
        return "0." + "0" * places if places else "0"

    try:
        d = parse_decimal(text)
    except ValueError:
        d = None
    if d is not None and format_decimal(d) == text and _exact_float(d):
        return d, None if format_decimal(canonical(d)) == text else decimals(d)
    m = _PERCENT.match(text)
    if m:
        points = parse_decimal(m.group(1))
        value = points / 100
        if format_decimal(points) == m.group(1) and _exact_float(value):
            return value, f"{decimals(points)}%"
    return text, None


def _merges(rows: list[list[str]], width: int) -> tuple[list[tuple[int, int, int, int]], set[int], range]:
    """Merged ranges (0-based r1, c1, r2, c2) like the paper form's, each over empty cells only
    (so the sheet's values are exactly the grid's); the rows of long text, merged across; and the
    rows of the ruled table (title to 合计)."""

    def empty(r: int, c: int) -> bool:
        return c >= len(rows[r]) or rows[r][c] == ""

    def filled(r: int, start: int = 0) -> list[int]:
        return [c for c in range(start, width) if not empty(r, c)]

    out: list[tuple[int, int, int, int]] = []
    narrative: set[int] = set()

    def across(r: int, spans: list[tuple[int, int]]) -> None:
        for c1, c2 in spans:
            if c2 > c1 and all(empty(r, c) for c in range(c1 + 1, c2 + 1)):
                out.append((r, c1, r, c2))

    def reach(r: int, start: int = 0) -> None:
        """Each value of row r reaches right over the empty cells up to the next value."""
        cols = filled(r, start)
        across(r, [(c, (cols[k + 1] if k + 1 < len(cols) else width) - 1) for k, c in enumerate(cols)])

    title = next((i for i, r in enumerate(rows) if r[0] == "苏州市级财政支出项目绩效自评表"), None)
    sub = next((i for i, r in enumerate(rows) if r[0] == "子项名称"), None)
    table = next((i for i, r in enumerate(rows) if r[:3] == ["项目", "类别", "指标名称"]), None)
    if title is None or sub is None or table is None or not title < sub < table:
        return out, narrative, range(0)
    for r in range(title + 1):
        if filled(r) == [0]:
            across(r, [(0, width - 1)])
    for r in range(title + 1, sub):  # header and money blocks
        if rows[r][0]:
            reach(r)
            end = r  # a block label (市级预算执行情况…) reaches down over its rows
            while end + 1 < sub and rows[end + 1][0] == "" and any(rows[end + 1]):
                end += 1
            if end > r:
                out.append((r, 0, end, 0))
        elif any(rows[r]):
            reach(r, 1)
    for r in range(sub, table):  # sub-items: name, budget and actual each over two columns
        across(r, [(0, 1), (2, 3), (4, width - 1)])
    end = table + 1
    while end < len(rows) and rows[end][0] != "合计":
        end += 1
    if end > table + 1:
        out.append((table + 1, 0, end - 1, 0))  # 项目绩效实现情况(80分) down the whole table
        start = table + 1
        for r in range(table + 2, end + 1):  # each category down over its indicators
            if r == end or not empty(r, 1):
                if r - 1 > start:
                    out.append((start, 1, r - 1, 1))
                start = r
    if end < len(rows):
        across(end, [(0, width - 2)])  # 合计
    for r in range(end + 1, len(rows)):  # narrative: label and text, or a line of its own
        cols = filled(r)
        if cols == [0, 1]:
            across(r, [(1, width - 1)])
            narrative.add(r)
        elif cols == [0]:
            across(r, [(0, width - 1)])
            if text_width(rows[r][0]) > 40:
                narrative.add(r)
    return out, narrative, range(title + 1, min(end + 1, len(rows)))


def form_rows(form) -> list[list[str]]:
    """The grid of the form's layout as its text export has it, which the workbook's sheet holds."""

    return [line.split("\t") for line in layout_of(form).write(form).split("\n")]


def _paths(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two content dicts differ, as field paths ("indicators[3].explanation")."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [
            p for k in a.keys() | b.keys() for p in _paths(a.get(k), b.get(k), f"{path}.{k}" if path else k)
        ]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [p for n, (x, y) in enumerate(zip(a, b, strict=True)) for p in _paths(x, y, f"{path}[{n}]")]
    return [] if a == b else [path or "the form"]


def lost_in_layout(form, rows: list[list[str]]) -> list[str]:
    """The form's fields that reading `rows` back would not give (empty when nothing is lost)."""

    grid = Grid(rows=rows, numbers=list(range(1, len(rows) + 1)), source=FORM_SHEET, unit="row")
    try:
        back = parse_grid(grid, Provenance())
    except FormError as exc:
        return [f"the form ({exc})"]
    expected = form.content()
    if any(ind.deviation_note for ind in form.indicators):  # notes bring their column with them
        expected["capabilities"]["note_column"] = True
    return sorted(_paths(expected, back.content()))


def write_form_workbook(form, path: str | Path) -> Path:
    """Write a form as a workbook whose sheet 自评表 holds its layout's grid (`form_rows`).

    Loading it back gives the same form: a form with content the layout cannot hold (an
    indicator's explanation, say) is refused, naming those fields, rather than written without
    them.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Side
    from openpyxl.utils import get_column_letter

    rows = form_rows(form)
    lost = lost_in_layout(form, rows)
    if lost:
        shown = "、".join(lost[:6]) + ("…" if len(lost) > 6 else "")
        raise SelfevalError(
            f"{path}: the {form.layout} 自评表 sheet cannot hold {shown}; convert to yaml to keep them"
        )
    width = max(len(r) for r in rows)
    wb = Workbook()
    wb.properties.creator = "selfeval"
    wb.properties.title = f"{form.project_name} {form.year}年 绩效自评表"
    ws = wb.active
    ws.title = FORM_SHEET
    for i, row in enumerate(rows, start=1):
        for j, text in enumerate(row, start=1):
            if not text:
                continue
            if _clean(text) != text:
                raise SelfevalError(
                    f"{FORM_SHEET} row {i}, column {j}: control characters cannot be "
                    f"written to a workbook: {text[:40]!r}"
                )
            value, fmt = form_cell(text)
            _put(ws, i, j, value, fmt)
    merges, narrative, ruled = _merges(rows, width)
    for r1, c1, r2, c2 in merges:
        ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
    widths = [26, 16, 30, 14, 14, 14, 12]
    for j in range(width):
        ws.column_dimensions[get_column_letter(j + 1)].width = widths[j] if j < len(widths) else 12
    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for i in ruled:
        for j in range(1, width + 1):
            ws.cell(i + 1, j).border = box
            ws.cell(i + 1, j).alignment = Alignment(vertical="center", wrap_text=True)
    for i, row in enumerate(rows):  # the two titles
        if row[0] in ("苏州市级财政支出项目绩效自评表", "苏州市级财政支出项目绩效自我评价报告"):
            ws.cell(i + 1, 1).font = font(bold=True, size=14)
            ws.cell(i + 1, 1).alignment = Alignment(horizontal="center")
    span = sum(ws.column_dimensions[get_column_letter(j + 1)].width for j in range(width))
    for r in narrative:
        text_col = 2 if len(rows[r]) > 1 and rows[r][1] else 1
        ws.cell(r + 1, 1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(r + 1, text_col).alignment = Alignment(wrap_text=True, vertical="top")
        room = span - (ws.column_dimensions["A"].width if text_col == 2 else 0)
        lines = text_width(rows[r][text_col - 1]) // max(int(room) - 2, 1) + 1
        ws.row_dimensions[r + 1].height = min(409, 15 * lines + 4)
    print_layout(ws, landscape=False)
    return save_workbook(wb, path)


__all__ = ["FORM_SHEET", "form_cell", "form_rows", "lost_in_layout", "write_form_workbook"]
