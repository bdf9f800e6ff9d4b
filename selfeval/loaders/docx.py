"""自评表 as a Word attachment (.docx): its tables, merged cells expanded, into a grid.

Word stores a horizontal merge as one cell spanning grid columns (python-docx repeats the cell
for each column it covers) and a vertical merge as continuation cells (python-docx returns the
top cell again). The first occurrence keeps the text; the covered cells read blank, as in a
spreadsheet export.
"""

from __future__ import annotations

import io
import zipfile

from ..errors import FormError, Problem
from ..layouts.reader import Grid
from ..limits import check_cells
from .tables import Table, cell_text, choose_form_table


def docx_tables(data: bytes, source: str) -> list[Table]:
    """Every table of the document body, in order, as rows of expanded cell texts."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise FormError([Problem(source, "", "file", f"not a readable .docx ({exc})",
                                 "a Word .docx document")]) from None
    out: list[Table] = []
    for n, table in enumerate(document.tables, start=1):
        check_cells(len(table.rows) * len(table.columns), source, f"table {n}")
        name = f"table {n}"
        seen: set = set()  # the cells' XML elements (held, so their identity stays theirs)
        rows: list[list[str]] = []
        try:
            for row in table.rows:
                cells = [""] * row.grid_cols_before  # a row that starts right of the grid's edge
                for cell in row.cells:
                    tc = cell._tc
                    cells.append("" if tc in seen else cell_text("\n".join(p.text for p in cell.paragraphs)))
                    seen.add(tc)
                rows.append(cells)
        except ValueError as exc:  # python-docx refuses some broken merges (a vMerge in the first row)
            raise FormError([Problem(source, name, "table", f"merged cells Word cannot lay out ({exc})",
                                     "a table that opens in Word; save it again there")]) from None
        out.append(Table(name, rows, [f"{name}, row {i}" for i in range(1, len(rows) + 1)]))
    return out


def docx_to_grid(data: bytes, source: str) -> tuple[Grid, str]:
    """The form's table in a Word document; `FormError` naming the tables seen otherwise."""
    return choose_form_table(docx_tables(data, source), source, "document")


__all__ = ["docx_tables", "docx_to_grid"]
