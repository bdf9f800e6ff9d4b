"""The report's wording kept as data (`data/narrative.yaml`): narrative templates per section,
causes, quality and rectification texts. Read once; the conclusion, the narrative and the params
check (which sections an override may name) all read it here."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

from selfeval.yamlio import load_yaml


@cache
def spec() -> dict[str, Any]:
    """`data/narrative.yaml`, read once."""
    return load_yaml(resources.files("selfeval").joinpath("data/narrative.yaml").read_text(encoding="utf-8"))


def section_ids() -> list[str]:
    """The ids of the narrative's sections, in report order (overall, budget, …)."""
    return [s["id"] for s in spec()["sections"]]


#: A table of at most this many rows is never split across printed pages (the HTML report's print
#: stylesheet and the 复核意见书 alike); a longer one may break between rows.
KEEP_ROWS = 15


def keep(rows: int) -> str:
    """The class that keeps a table of `rows` rows on one printed page (" se-keep"), or ""."""
    return " se-keep" if rows <= KEEP_ROWS else ""


_PLACE = re.compile(r"\b(?:(line|row) (\d+)(?:, column (\d+))?|column (\d+)|page (\d+)(?:, table (\d+))?|table (\d+))")


def reviewer_places(text: str) -> str:
    """A place in a form as a reviewer reads it: `line 17, column 3` → 第17行第3列, `page 2,
    table 1` → 第2页第1表 (loaders name places in English for the command line; the report and
    the 复核意见书 speak Chinese)."""

    def chinese(m: re.Match) -> str:
        if m.group(7):
            return f"第{m.group(7)}表"
        if m.group(5):
            return f"第{m.group(5)}页" + (f"第{m.group(6)}表" if m.group(6) else "")
        if m.group(4):
            return f"第{m.group(4)}列"
        return f"第{m.group(2)}行" + (f"第{m.group(3)}列" if m.group(3) else "")

    return _PLACE.sub(chinese, text)
