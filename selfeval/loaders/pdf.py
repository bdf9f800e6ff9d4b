"""自评表 as a PDF with a text layer: its ruled tables, across pages, into a grid.

pdfplumber finds each page's ruled tables; merged cells come back blank where they are covered,
and text that wraps inside a cell comes back as lines, joined again here. A form continued on the
next page is one table: the pages' tables are read in order, and header rows the continuation
repeats are passed over (and listed). A PDF without a text layer (a scan) is refused: selfeval
does no OCR.
"""

from __future__ import annotations

import io
import re

from selfeval.errors import FormError, Problem
from selfeval.layouts.reader import Grid
from selfeval.loaders.limits import check_cells, limit
from selfeval.loaders.tables import Table, cell_text, choose_form_table, drop_repeated_headers


def _check_content(page, source: str, number: int) -> None:
    """Refuse a page whose content streams unpack past SELFEVAL_MAX_PAGE_CONTENT_MB, inflating no
    further than that (a few KB of packed text can unpack to millions of characters, which take
    minutes and gigabytes to lay out). A form's page holds well under a megabyte."""
    import zlib

    from pdfminer.pdftypes import PDFStream, resolve1

    cap = limit("SELFEVAL_MAX_PAGE_CONTENT_MB") * 1024 * 1024
    total, paths = 0, 0
    for ref in page.page_obj.contents or []:
        stream = resolve1(ref)
        if not isinstance(stream, PDFStream):
            continue
        raw = stream.rawdata if stream.rawdata is not None else stream.data or b""
        filters = resolve1(stream.attrs.get("Filter")) or []
        filters = filters if isinstance(filters, list) else [filters]
        names = [getattr(f, "name", str(f)) for f in filters]
        if names[:1] == ["FlateDecode"]:
            inflate = zlib.decompressobj()
            try:
                content = inflate.decompress(raw, cap - total + 1)
            except zlib.error:
                continue  # a broken stream: pdfminer says what it makes of it
        else:
            content = raw
        total += len(content)
        paths += len(_PATH_OPERATOR.findall(content))
        if total > cap:
            raise FormError([Problem(source, f"page {number}", "content",
                                     f"more than {limit('SELFEVAL_MAX_PAGE_CONTENT_MB')} MB of drawing and text",
                                     "a form's page (SELFEVAL_MAX_PAGE_CONTENT_MB)")])
    # counted in the bytes, before pdfminer lays them out (which takes far longer per line)
    if paths > 2 * limit("SELFEVAL_MAX_PAGE_RULINGS"):  # a box or a line is one operator, a curve a few
        raise FormError([Problem(source, f"page {number}", "ruling", f"{paths} line and box drawing operations",
                                 f"a form's page of at most {limit('SELFEVAL_MAX_PAGE_RULINGS')} lines and boxes "
                                 "(SELFEVAL_MAX_PAGE_RULINGS)")])


# a path-drawing operator (a box, a line, a curve) standing alone in a content stream
_PATH_OPERATOR = re.compile(rb"(?<![^\s])(?:re|l|c|v|y)(?![^\s])")


def pdf_tables(data: bytes, source: str) -> tuple[list[Table], int]:
    """Every ruled table of every page, in order, and how many pages had any text at all; a PDF
    of no pages is refused."""
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except (PdfminerException, PDFSyntaxError, PSException, ValueError, KeyError) as exc:
        locked = "password" in repr(exc).lower()
        raise FormError([Problem(source, "", "file", "a password-protected PDF" if locked else
                                 f"not a readable PDF ({type(exc).__name__})", "a PDF with a text layer")]) from None
    out: list[Table] = []
    with pdf:
        if not pdf.pages:
            raise FormError([Problem(source, "", "file", "a PDF with no pages", "a PDF of the 自评表")])
        most = limit("SELFEVAL_MAX_PAGES")
        if len(pdf.pages) > most:
            raise FormError([Problem(source, "", "file", f"{len(pdf.pages)} pages",
                                     f"a form of at most {most} pages (raise SELFEVAL_MAX_PAGES if it is real)")])
        texted = 0
        for p, page in enumerate(pdf.pages, start=1):
            _check_content(page, source, p)  # before the page is parsed: its size bounds the work
            if page.chars:
                texted += 1
            rulings = len(page.rects) + len(page.lines) + len(page.curves)
            if rulings > limit("SELFEVAL_MAX_PAGE_RULINGS"):  # finding tables among them grows faster than their number
                raise FormError([Problem(source, f"page {p}", "ruling", f"{rulings} lines and boxes",
                                         f"a form's page of at most {limit('SELFEVAL_MAX_PAGE_RULINGS')} "
                                         "(SELFEVAL_MAX_PAGE_RULINGS)")])
            for n, rows in enumerate(page.extract_tables(), start=1):
                name = f"page {p}, table {n}"
                check_cells(sum(len(r) for r in rows), source, name)
                cells = [[cell_text(c) for c in row] for row in rows]
                out.append(Table(name, cells, [f"{name}, row {i}" for i in range(1, len(cells) + 1)], (p, p)))
    return out, texted


def _continued(tables: list[Table], skipped: list[str]) -> list[Table]:
    """Tables that continue one another (same width, on consecutive pages) joined into one; the
    header rows a continuation repeats are dropped."""
    if not tables:
        return tables
    joined = [tables[0]]
    for t in tables[1:]:
        last = joined[-1]
        width = max((len(r) for r in t.rows), default=0)
        same_width = width == max((len(r) for r in last.rows), default=0)
        if same_width and last.pages and t.pages and t.pages[0] == last.pages[1] + 1:
            pages = (last.pages[0], t.pages[1])
            joined[-1] = Table(f"pages {pages[0]}–{pages[1]}, table 1", last.rows + t.rows, last.places + t.places,
                               pages)
        else:
            joined.append(t)
    for t in joined:
        header = _header_rows(t)
        drop_repeated_headers(t, header, skipped)
    return joined


def _header_rows(table: Table) -> int:
    """How many leading rows a continued table repeats: the rows before its first repeat."""
    rows = [tuple(r) for r in table.rows]
    first = rows[0] if rows else None
    again = next((i for i in range(1, len(rows)) if rows[i] == first), None)
    if again is None:
        return 0
    n = 1
    while n < again and again + n < len(rows) and rows[again + n] == rows[n]:
        n += 1
    return n


def pdf_to_grid(data: bytes, source: str) -> tuple[Grid, str, list[str]]:
    """The form's table in a PDF, the table(s) read, and the repeated header rows passed over."""
    tables, texted = pdf_tables(data, source)
    if texted == 0:
        raise FormError([Problem(source, "", "file", "a PDF without a text layer (a scan?)",
                                 "a PDF whose text can be selected; selfeval does no OCR — ask for the "
                                 "Word or Excel original, or the text export")])
    skipped: list[str] = []
    joined = _continued(tables, skipped)
    grid, which = choose_form_table(joined, source, "PDF")
    return grid, which, skipped


__all__ = ["pdf_tables", "pdf_to_grid"]
