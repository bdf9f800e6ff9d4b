"""Forms as published: the same form as a web page, a Word document and a PDF reads and reviews
exactly as its text export (and its .xlsx) does, provenance aside; pages without a form, scans
and broken files are refused naming what was seen.

The fixtures in tests/published/ are made by tests/published/make_fixtures.py from the text
exports (HTML with rowspan/colspan inside a layout table, .docx with merged cells, PDF printed
from the .docx by LibreOffice).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from selfeval.assess.checks import review
from selfeval.assess.choice import ruleset_for
from selfeval.errors import FormError
from selfeval.loaders import load_form
from selfeval.loaders.html import html_tables
from selfeval.loaders.tables import Span, expand
from selfeval.views.form_sheet import write_form_workbook

HERE = Path(__file__).resolve().parent
PUBLISHED = HERE / "published"
ROOT = HERE.parent
SOURCES = {
    "national_farmland": ROOT / "selfeval" / "examples" / "national_farmland.txt",
    "yunnan_yongde": HERE / "corpus" / "yunnan_2022_yongde_school_nutrition.txt",
    "suzhou_seed": ROOT / "selfeval" / "examples" / "seed.txt",
}
FORMATS = ("html", "docx", "pdf")


def _content(form) -> dict:
    return form.model_dump(exclude={"provenance"})


def _review(form) -> tuple:
    ev = review(form, ruleset_for(form))
    return (ev.self_total, ev.rescore_total, ev.review_total, ev.rating, ev.provisional,
            [(f.code, f.message) for f in ev.findings if not f.code.startswith("SE-READ-")],
            [(r.indicator.name, r.rescore.score, r.review.score) for r in ev.indicators])


@pytest.fixture(scope="module")
def originals() -> dict:
    return {name: load_form(path) for name, path in SOURCES.items()}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(SOURCES))
def test_a_published_form_reads_and_reviews_as_its_text_export(originals, name, fmt):
    original = originals[name]
    published = load_form(PUBLISHED / f"{name}.{fmt}")
    assert published.provenance.loader == fmt and published.provenance.table
    assert _content(published) == _content(original)
    assert _review(published) == _review(original)


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_and_as_its_workbook(originals, name, tmp_path):
    assert _review(load_form(write_form_workbook(originals[name], tmp_path / f"{name}.xlsx"))) == _review(
        originals[name])


def test_the_page_says_which_table_was_the_form():
    form = load_form(PUBLISHED / "national_farmland.html")
    # the layout table around it (table 1), the navigation table, the form, the attachments
    assert form.provenance.table == "table 3（共4个表）"
    assert form.provenance.encoding and "gb" in form.provenance.encoding.lower()


def test_a_pdf_across_pages_is_one_table_with_its_repeated_headers_listed():
    form = load_form(PUBLISHED / "suzhou_seed.pdf")
    assert form.provenance.table.startswith("pages 1–")
    repeats = [s for s in form.provenance.skipped if "续页重复的表头" in s]
    assert repeats and all(s.startswith("page ") for s in repeats)


def test_errors_name_the_page_table_and_row(tmp_path):
    text = (PUBLISHED / "national_farmland.html").read_bytes().decode("gb18030")
    broken = text.replace("<td>10</td>", "<td>十分</td>", 1)
    path = tmp_path / "broken.html"
    path.write_text(broken, encoding="utf-8")
    form = load_form(path)  # one value cell: loaded, not stated, named by table and row
    assert form.provenance.table and "table 3" in form.provenance.table
    [cell] = form.provenance.degraded
    assert cell.startswith("table 3, row ") or cell.startswith("row "), cell
    assert "“十分”" in cell


def test_a_page_without_a_form_lists_the_tables_it_saw(tmp_path):
    path = tmp_path / "news.html"
    path.write_text("<html><body><table><tr><td>通知</td><td>2024-01-02</td></tr></table>"
                    "<table><tr><th>附件</th></tr><tr><td>自评表.doc</td></tr></table></body></html>", encoding="utf-8")
    with pytest.raises(FormError) as err:
        load_form(path)
    message = str(err.value)
    assert "no 自评表 among the tables of this page: table 1 (1×2: “通知”); table 2 (2×1: “附件”)" in message
    path.write_text("<html><body><p>没有表格</p></body></html>", encoding="utf-8")
    with pytest.raises(FormError, match="a web page without a <table>"):
        load_form(path)


def test_a_scan_is_refused_no_ocr(tmp_path):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(595, 842)  # a page with no text layer, as a scanner's image-only page has
    path = tmp_path / "scan.pdf"
    pdf.save(str(path))
    with pytest.raises(FormError, match=r"a PDF without a text layer .*selfeval does no OCR"):
        load_form(path)


@pytest.mark.parametrize(("suffix", "message"), [(".pdf", "not a readable PDF"), (".docx", "not a readable .docx")])
def test_a_broken_file_is_refused_naming_it(tmp_path, suffix, message):
    path = tmp_path / f"broken{suffix}"
    path.write_bytes(b"this is not what the name says")
    with pytest.raises(FormError, match=message) as err:
        load_form(path)
    assert str(path) in str(err.value)


def test_merged_cells_expand_as_a_spreadsheet_export_writes_them():
    rows = expand([[Span("一级", rows=2), Span("标题", cols=2)], [Span("a"), Span("b")], [Span("c", cols=3)]])
    assert rows == [["一级", "标题", ""], ["", "a", "b"], ["c", "", ""]]


def test_nbsp_breaks_and_hostile_spans():
    page = ("<table><tr><td colspan='999999'>项目&nbsp;名称<br>续</td></tr>"
            "<tr><td rowspan='x'>a</td><td>b</td></tr></table>")
    rows = html_tables(page, "p.html")[0].rows
    assert rows[0][0] == "项目 名称续" and len(rows[0]) == 200  # a hostile colspan is clipped
    assert rows[1][:2] == ["a", "b"]  # an unreadable rowspan counts as 1


def test_a_web_page_saved_under_a_workbook_name_is_read_as_the_page(tmp_path, originals):
    path = tmp_path / "national_farmland.xls"  # many sites serve their HTML table as .xls
    path.write_bytes((PUBLISHED / "national_farmland.html").read_bytes())
    form = load_form(path)
    assert form.provenance.loader == "html" and any("内容是网页表格" in n for n in form.provenance.notes)
    assert _review(form) == _review(originals["national_farmland"])


def _page(*tables: list[list[str]]) -> str:
    def table(rows):
        return "<table>" + "".join("<tr>" + "".join(f"<td>{c or '&nbsp;'}</td>" for c in r) + "</tr>"
                                   for r in rows) + "</table>"
    nav = [["首页", "信息公开", "预决算公开"]]
    return "<html><body>" + table(nav) + "".join(table(t) for t in tables) + table([["附件：", "自评表.doc"]]) + \
        "</body></html>"


@pytest.mark.parametrize("name", ["national_farmland", "suzhou_seed"])
def test_a_form_split_over_tables_is_read_whole(tmp_path, originals, name):
    from selfeval.loaders.text import decode, text_to_grid

    text, _ = decode(SOURCES[name].read_bytes(), "x")
    rows = [r for r in text_to_grid(text, "x").rows if any(c.strip() for c in r)]
    cut = next(i for i, r in enumerate(rows) if any(c.strip() in ("三级指标", "指标名称") for c in r))
    for parts in ((rows[:cut], rows[cut:]), (rows[:cut], rows[cut:cut + 8], rows[cut + 8:])):
        path = tmp_path / f"{name}.html"
        path.write_text(_page(*parts), encoding="utf-8")
        form = load_form(path)
        assert "合读" in form.provenance.table
        assert _content(form) == _content(originals[name])


def test_a_span_bomb_is_refused_before_it_is_built(tmp_path):
    cells = "".join('<td rowspan="200" colspan="200">x</td>' for _ in range(1000))
    path = tmp_path / "bomb.html"
    path.write_text(f"<table><tr>{cells}</tr>{'<tr></tr>' * 199}</table>", encoding="utf-8")
    with pytest.raises(FormError, match="40000000 cells"):
        load_form(path)


def test_a_pdf_of_no_pages_says_so(tmp_path):
    import pypdfium2 as pdfium

    path = tmp_path / "empty.pdf"
    pdfium.PdfDocument.new().save(str(path))
    with pytest.raises(FormError, match="a PDF with no pages"):
        load_form(path)
