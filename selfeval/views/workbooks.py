"""Workbooks for people: a scored form for the finance bureau, and a form as a 自评表 sheet.

`write_scored_workbook` writes what `selfeval score` shows and more — the indicator table with
self, rescored and review scores, their differences and the reviewer's decisions (评分), the
findings (复核发现) and the totals, rates and source (概况) — with Chinese headers, widths fitted
to Chinese text, number formats, a frozen and filterable header row and a print layout.

`write_form_workbook` writes a form as its text export's grid (its layout's writer) on one sheet 自评表, numbers as numbers and percentages as
percent-formatted numbers, merged like the paper Suzhou form; loading it back gives the same form
(a form the layout cannot hold whole is refused, not written without some of its content).

Both write through a temporary file and a rename, so the workbook is whole or absent.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from selfeval.assess.findings import SEVERITY_WORDS, finding_counts
from selfeval.errors import FormError, SelfevalError
from selfeval.files import atomic_write
from selfeval.form.model import Provenance
from selfeval.form.values import canonical, format_decimal, parse_decimal
from selfeval.layouts import layout_of, parse_grid
from selfeval.layouts.reader import Grid
from selfeval.version import __version__
from selfeval.views.document import finding_dict
from selfeval.views.frames import indicator_rows
from selfeval.views.sheets import clean_text as _clean
from selfeval.views.sheets import put as _put
from selfeval.views.sheets import text_width, workbook_bytes

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
SEVERITY_FILLS = {"error": "F8CBAD", "warning": "FFE699", "info": "DDEBF7"}
REVIEW_SOURCES = {"recomputed": "按资金数据重算", "decision": "复核人评分", "claimed": "按规则"}
HEADER_FILL = "D9E1F2"
SCORE_FORMAT = "0.00"
DIFF_FORMAT = "+0.00;-0.00;0.00"
RATE_FORMAT = "0.00%"

SCORE_HEADERS = [
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
FINDING_HEADERS = ["严重程度", "代码", "标题", "说明", "涉及指标", "撤销情况"]
FORM_SHEET = "自评表"


# --- cell helpers ---------------------------------------------------------------------------------


def _font(**kw):
    """A font like the workbook's own (openpyxl's default Calibri 11), changed by `kw`."""
    from openpyxl.styles import Font

    return Font(**{"name": "Calibri", "size": 11, **kw})


def _header(ws, headers: list[str]) -> None:
    from openpyxl.styles import Alignment, Border, PatternFill, Side

    thin = Side(style="thin", color="8EA9DB")
    for j, name in enumerate(headers, start=1):
        cell = _put(ws, 1, j, name)
        cell.font = _font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(bottom=thin)
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"


def _lines(text: str, width: float) -> int:
    """How many lines a wrapped text takes in a column `width` characters wide."""
    room = max(int(width) - 1, 1)
    return sum(max(1, -(-text_width(part) // room)) for part in str(text).split("\n"))


def _fit_columns(ws, widths: dict[int, tuple[int, int]], wrap: set[int] = frozenset()) -> None:
    """Set each column's width to its widest cell (CJK counted double), within (min, max); wrap
    the long-text columns and make their rows tall enough to show them whole."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    lines: dict[int, int] = {}
    for col_cells in ws.iter_cols(min_row=1, max_row=ws.max_row):
        col = col_cells[0].column
        lo, hi = widths.get(col, (6, 40))
        widest = 0
        for cell in col_cells:
            if cell.value is None:
                continue
            shown = cell.value
            if isinstance(shown, float | int) and cell.number_format not in ("General", None):
                shown = f"+{shown:.2f}"
            widest = max(widest, text_width(shown) + (2 if cell.row == 1 else 1))
        width = min(max(widest, lo), hi)
        ws.column_dimensions[get_column_letter(col)].width = width
        for cell in col_cells[1:]:
            numeric = isinstance(cell.value, float | int) and not isinstance(cell.value, bool)
            cell.alignment = Alignment(
                wrap_text=col in wrap, vertical="top", horizontal="right" if numeric else "left"
            )
            if col in wrap and cell.value is not None:
                lines[cell.row] = max(lines.get(cell.row, 1), _lines(cell.value, width))
    for row, n in lines.items():
        if n > 1:
            ws.row_dimensions[row].height = min(409, 15 * n + 3)


def _print_layout(ws, landscape: bool = True) -> None:
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _save(wb, path: str | Path) -> Path:
    p = Path(path)
    if p.suffix.lower() != ".xlsx":
        raise SelfevalError(f"{p}: a workbook is written as .xlsx; name the output file *.xlsx")
    try:
        atomic_write(p, workbook_bytes(wb))
    except OSError as exc:
        raise SelfevalError(f"{p}: cannot write the workbook: {exc.strerror or exc}") from None
    return p


# --- the scored workbook -------------------------------------------------------------------------


def _decision_text(row: dict[str, Any]) -> str:
    d = row["decision"]
    if d is None:
        return ""
    score = "" if d["score"] is None else f"评 {format_decimal(d['score'])} 分："
    return f"{score}{d['reason']}（{d['reviewer']}）"


def _scores_sheet(wb, ev) -> None:
    from openpyxl.styles import Border, Side


    ws = wb.active
    ws.title = "评分"
    _header(ws, SCORE_HEADERS)
    rows = indicator_rows(ev)
    for i, r in enumerate(rows, start=2):
        values = [
            r["category_name"],
            r["name"],
            r["target"],
            r["weight"],
            r["actual"],
            r["self_score"],
            r["rescore"],
            r["review_score"],
            r["difference"],
            REVIEW_SOURCES.get(r["review_source"], ""),
            r["review_reason"],
            _decision_text(r),
        ]
        for j, v in enumerate(values, start=1):
            fmt = DIFF_FORMAT if j == 9 else SCORE_FORMAT
            _put(ws, i, j, v, fmt)
    total = len(rows) + 2
    weights = sum((r["weight"] for r in rows), Decimal(0))
    totals = {
        1: "合计",
        4: weights,
        6: ev.self_total if ev.self_claimed else None,
        7: ev.rescore_total,
        8: ev.review_total,
        9: ev.difference,  # over the decided items: a pending item is neither gain nor loss
    }
    top = Border(top=Side(style="thin"))
    for j in range(1, len(SCORE_HEADERS) + 1):
        cell = _put(ws, total, j, totals.get(j), DIFF_FORMAT if j == 9 else SCORE_FORMAT)
        cell.font = _font(bold=True)
        cell.border = top
    ws.auto_filter.ref = f"A1:L{max(total - 1, 2)}"
    ws.freeze_panes = "C2"  # the header row, and category and name while scrolling right
    _fit_columns(
        ws,
        {
            1: (8, 12),
            2: (14, 30),
            3: (9, 16),
            4: (8, 10),
            5: (11, 20),
            6: (8, 10),
            7: (8, 10),
            8: (8, 10),
            9: (8, 10),
            10: (10, 16),
            11: (20, 50),
            12: (12, 36),
        },
        wrap={2, 5, 11, 12},
    )
    _print_layout(ws)


def _findings_sheet(wb, ev) -> None:
    from openpyxl.styles import PatternFill


    ws = wb.create_sheet("复核发现")
    _header(ws, FINDING_HEADERS)
    findings = sorted(
        (finding_dict(f) for f in ev.findings), key=lambda f: SEVERITY_ORDER.get(f["severity"], 9)
    )
    if not findings:
        _put(ws, 2, 1, "无复核发现")
    for i, f in enumerate(findings, start=2):
        d = f["dismissed"]
        values = [
            SEVERITY_WORDS.get(f["severity"], f["severity"]),
            f["code"],
            f["title"],
            f["message"],
            "、".join(f["indicators"]),
            "" if d is None else f"已撤销：{d['reason']}（{d['reviewer']}）",
        ]
        for j, v in enumerate(values, start=1):
            _put(ws, i, j, v)
        ws.cell(i, 1).fill = PatternFill("solid", fgColor=SEVERITY_FILLS.get(f["severity"], "FFFFFF"))
        if d is not None:
            for j in range(1, len(values) + 1):
                ws.cell(i, j).font = _font(color="808080", italic=True)
    if findings:
        ws.auto_filter.ref = f"A1:F{len(findings) + 1}"
    _fit_columns(
        ws, {1: (8, 10), 2: (12, 28), 3: (12, 30), 4: (30, 70), 5: (12, 30), 6: (10, 30)}, wrap={3, 4, 5, 6}
    )
    _print_layout(ws)


def _overview_sheet(wb, ev) -> None:
    from openpyxl.styles import Alignment


    ws = wb.create_sheet("概况")
    _header(ws, ["项目", "内容"])
    f, prov = ev.form, ev.form.provenance
    counts = finding_counts(ev)

    def rate(value: Decimal | None) -> Decimal | None:
        return None if value is None else value / 100

    rows: list[tuple[str, Any, str | None]] = [
        ("项目名称", f.project_name, None),
        ("项目年份", str(f.year), None),
        ("主管部门", f.department, None),
        ("实施单位", f.implementing_unit, None),
        ("评分规则", ev.ruleset.name, None),
        ("满分", ev.full_marks, SCORE_FORMAT),
        ("自评总分", ev.self_total if ev.self_claimed else "未填", SCORE_FORMAT),
        ("重算总分", ev.rescore_total, SCORE_FORMAT),
        ("复核总分", ev.review_total, SCORE_FORMAT),
        ("复核得分下限", ev.review_low, SCORE_FORMAT),
        ("复核得分上限", ev.review_high, SCORE_FORMAT),
        ("复核与自评差异", ev.difference, DIFF_FORMAT),
        ("复核评级", ev.rating_text, None),
        ("评级已定", "是" if ev.rating_settled else "否", None),
        ("自评评级", ev.self_rating or "未填", None),
        ("临时结果", "是（尚有待定事项）" if ev.provisional else "否", None),
        ("资金到位率", rate(ev.rates.funding_rate), RATE_FORMAT),
        ("资金支付率", rate(ev.rates.payment_rate), RATE_FORMAT),
        ("预算执行率", rate(ev.rates.execution_rate), RATE_FORMAT),
        ("预算执行得分", None if ev.budget_score is None else ev.budget_score.score, SCORE_FORMAT),
        (
            "复核发现（未撤销）",
            f"错误 {counts['error']}　警告 {counts['warning']}　提示 {counts['info']}",
            None,
        ),
        ("来源文件", prov.path, None),
        ("工作表", prov.sheet, None),
        ("来源 SHA-256", prov.sha256, None),
        ("selfeval 版本", __version__, None),
    ]
    for i, (label, value, fmt) in enumerate(rows, start=2):
        _put(ws, i, 1, label).font = _font(bold=True)
        _put(ws, i, 2, value, fmt)
    _fit_columns(ws, {1: (12, 20), 2: (20, 70)}, wrap={2})
    for i in range(2, len(rows) + 2):  # numbers sit left, under the texts
        ws.cell(i, 2).alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
    _print_layout(ws, landscape=False)


def write_scored_workbook(ev, path: str | Path) -> Path:
    """Write the scored form (评分, 复核发现, 概况) as an .xlsx for people."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.properties.creator = "selfeval"
    wb.properties.title = f"{ev.form.project_name} {ev.form.year}年 绩效自评复核"
    _scores_sheet(wb, ev)
    _findings_sheet(wb, ev)
    _overview_sheet(wb, ev)
    return _save(wb, path)


# --- a form as a workbook ------------------------------------------------------------------------

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
            ws.cell(i + 1, 1).font = _font(bold=True, size=14)
            ws.cell(i + 1, 1).alignment = Alignment(horizontal="center")
    span = sum(ws.column_dimensions[get_column_letter(j + 1)].width for j in range(width))
    for r in narrative:
        text_col = 2 if len(rows[r]) > 1 and rows[r][1] else 1
        ws.cell(r + 1, 1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(r + 1, text_col).alignment = Alignment(wrap_text=True, vertical="top")
        room = span - (ws.column_dimensions["A"].width if text_col == 2 else 0)
        lines = text_width(rows[r][text_col - 1]) // max(int(room) - 2, 1) + 1
        ws.row_dimensions[r + 1].height = min(409, 15 * lines + 4)
    _print_layout(ws, landscape=False)
    return _save(wb, path)


__all__ = [
    "form_cell",
    "form_rows",
    "lost_in_layout",
    "text_width",
    "write_form_workbook",
    "write_scored_workbook",
]
