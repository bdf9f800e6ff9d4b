"""The scored workbook for the finance bureau (`selfeval score --xlsx`); the form as a 自评表 sheet
is `form_sheet`.

`write_scored_workbook` writes what `selfeval score` shows and more — the indicator table with
self, rescored and review scores, their differences and the reviewer's decisions (评分), the
findings (复核发现) and the totals, rates and source (概况) — with Chinese headers, widths fitted
to Chinese text, number formats, a frozen and filterable header row and a print layout.

It is written through a temporary file and a rename, so the workbook is whole or absent.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from selfeval.assess.findings import SEVERITY_WORDS, finding_counts
from selfeval.form.values import format_decimal
from selfeval.version import __version__
from selfeval.views.document import finding_dict
from selfeval.views.frames import indicator_rows
from selfeval.views.sheets import font, print_layout, save_workbook, text_width
from selfeval.views.sheets import put as _put

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


# --- cell helpers ---------------------------------------------------------------------------------


def _header(ws, headers: list[str]) -> None:
    from openpyxl.styles import Alignment, Border, PatternFill, Side

    thin = Side(style="thin", color="8EA9DB")
    for j, name in enumerate(headers, start=1):
        cell = _put(ws, 1, j, name)
        cell.font = font(bold=True)
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
        cell.font = font(bold=True)
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
    print_layout(ws)


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
                ws.cell(i, j).font = font(color="808080", italic=True)
    if findings:
        ws.auto_filter.ref = f"A1:F{len(findings) + 1}"
    _fit_columns(
        ws, {1: (8, 10), 2: (12, 28), 3: (12, 30), 4: (30, 70), 5: (12, 30), 6: (10, 30)}, wrap={3, 4, 5, 6}
    )
    print_layout(ws)


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
        _put(ws, i, 1, label).font = font(bold=True)
        _put(ws, i, 2, value, fmt)
    _fit_columns(ws, {1: (12, 20), 2: (20, 70)}, wrap={2})
    for i in range(2, len(rows) + 2):  # numbers sit left, under the texts
        ws.cell(i, 2).alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
    print_layout(ws, landscape=False)


def write_scored_workbook(ev, path: str | Path) -> Path:
    """Write the scored form (评分, 复核发现, 概况) as an .xlsx for people."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.properties.creator = "selfeval"
    wb.properties.title = f"{ev.form.project_name} {ev.form.year}年 绩效自评复核"
    _scores_sheet(wb, ev)
    _findings_sheet(wb, ev)
    _overview_sheet(wb, ev)
    return save_workbook(wb, path)


# --- a form as a workbook ------------------------------------------------------------------------

__all__ = ["write_scored_workbook"]
