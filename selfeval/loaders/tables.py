"""Tables from published documents (HTML pages, Word files, PDFs) into the grid every layout reads.

Departments publish their 自评表 as tables with merged cells. A reader turns each table into rows of
cell texts with merged cells expanded the way a spreadsheet export writes them — the value in the
first cell, the cells it covers blank — so the text-export reading applies unchanged. This module
holds what the three readers share: `Table` (rows plus where each came from), `expand` (merged
cells → a rectangular grid), `choose_form_table` (which table of several is the form: the one a
layout claims; several tables that together make the form; else a refusal naming every table seen)
and `drop_repeated_headers` (a table continued on the next page repeats its header rows).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from selfeval.errors import FormError, Problem
from selfeval.form.labels import LABELS
from selfeval.form.values import normalize
from selfeval.layouts import THRESHOLD, detect
from selfeval.layouts.reader import Grid, label_key
from selfeval.loaders.limits import check_cells

_SPACE = re.compile(r"\s+")


def cell_text(text: str | None) -> str:
    """A cell's text as a spreadsheet would hold it: &nbsp; and line breaks folded, trimmed.
    Lines that wrap inside a cell join without a space (Chinese text has none between words)."""
    if not text:
        return ""
    lines = [_SPACE.sub(" ", line.replace("\xa0", " ")).strip() for line in str(text).splitlines()]
    return "".join(x for x in lines if x)


@dataclass
class Span:
    """One cell as a document states it: its text and how many rows / columns it covers."""

    text: str
    rows: int = 1
    cols: int = 1


@dataclass
class Table:
    """A table's rows of cell texts, and a name for each row that a user can find it by."""

    name: str  # "table 2", "page 1, table 1", "pages 1–3, table 1"
    rows: list[list[str]]
    places: list[str] = field(default_factory=list)
    pages: tuple[int, int] | None = None  # first and last page (PDF)

    def summary(self) -> str:
        width = max((len(r) for r in self.rows), default=0)
        first = next((c for r in self.rows for c in r if c.strip()), "")
        return f"{self.name} ({len(self.rows)}×{width}: “{first[:20]}”)"


def expand(spans: list[list[Span]], source: str = "", where: str = "") -> list[list[str]]:
    """Rows of `Span`s (HTML rowspan/colspan, Word gridSpan/vMerge) → rows of texts in which a
    merged cell's value stands in its first cell and the cells it covers are blank. A table of
    more cells than the limit (`limits`) is refused before it is built."""
    # every cell a span covers counts: rowspan × colspan (a 36 KB page can ask for 40 million)
    check_cells(sum(max(s.cols, 1) * max(s.rows, 1) for row in spans for s in row), source, where)
    out: list[list[str]] = []
    covered: set[tuple[int, int]] = set()  # (row, col) taken by a rowspan from above
    for i, row in enumerate(spans):
        cells: list[str] = []
        queue = list(row)
        while queue or (i, len(cells)) in covered:
            j = len(cells)
            if (i, j) in covered:
                covered.discard((i, j))
                cells.append("")
                continue
            span = queue.pop(0)
            for dj in range(max(span.cols, 1)):
                cells.append(span.text if dj == 0 else "")
                covered.update((i + di, j + dj) for di in range(1, max(span.rows, 1)))
        out.append(cells)
    # a rowspan reaching past the last row adds no rows (browsers do the same)
    width = max((len(r) for r in out), default=0)
    return [r + [""] * (width - len(r)) for r in out]


def drop_repeated_headers(table: Table, header_rows: int, skipped: list[str]) -> None:
    """Remove rows that repeat the table's first `header_rows` rows (a table continued across
    pages prints them again), noting each in `skipped`."""
    if header_rows <= 0 or len(table.rows) <= header_rows:
        return
    heads = [tuple(normalize(c) for c in r) for r in table.rows[:header_rows]]
    keep_rows, keep_places = table.rows[:header_rows], table.places[:header_rows]
    for row, place in zip(table.rows[header_rows:], table.places[header_rows:], strict=True):
        if tuple(normalize(c) for c in row) in heads and any(c.strip() for c in row):
            skipped.append(f"{place}: {' '.join(c for c in row if c.strip())[:40]}（续页重复的表头）")
            continue
        keep_rows.append(row)
        keep_places.append(place)
    table.rows, table.places = keep_rows, keep_places


@cache
def _form_words() -> frozenset[str]:
    """Every label word a layout reads (headers, blocks, indicator columns, narrative sections)."""

    found: set[str] = set()

    def walk(value) -> None:
        if isinstance(value, str):
            k = label_key(value)
            if len(k) >= 2:
                found.add(k)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
            for k in value:
                if isinstance(k, str) and len(label_key(k)) >= 2 and not k.isascii():
                    found.add(label_key(k))
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for section in ("header", "money_blocks", "sub_items", "indicator_table", "narrative", "headings",
                    "suzhou_landmarks", "national"):
        walk(LABELS[section])
    return frozenset(found)


def _has_form_words(table: Table) -> bool:
    """Whether a table carries a 自评表's labels (a part of a split form), not navigation."""

    words = _form_words()
    for row in table.rows:
        for c in row:
            k = label_key(c) if c else ""
            if k and (k in words or any(k.startswith(w) for w in words if len(w) >= 4)):
                return True
    return False


def grid_of(tables: list[Table], source: str) -> Grid:
    """One grid of the tables' rows, in order, each row named by its table and row."""
    rows = [r for t in tables for r in t.rows]
    places = [p for t in tables for p in t.places]
    return Grid(rows=rows, numbers=list(range(1, len(rows) + 1)), source=source, unit="row", places=places)


FORM_ROWS = 8  # fewer rows than a form's header, funds block and indicators: not a second form


def choose_form_table(tables: list[Table], source: str, what: str) -> tuple[Grid, str]:
    """The grid of the table a layout claims (the most confident one), or of all tables together
    when the form is split across several; `FormError` naming every table seen otherwise.
    Returns the grid and which table(s) it is, for the provenance and `inspect`."""

    tables = [t for t in tables if any(c.strip() for r in t.rows for c in r)]
    if not tables:
        raise FormError([Problem(source, "", "table", f"no table in this {what}",
                                 "a 自评表 published as a table (a scan without a text layer cannot be read)")])
    scored = []
    for t in tables:
        conf = max(d.confidence for _, d in detect(grid_of([t], source)))
        filled = sum(1 for r in t.rows for c in r if c.strip())
        scored.append((conf, filled, t))  # equally sure: the table of more cells (not a layout table's one)
    best_conf, _, best = max(scored, key=lambda p: (p[0], p[1]))
    if best_conf >= THRESHOLD:
        # A form split over tables (header, funds, indicators, narrative): the neighbours that
        # carry a form's labels are read with it, in order; navigation and attachments are not.
        i = j = tables.index(best)
        while i > 0 and _has_form_words(tables[i - 1]):
            i -= 1
        while j + 1 < len(tables) and _has_form_words(tables[j + 1]):
            j += 1
        # a second complete form elsewhere in the source: never a silent pick of the first. A
        # page-layout table around the form claims it too (its cells hold the form's text in a few
        # rows): a form is a table of its own rows, at least FORM_ROWS of them.
        best_filled = sum(1 for r in best.rows for c in r if c.strip())
        others = [t for conf, filled, t in scored if conf >= THRESHOLD and t is not best
                  and not i <= tables.index(t) <= j and len(t.rows) >= FORM_ROWS
                  and filled * 10 >= best_filled * 3]
        if others:
            names = "、".join(t.name for t in [best, *others])
            raise FormError([Problem(source, "", "table", f"two 自评表 in this {what}: {names}",
                                     "one form per file (save each form's table as a file of its own)")])
        if i == j:
            return grid_of([best], source), f"{best.name}（共{len(tables)}个表）"
        return grid_of(tables[i:j + 1], source), f"{tables[i].name}–{tables[j].name} 合读（共{len(tables)}个表）"
    joined = grid_of(tables, source)
    if len(tables) > 1 and max(d.confidence for _, d in detect(joined)) >= THRESHOLD:
        return joined, f"{tables[0].name}–{tables[-1].name} 合读（表单分在{len(tables)}个表中）"
    seen = "; ".join(t.summary() for t in tables)
    raise FormError([Problem(source, "", "table", f"no 自评表 among the tables of this {what}: {seen}",
                             "a table with a 自评表's labels (项目名称, 年度资金总额 or 预算执行情况, 三级指标 or 指标名称)")])


__all__ = ["Span", "Table", "cell_text", "choose_form_table", "drop_repeated_headers", "expand", "grid_of"]
