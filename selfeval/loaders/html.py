"""自评表 published on a web page: the `<table>` that is the form, into a grid.

Government sites write the form as one table (sometimes several, or inside a layout table), with
`rowspan` / `colspan` merges and `&nbsp;` in blank cells. Each table is read with its own rows
(a table inside a cell is a table of its own); merged cells are expanded as a spreadsheet export
writes them; the table a layout claims is the form, and the provenance says which it was.
"""

from __future__ import annotations

from ..errors import FormError, Problem
from ..layouts.reader import Grid
from .tables import Span, Table, cell_text, choose_form_table, expand

MAX_SPAN = 200  # a rowspan / colspan larger than any form is hostile or broken: clipped


def _span(value: object) -> int:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return 1
    return min(max(n, 1), MAX_SPAN)


def html_tables(text: str, source: str) -> list[Table]:
    """Every table of a page that holds no other table, as rows of expanded cell texts."""
    from bs4 import BeautifulSoup

    # lxml parses as browsers do (an omitted </td> or </tr> ends where HTML says it does)
    soup = BeautifulSoup(text, "lxml")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    out: list[Table] = []
    for n, table in enumerate(soup.find_all("table"), start=1):
        # Every table is a candidate with its own rows (not those of a table inside it): a layout
        # table around the form holds one cell of everything, which no layout claims.
        spans: list[list[Span]] = []
        for tr in table.find_all("tr"):
            if tr.find_parent("table") is not table:
                continue
            spans.append([Span(cell_text(td.get_text()), _span(td.get("rowspan", 1)), _span(td.get("colspan", 1)))
                          for td in tr.find_all(["td", "th"], recursive=False)])
        name = f"table {n}"
        rows = expand(spans, source, name)
        out.append(Table(name, rows, [f"{name}, row {i}" for i in range(1, len(rows) + 1)]))
    return out


def html_to_grid(text: str, source: str) -> tuple[Grid, str]:
    """The form's table on a page; `FormError` naming the tables seen when none is a form."""
    tables = html_tables(text, source)
    if not tables:
        raise FormError([Problem(source, "", "file", "a web page without a <table>",
                                 "a page that publishes the 自评表 as a table")])
    return choose_form_table(tables, source, "page")


__all__ = ["html_tables", "html_to_grid"]
