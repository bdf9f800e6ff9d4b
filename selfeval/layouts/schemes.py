"""What to say about a grid no layout claims: what was recognised, and what it looks like.

A form selfeval cannot read is refused with a true message — never "no 预算执行情况 labels" for a
form that has `预算执行情况(10分)`. The forms it recognises but does not read (a 部门整体 form, a
scheme no ruleset covers) are listed in `data/labels.yaml` under `unread_forms`.
"""

from __future__ import annotations

from selfeval.form.labels import LABELS
from selfeval.layouts.reader import Grid, label_key

TITLE_ROWS = 4
CONTENT_ROWS = 80  # how far down a table's own labels are looked for
LABEL_CHARS = 24  # a cell longer than this is prose, not a label


def unread_form(grid: Grid) -> str | None:
    """What the grid is, when it is a form selfeval recognises but does not read; else None."""
    # Titles only: a form's own instructions may name other forms (the seed's 填表说明 names the
    # 绩效目标申报表), so the signature is looked for in the first rows that hold text.
    titled = [row for row in grid.rows if any(c.strip() for c in row)][:TITLE_ROWS]
    text = "".join(label_key(c) for row in titled for c in row if c)
    # What the table holds, whatever its title says (a 部门整体 form titled 「…局整体支出…」).
    # labels, not prose: a form's own instructions may name anything (the seed's 填表说明 does). The
    # signature words are CJK, which folding leaves alone: spaces removed is enough (and cheap).
    body = "\n".join(c for row in grid.rows[:CONTENT_ROWS] for c in row if c and len(c) <= LABEL_CHARS)
    if " " in body or "\u3000" in body:
        body = body.replace(" ", "").replace("\u3000", "")
    for form in LABELS["unread_forms"]:
        titled_as = form.get("all") and all(any(label_key(w) in text for w in group) for group in form["all"])
        holds = form.get("content") and all(
            sum(w in body for w in group["any"]) >= group["min"] for group in form["content"])
        if titled_as or holds:
            return f"{form['name']}: {form['says']}"
    return None


def recognise(grid: Grid, ranked) -> str:
    """A sentence on what the grid holds: the landmarks each layout found."""
    seen = [f"{lay.title}: {'、'.join(d.reasons)}" for lay, d in ranked if d.reasons]
    if not seen:
        return "no labels of any 自评表 layout"
    return "a table no layout claims (labels found — " + "; ".join(seen) + ")"


__all__ = ["recognise", "unread_form"]
