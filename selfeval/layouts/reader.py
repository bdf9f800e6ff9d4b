"""The reader every layout parses with: the grid, label folding, header rows and table rows.

A `Grid` is a sheet as rows of cell texts (text export, workbook, later HTML/Word/PDF tables).
Layouts never compare raw cell text: they compare *folded* labels (`label_key`, `header_key`), so full/half width,
spaces, colons, `(A)` / `(B/A)` markers, units in brackets and `(70分)`-style points do not matter.
Numbers are never folded (values.parse_decimal keeps its stricter rules).

Label words live in `data/labels.yaml` (and a user's layout file, `userlabels`), never in code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from selfeval.form.labels import LABELS
from selfeval.form.values import normalize, parse_decimal

# Invisible characters a copy from a web page or PDF leaves inside labels.
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# A trailing bracket that qualifies a header: a unit, a column letter, points.
_QUALIFIER = re.compile(r"\((?:万元|元|亿元|%|分|[A-Za-z]+(?:/[A-Za-z]+)?|[A-Za-z]?\d+(?:\.\d+)?分)\)$")
_POINTS = re.compile(r"\((\d+(?:\.\d+)?)分\)")


@dataclass
class Grid:
    """Rows of cell texts with the source row numbers a user would look up."""

    rows: list[list[str]]
    numbers: list[int]
    source: str
    unit: str = "line"  # "line" for text exports, "row" for sheets
    # Where each row is, when a row number alone does not say it: "table 2, row 5" (HTML, Word),
    # "page 2, table 1, row 3" (PDF).
    places: list[str] | None = None

    def filled(self, i: int) -> list[tuple[int, str]]:
        """The non-blank cells of row `i` as (column, text) pairs."""
        return [(j, c) for j, c in enumerate(self.rows[i]) if normalize(c)]

    def where(self, i: int, col: int | None = None) -> str:
        base = self.places[i] if self.places is not None else f"{self.unit} {self.numbers[i]}"
        return base if col is None else f"{base}, column {col + 1}"

    def cell(self, i: int, j: int | None) -> str:
        row = self.rows[i]
        return row[j] if j is not None and 0 <= j < len(row) else ""

    def walk(self, start: int = 0):
        """The table walker every layout reads with: (index, row, non-blank cells) of each row from
        `start` on, blank rows passed over (a page break leaves them inside tables)."""
        for i in range(start, len(self.rows)):
            cells = self.filled(i)
            if cells:
                yield i, self.rows[i], cells

    def keys(self) -> set[str]:
        """Every non-blank cell's folded label."""
        return {header_key(c) for row in self.rows for c in row if c and c.strip()}


def header_fields(head: dict) -> dict:
    """The form fields a layout's header block gives (名称, 年度, 主管部门, 实施单位), as `Form` takes them."""
    return {"project_name": str(head["project_name"]), "year": int(head["year"]),
            "department": head.get("department"), "implementing_unit": head.get("implementing_unit")}


def strip_invisible(grid: Grid) -> list[str]:
    """Remove zero-width and bidi characters from every cell (a copy from a web page or PDF
    leaves them, and 资金到位率 with one inside is another name), saying where each was."""
    notes = []
    for i, row in enumerate(grid.rows):
        for j, cell in enumerate(row):
            if cell and INVISIBLE.search(cell):
                row[j] = INVISIBLE.sub("", cell)
                notes.append(invisible_note(grid.where(i, j), cell))
    return notes


def invisible_note(where: str, text: str) -> str:
    """The provenance note for invisible characters removed from `text` at `where`."""
    found = sorted({f"U+{ord(ch):04X}" for ch in INVISIBLE.findall(text)})
    return f"{where}：删除不可见字符 {'、'.join(found)}（“{INVISIBLE.sub('', text)[:20]}”）"


_KEYS: dict[str, str] = {}


def label_key(text: str) -> str:
    """The one folding of a cell for matching against labels: NFKC-normalised, no spaces, no
    trailing colon, no invisible characters (cached: labels repeat on every form)."""
    k = _KEYS.get(text)
    if k is None:
        k = _KEYS[text] = normalize(INVISIBLE.sub("", text)).replace(" ", "").rstrip(":")
    return k


def header_key(text: str) -> str:
    """A header cell as matched: `label_key` without trailing qualifiers such as (万元), (A), (B/A),
    (%), (70分) — so 全年预算数(A) is 全年预算数 and 产出指标(70分) is 产出指标."""
    k = label_key(text)
    while True:
        stripped = _QUALIFIER.sub("", k)
        if stripped == k:
            return k
        k = stripped


def points(text: str) -> Decimal | None:
    """The points a label states, `产出指标(70分)` → 70, else None."""
    m = _POINTS.search(label_key(text))
    return Decimal(m.group(1)) if m else None


def is_number(text: str) -> bool:
    try:
        parse_decimal(text)
        return True
    except ValueError:
        return False


def words(labels: list[str] | str) -> frozenset[str]:
    """A synonym list as folded keys (cached: the same lists are asked for on every row)."""
    return _words(labels if isinstance(labels, str) else tuple(labels))


@lru_cache(maxsize=512)
def _words(labels: str | tuple[str, ...]) -> frozenset[str]:
    return frozenset(header_key(w) for w in ((labels,) if isinstance(labels, str) else labels))


def assign_columns(row: list[str], synonyms: dict[str, list[str]], skip: tuple[str, ...] = ()) -> dict[str, int]:
    """Column roles of a header row: field → column, first match wins, each column one field."""
    roles = {f: words(ws) for f, ws in synonyms.items() if f not in skip}
    cols: dict[str, int] = {}
    for j, c in enumerate(row):
        if not c or not c.strip():
            continue
        k = header_key(c)
        for f, ws in roles.items():
            if f not in cols and k in ws:
                cols[f] = j
                break
    return cols


def missing_column(field_words: list[str], row: list[str], claimed: set[int]) -> str:
    """What a header row lacks, for the error: the field's labels, the headers no field claimed,
    and the known label nearest each of them (a template's own word for the field, most likely)."""
    from difflib import SequenceMatcher

    known = [header_key(w) for w in field_words]
    spare = [c.strip() for j, c in enumerate(row) if c and c.strip() and j not in claimed]
    text = f"a column {field_words[0]}" + (f" (or {', '.join(field_words[1:4])})" if len(field_words) > 1 else "")
    if not spare:
        return text + "; every header here is another field's"
    near = []
    for head in spare:
        score, word = max((SequenceMatcher(None, header_key(head), k).ratio(), k) for k in known)
        if score >= 0.5:
            near.append(f"{head} ≈ {word}")
    text += f"; headers no field claims: {'、'.join(spare)}"
    if near:
        text += f"; nearest known label: {'；'.join(near)} (if it is that column, add the word in a layout file, " \
                "docs/layouts.md)"
    return text


# --- rows a table walker passes over ----------------------------------------------------------

# Keyed by the mapping's id, holding the mapping itself so the id cannot be reused while cached.
_ROWS: dict[int, tuple[dict, tuple[list[re.Pattern], tuple[str, ...]]]] = {}


def _table_rows(labels: dict) -> tuple[list[re.Pattern], tuple[str, ...]]:
    """The compiled placeholder patterns and note words of a labels mapping (cached per mapping)."""
    held = _ROWS.get(id(labels))
    if held is None:
        if len(_ROWS) > 32:  # layout files make a mapping per use: keep the cache small
            _ROWS.clear()
        spec = labels["table_rows"]
        held = _ROWS[id(labels)] = (labels, ([re.compile(p) for p in spec["placeholders"]],
                                             tuple(header_key(w) for w in spec["notes"])))
    return held[1]


def is_placeholder(name: str, labels: dict = LABELS) -> bool:
    """A template row left in the table: 指标1, 指标2, ……, 如:…, xxx."""
    k = label_key(name)
    return not k or any(p.fullmatch(k) for p in _table_rows(labels)[0])


def is_note(first_cell: str, labels: dict = LABELS) -> bool:
    """A row under the table that is not data: 说明, 注:…, 填报人, 联系电话, 审核人."""
    k = label_key(first_cell)
    return any(k == n or k.startswith(n + ":") or (len(n) > 1 and k.startswith(n))
               for n in _table_rows(labels)[1])


_DATE_IN_TEXT = re.compile(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})")
FILLED_ON_ROWS = 8  # the 填报日期 stands in a form's first rows


def filled_on(grid: Grid, labels: dict = LABELS):
    """The 填报日期 a form states in its first rows (label and date in one cell or the next), or
    None; a date that cannot be is None too (the check needs a real date)."""
    import datetime as dt

    names = [label_key(w) for w in labels["filled_on_labels"]]
    for row in grid.rows[:FILLED_ON_ROWS]:
        for j, cell in enumerate(row):
            k = label_key(cell)
            name = next((n for n in names if n in k), None)
            if name is None:
                continue
            rest = [k.split(name, 1)[1], *(label_key(c) for c in row[j + 1:j + 3])]
            for text in rest:
                m = _DATE_IN_TEXT.search(text)
                if m:
                    try:
                        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                    except ValueError:
                        return None
    return None


__all__ = [
    "Grid",
    "assign_columns",
    "filled_on",
    "header_fields",
    "header_key",
    "invisible_note",
    "is_note",
    "is_number",
    "is_placeholder",
    "label_key",
    "missing_column",
    "points",
    "strip_invisible",
    "words",
]
