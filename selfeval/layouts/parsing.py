"""What the layouts' parsers share: one error collector, and the parts of a 自评表 both templates
have (the category a 一级 cell names, the narrative sections under the table).

A parser collects every problem of a form (each naming its cell) before refusing it, and reads a
value cell it cannot parse as not stated (`degrade`), so one bad cell never sinks a form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from selfeval.errors import Problem
from selfeval.form.labels import LABELS
from selfeval.form.model import Category, Narrative
from selfeval.layouts.reader import Grid, label_key

#: Points printed in a category cell: 产出指标(70分).
FULL_MARKS = re.compile(r"\((\d+(?:\.\d+)?)分\)")


def category_of(text: str, labels: dict = LABELS) -> Category | None:
    """The category a 类别 / 一级指标 cell names (产出目标, 效益指标, 产出指标(70分) …), else None."""
    k = label_key(text)
    k = FULL_MARKS.sub("", k)
    for suffix in ("目标", "指标", "类"):
        if k.endswith(suffix) and len(k) > len(suffix):
            k = k[: -len(suffix)]
            break
    for cat, words in labels["categories"].items():
        if k in words:
            return Category(cat)
    return None


@dataclass
class GridParser:
    """The state every layout's parser keeps while it reads one grid."""

    grid: Grid
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how ambiguous cells were read
    degraded: list[str] = field(default_factory=list)  # value cells read as not stated
    L: dict = field(default_factory=lambda: LABELS)  # the labels it reads with (a layout file adds words)

    def problem(self, i: int | None, col: int | None, what: str, seen: str, expected: str) -> None:
        """A problem that refuses the form, naming its cell."""
        where = "" if i is None else self.grid.where(i, col)
        self.problems.append(Problem(self.grid.source, where, what, seen, expected))

    def degrade(self, i: int, j: int | None, what: str, seen: str, expected: str) -> None:
        """A value cell that cannot be read: the form still loads, the value counts as not stated."""
        self.degraded.append(f"{self.grid.where(i, j)}: {what}：“{seen.strip()}”，应为{expected}")

    def rows(self, start: int = 0, stop: int | None = None):
        """(index, row) from `start` to `stop` (the end)."""
        rows = self.grid.rows
        for i in range(start, len(rows) if stop is None else min(stop, len(rows))):
            yield i, rows[i]

    def find(self, pred, start: int = 0, stop: int | None = None) -> tuple[int, int] | None:
        """The first cell from row `start` whose folded label satisfies `pred`."""
        for i, row in self.rows(start, stop):
            for j, c in enumerate(row):
                if c and pred(label_key(c)):
                    return i, j
        return None

    # -- narrative -------------------------------------------------------------------------------
    def narrative(self, start: int) -> Narrative:
        labels = {label_key(v): fld for fld, v in self.L["narrative"].items()}
        headings = {label_key(h) for h in self.L["headings"]}
        footnotes = tuple(label_key(p) for p in self.L["footnote_prefixes"])
        parts: dict[str, list[str]] = {}
        current: str | None = None
        for k in range(start, len(self.grid.rows)):
            cells = [c.strip() for c in self.grid.rows[k] if c.strip()]
            if not cells:
                continue  # a page break leaves blank rows inside a section
            key = label_key(cells[0])
            fld = labels.get(key)
            if fld is None:
                for lbl, f in labels.items():
                    if key.startswith(lbl + ":"):
                        fld = f
                        cells = [cells[0].split("：", 1)[-1].split(":", 1)[-1], *cells[1:]]
                        break
                else:
                    if fld is None and key in labels:
                        fld = labels[key]
            if fld is not None:
                current = fld
                parts[fld] = [] if key in labels else [cells[0]]
                parts[fld].extend(cells[1:])
            elif key in headings:
                current = None
            elif key.startswith(footnotes):
                parts["footnote"] = ["".join(cells)]
                current = None
            elif current is not None:
                # A page break splits a sentence: the pieces join with no separator.
                parts[current].append("".join(cells))
        return Narrative(**{fld: "".join(p) or None for fld, p in parts.items()})


def read_narrative(grid: Grid, start: int, labels: dict = LABELS) -> Narrative:
    """The narrative sections (项目概况 …) from row `start` on."""
    return GridParser(grid, L=labels).narrative(start)
