"""The 复核意见书: the review as a Word document a bureau can sign and send.

It is made from the same `ReportContext` as the HTML report. The verdict, the main problems and
what is left to decide are the words of the report's own summary, so the two never disagree. It
holds:

- a cover: 文号, title, project, unit, year and date;
- 复核依据, 复核方式 and 复核结论 (settled or provisional, with the range where items are
  pending);
- the score table, the problems by cause with their figures, 整改要求 with a deadline and how to
  report back, the reviewer's decisions and what is still to decide;
- an approval block: 复核人, 审核人 and 负责人, with dates.

A field a person fills (文号, 审核人, 负责人, 整改期限) comes from the params file (`document_number`,
`checker`, `approver`, `rectify_by`). Where a field is absent, the document leaves a blank to sign
or fill. Finding codes stay out of it: the reviewer reads Chinese. The wording is data, in
`data/narrative.yaml` under `opinion`.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from bs4 import BeautifulSoup

from selfeval.assess.evaluation import Evaluation
from selfeval.files import FIXED_TIME, fixed_zip_times, write_document
from selfeval.form.labels import category_name
from selfeval.form.values import show_number, show_range, show_score, show_signed
from selfeval.report import conclusion, sections
from selfeval.report.context import ReportContext
from selfeval.report.wording import KEEP_ROWS, spec

BLANK = "＿＿＿＿＿＿"  # a place to fill by hand
BODY_FONT, HEADING_FONT = "宋体", "黑体"


def _words() -> dict:
    return spec()["opinion"]


def _summary(ctx: ReportContext) -> BeautifulSoup:
    return BeautifulSoup(sections.summary_html(ctx), "html.parser")


def verdict_text(ctx: ReportContext) -> str:
    """The verdict sentence, word for word as the report's summary says it."""
    text = " ".join(_summary(ctx).select_one("#se-verdict").get_text().split())
    return re.sub(r"(?<=[；，。：（）])\s+|\s+(?=[；，。（）])", "", text)  # HTML line breaks, not words


def _east_asian(run_or_style, font: str) -> None:
    from docx.oxml.ns import qn

    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), font)


def _setup(doc) -> None:
    from docx.shared import Cm, Pt

    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    section.top_margin = section.bottom_margin = Cm(2.54)
    section.left_margin = section.right_margin = Cm(2.8)
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    _east_asian(normal, BODY_FONT)
    for name in ("Title", "Heading 1", "Heading 2"):
        style = doc.styles[name]
        style.font.name = "Times New Roman"
        _east_asian(style, HEADING_FONT)
    doc.core_properties.created = doc.core_properties.modified = FIXED_TIME
    doc.core_properties.last_modified_by = doc.core_properties.author = "selfeval"
    doc.core_properties.revision = 1


def _heading(doc, text: str, level: int = 1):
    h = doc.add_heading(text, level=level)
    for run in h.runs:
        _east_asian(run, HEADING_FONT)
    return h


def _table(doc, header: list[str], rows: list[list[str]], widths: list[float] | None = None):
    from docx.shared import Cm

    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    if widths:  # Word and LibreOffice read the grid's and each cell's width: both are set
        table.autofit = False
        for col, w in zip(table.columns, widths, strict=True):
            col.width = Cm(w)
        for row in table.rows:
            for cell, w in zip(row.cells, widths, strict=True):
                cell.width = Cm(w)
    _keep_together(table)
    return table


def _keep_together(table) -> None:
    """A small table stays on one page: each of its rows is kept with the next."""
    if len(table.rows) <= KEEP_ROWS:
        for row in table.rows[:-1]:
            for cell in row.cells:
                for p in cell.paragraphs:
                    p.paragraph_format.keep_with_next = True


def _score_rows(ev: Evaluation) -> list[list[str]]:
    claimed, words = ev.self_claimed, _words()["table"]
    pending = words["pending"]
    rows = []
    if ev.budget_score is not None:
        bs, own = ev.budget_score, ev.form.budget_self_score
        weight = ev.ruleset.budget_score.weight if ev.ruleset.budget_score is not None else None
        rows.append([*words["budget"], show_score(weight) if weight is not None else "—",
                     show_score(own) if claimed else "—", pending if bs.score is None else show_score(bs.score),
                     show_signed(bs.score - own) if bs.score is not None and own is not None else ""])
    for r in ev.indicators:
        own, review = r.indicator.self_score, r.review.score
        rows.append([category_name(r.indicator.category.value), r.indicator.name, show_score(r.indicator.weight),
                     show_score(own) if own is not None else "—", pending if review is None else show_score(review),
                     show_signed(r.difference) if r.difference else ""])
    rows.append([words["total"], "", show_score(ev.full_marks), show_score(ev.self_total) if claimed else "—",
                 show_range(ev.review_low, ev.review_high), show_signed(ev.difference) if claimed and ev.difference
                 else ""])
    return rows


def _decisions(ev: Evaluation) -> list[str]:
    w = _words()["decisions"]
    out = []
    for d in ev.decisions:
        what = {"score": w["score"].format(subject=d.subject, score=show_number(d.score)),
                "weight": w["weight"].format(subject=d.subject, score=show_number(d.score)),
                "dismiss": w["dismiss"].format(subject=_finding_title(ev, d.subject))}[d.kind]
        out.append(w["line"].format(what=what, reviewer=d.reviewer, reason=d.reason))
    return out


def _finding_title(ev: Evaluation, code: str) -> str:
    return next((f.title for f in ev.findings if f.code == code), code)


def opinion_bytes(ctx: ReportContext) -> bytes:
    """The 复核意见书 of one project as .docx bytes that depend only on its content."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    ev, f, w = ctx.evaluation, ctx.evaluation.form, _words()
    doc = Document()
    _setup(doc)

    number = doc.add_paragraph(ctx.document_number or f"{w['number_label']}{BLANK}")
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    title = _heading(doc, w["title"].format(project=f.project_name, year=f.year), level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cover = w["cover"]
    _table(doc, cover["header"], [
        [cover["project"], f.project_name], [cover["department"], f.department or "—"],
        [cover["unit"], f.implementing_unit or "—"], [cover["year"], cover["year_text"].format(year=f.year)],
        [cover["date"], ctx.review_date or BLANK],
    ], widths=[3.5, 11.9])

    _heading(doc, w["basis"]["heading"])
    sources = "".join(w["basis"]["source"].format(source=s) for s in ev.ruleset.sources)
    doc.add_paragraph(w["basis"]["text"].format(ruleset=ev.ruleset.title, sources=sources))
    _heading(doc, w["method"]["heading"])
    doc.add_paragraph(w["method"]["text"])

    _heading(doc, w["verdict"]["heading"])
    doc.add_paragraph(verdict_text(ctx))
    doc.add_paragraph(conclusion.result_use(ev))

    _heading(doc, w["scores"]["heading"])
    _table(doc, w["table"]["header"], _score_rows(ev), widths=[2.0, 5.0, 2.0, 1.8, 2.9, 1.7])
    history = conclusion.year_over_year(ev)
    if history:  # the record holds the year before
        doc.add_paragraph(history)

    _heading(doc, w["problems"]["heading"])
    problems = conclusion.key_problems(ev)
    if not problems:
        doc.add_paragraph(w["problems"]["none"])
    for i, cause in enumerate(problems, 1):
        doc.add_paragraph(f"{i}. {cause.title}")
        for finding in cause.findings:
            if finding.dismissed is None and finding.severity != "info":
                doc.add_paragraph(f"{finding.title}：{finding.message}", style="List Bullet")

    _heading(doc, w["rectify"]["heading"])
    demands = conclusion.rectification(ev, ctx.rectify_by)
    if not demands:
        doc.add_paragraph(w["rectify"]["none"])
    for i, item in enumerate(demands, 1):
        doc.add_paragraph(f"{i}. {item.text}")

    _heading(doc, w["decided"]["heading"])
    decided = _decisions(ev)
    for line in decided or [w["decided"]["none"]]:
        doc.add_paragraph(line)
    _heading(doc, w["to_decide"]["heading"])
    for line in conclusion.to_decide(ev) or [w["to_decide"]["none"]]:
        doc.add_paragraph(line)
    if ctx.analyst_notes:
        _heading(doc, w["notes"]["heading"])
        for text in ctx.analyst_notes.split("\n"):
            if text.strip():
                doc.add_paragraph(text.strip())

    _heading(doc, w["approval"]["heading"])
    reviewer, checker, approver = w["approval"]["roles"]
    approval = _table(doc, w["approval"]["header"], [
        [reviewer, ctx.reviewer or "", "", ctx.review_date or ""],
        [checker, ctx.checker or "", "", ""],
        [approver, ctx.approver or "", "", ""],
    ], widths=[2.4, 4.2, 4.6, 4.2])
    for row in approval.rows[1:]:
        for cell in row.cells[1:]:
            if not cell.text:
                cell.text = "　"  # an empty cell keeps its height for a handwritten name
    doc.add_paragraph(w["approval"]["seal"]).alignment = WD_ALIGN_PARAGRAPH.RIGHT

    buf = io.BytesIO()
    doc.save(buf)
    return fixed_zip_times(buf.getvalue())


def write_opinion(ctx: ReportContext, path: str | Path) -> Path:
    """Write the 复核意见书 to `path` (.docx), whole or not at all."""
    return write_document(path, opinion_bytes(ctx), ".docx", "the 复核意见书")


__all__ = ["opinion_bytes", "verdict_text", "write_opinion"]
