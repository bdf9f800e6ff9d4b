"""自评表 as a Word attachment (.docx): its tables, merged cells expanded, into a grid.

Word stores a horizontal merge as one cell spanning grid columns (python-docx repeats the cell
for each column it covers) and a vertical merge as continuation cells (python-docx returns the
top cell again). The first occurrence keeps the text; the covered cells read blank, as in a
spreadsheet export.

A cell's text is what Word shows with tracked changes accepted: text inside insertions, content
controls, fields and hyperlinks is read (python-docx's `paragraph.text` drops it), deleted text and
hidden runs (`w:vanish`) are not; what was accepted or left out is noted.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter

from selfeval.errors import FormError, Problem
from selfeval.layouts.reader import Grid
from selfeval.loaders.limits import check_cells
from selfeval.loaders.tables import Table, cell_text, choose_form_table

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FALSE = {"0", "false", "off"}


def _on(element) -> bool:
    """A Word on/off property: present, and not switched off by w:val."""
    return element is not None and str(element.get(f"{W}val", "true")).lower() not in _FALSE


def _paragraphs(tc):
    """A cell's own paragraphs, including those inside content controls (not nested tables')."""
    for child in tc.iterchildren():
        if child.tag == f"{W}p":
            yield child
        elif child.tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                yield from _paragraphs(content)


def paragraph_text(p, seen: Counter) -> str:
    """The text Word shows for a paragraph: every run's w:t (insertions, content controls, simple
    fields and hyperlinks included), tabs and breaks; hidden runs left out (counted in `seen`)."""
    out: list[str] = []
    for r in p.iter(f"{W}r"):
        if _on(r.find(f"{W}rPr/{W}vanish")):
            if "".join(t.text or "" for t in r.iter(f"{W}t")).strip():
                seen["隐藏文字"] += 1
            continue
        ancestors = {a.tag for a in r.iterancestors()}
        if f"{W}ins" in ancestors:
            seen["修订插入（已接受）"] += 1
        if f"{W}del" in ancestors:  # deleted text is w:delText; nothing of it is read
            continue
        for child in r:
            if child.tag == f"{W}t":
                out.append(child.text or "")
            elif child.tag in (f"{W}tab", f"{W}ptab"):
                out.append(" ")
            elif child.tag in (f"{W}br", f"{W}cr"):
                out.append("\n")
    return "".join(out)


MAX_WORD_COLUMNS = 63  # Word's own limit on a table's columns
_GRID_SPAN = re.compile(rb'<w:gridSpan\s+w:val="(\d{1,12})"')


def _refuse_declarations(data: bytes, source: str) -> None:
    """Refuse a part that declares a DTD or entities: Word never writes one, and nested entities
    are how an XML bomb grows (libxml2 stops it, but with a traceback and no place)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                if info.filename.endswith((".xml", ".rels")):
                    with zf.open(info) as part:
                        head = part.read(8192)  # a declaration can only stand before the root element
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        raise FormError([Problem(source, info.filename, "XML", "a DTD or entity declaration",
                                                 "a Word .docx document (Word writes no DTD)")])
                if info.filename == "word/document.xml":
                    # python-docx walks a cell's span one grid column at a time: a span of a million
                    # takes seconds per cell; Word's tables have at most 63 columns
                    spans = [int(v) for v in _GRID_SPAN.findall(zf.read(info))]
                    if spans and max(spans) > MAX_WORD_COLUMNS:
                        raise FormError([Problem(source, info.filename, "table", f"a cell spanning {max(spans)} columns",
                                                 f"a Word table of at most {MAX_WORD_COLUMNS} columns")])
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        return  # python-docx says what is wrong with the package itself


def docx_tables(data: bytes, source: str, notes: list[str] | None = None) -> list[Table]:
    """Every table of the document body, in order, as rows of the cell texts Word shows; what
    was accepted or left out is appended to `notes`."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    _refuse_declarations(data, source)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise FormError([Problem(source, "", "file", f"not a readable .docx ({exc})",
                                 "a Word .docx document")]) from None
    except etree.XMLSyntaxError as exc:  # libxml2 stopped it (a broken part): say where
        raise FormError([Problem(source, f"line {exc.lineno}, column {exc.offset}", "XML",
                                 f"not well-formed XML ({exc.msg})", "a Word .docx document")]) from None
    seen: Counter[str] = Counter()
    out: list[Table] = []
    for n, table in enumerate(document.tables, start=1):
        check_cells(len(table.rows) * len(table.columns), source, f"table {n}")
        name = f"table {n}"
        done: set = set()  # the cells' XML elements (held, so their identity stays theirs)
        rows: list[list[str]] = []
        try:
            for row in table.rows:
                cells = [""] * row.grid_cols_before  # a row that starts right of the grid's edge
                for cell in row.cells:
                    tc = cell._tc
                    text = "\n".join(paragraph_text(p, seen) for p in _paragraphs(tc))
                    cells.append("" if tc in done else cell_text(text))
                    done.add(tc)
                rows.append(cells)
        except ValueError as exc:  # python-docx refuses some broken merges (a vMerge in the first row)
            raise FormError([Problem(source, name, "table", f"merged cells Word cannot lay out ({exc})",
                                     "a table that opens in Word; save it again there")]) from None
        out.append(Table(name, rows, [f"{name}, row {i}" for i in range(1, len(rows) + 1)]))
    if notes is not None:
        notes.extend(f"Word文档：{what} {k}处" for what, k in sorted(seen.items()))
    return out


def docx_to_grid(data: bytes, source: str) -> tuple[Grid, str, list[str]]:
    """The form's table in a Word document, which table it was, and the reading notes."""
    notes: list[str] = []
    grid, which = choose_form_table(docx_tables(data, source, notes), source, "document")
    return grid, which, notes


__all__ = ["docx_tables", "docx_to_grid", "paragraph_text"]
