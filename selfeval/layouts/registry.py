"""The layout registry: the one list of shipped layouts, in the order detection asks them, and the
choice among layouts.

`SHIPPED` below is that list; nothing registers itself on import. `register` / `unregister` add a
layout of one's own for a session (a user's layout file is usually passed per call instead).
"""

from __future__ import annotations

from selfeval.errors import FormError, Problem
from selfeval.form.model import Form, Provenance
from selfeval.layouts import national, suzhou
from selfeval.layouts.base import THRESHOLD, Detection, Layout
from selfeval.layouts.reader import Grid, filled_on, strip_invisible
from selfeval.layouts.schemes import recognise, unread_form

#: The layouts selfeval ships, in the order detection asks them.
SHIPPED: tuple[Layout, ...] = (suzhou.SUZHOU, national.NATIONAL)

_REGISTRY: dict[str, Layout] = {lay.name: lay for lay in SHIPPED}


def register(layout: Layout) -> Layout:
    """Add a layout (or replace one of the same name); returns it."""
    _REGISTRY[layout.name] = layout
    return layout


def unregister(name: str) -> None:
    """Remove a layout (tests and user layouts that are done)."""
    _REGISTRY.pop(name, None)


def layouts() -> list[Layout]:
    """Every registered layout, in registration order."""
    return list(_REGISTRY.values())


def get(name: str) -> Layout:
    """The layout called `name`; `KeyError` naming the known ones otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no layout {name!r}; known: {', '.join(_REGISTRY)}") from None


def layout_of(form: Form) -> Layout:
    """The layout a form was read with (or is declared to have, for a YAML form)."""
    return get(form.layout)


def candidates(extra: tuple[Layout, ...] = ()) -> list[Layout]:
    """The registered layouts with `extra` ones (a user's layout files) added; an extra layout of a
    registered name takes its place."""
    pool = {lay.name: lay for lay in layouts()}
    pool.update({lay.name: lay for lay in extra})
    return list(pool.values())


def detect(grid: Grid, extra: tuple[Layout, ...] = ()) -> list[tuple[Layout, Detection]]:
    """Every layout's detection of a grid, most confident first; at equal confidence the one with
    more required labels (a user's layout derived from a shipped one) comes first."""
    found = [(lay, lay.claims(grid)) for lay in candidates(extra)]
    return sorted(found, key=lambda p: (-p[1].confidence, -len(p[0].requires)))


def choose(grid: Grid, extra: tuple[Layout, ...] = ()) -> tuple[Layout, Detection]:
    """The layout that claims a grid; `FormError` with what was recognised when none or two do."""
    ranked = detect(grid, extra)
    if not any(c.strip() for row in grid.rows for c in row):
        raise FormError([Problem(grid.source, "", "file", "no text", "a 自评表 (self-evaluation form) export")])

    refused = unread_form(grid)  # a 部门整体 form looks like a project form but is not one
    if refused is not None:
        raise FormError([Problem(grid.source, "", "layout", refused, "a project 自评表 (项目支出绩效自评表)")])
    best, det = ranked[0]
    if det.confidence < THRESHOLD:
        raise FormError([Problem(grid.source, "", "layout", recognise(grid, ranked), _expected(ranked))])
    tied = [lay.name for lay, d in ranked[1:]
            if d.confidence == det.confidence and len(lay.requires) == len(best.requires)]
    if tied:
        raise FormError([Problem(grid.source, "", "layout", f"matches {best.name} and {', '.join(tied)} equally",
                                 "one layout; name it with --layout")])
    return best, det


def _expected(ranked: list[tuple[Layout, Detection]]) -> str:
    parts = [f"{lay.title} (needs {'、'.join(d.missing)})" if d.missing else lay.title for lay, d in ranked]
    return "a 自评表 (self-evaluation form) of a layout selfeval reads: " + "; ".join(parts)


def parse_grid(grid: Grid, provenance: Provenance, layout: str | Layout | None = None) -> Form:
    """Parse a grid with the layout that claims it, or the one given (a registered name or a
    `Layout`, e.g. from a layout file), noting the choice and its reasons in the provenance."""
    invisible = strip_invisible(grid)
    if invisible:
        provenance = provenance.model_copy(update={"notes": [*provenance.notes, *invisible]})
    if layout is None:
        lay, det = choose(grid)
        how = f"置信度 {det.confidence:.2f}：{'、'.join(det.reasons)}"
    else:
        lay = layout if isinstance(layout, Layout) else get(layout)
        det = lay.claims(grid)
        how = f"指定{'，' + lay.source if lay.source else ''}；置信度 {det.confidence:.2f}"
    form = lay.read(grid, provenance)
    why = f"{lay.title}（{how}）"
    update = {"provenance": form.provenance.model_copy(update={"layout": why})}
    if form.filled_on is None and (date := filled_on(grid)) is not None:  # any layout's 填报日期
        update["filled_on"] = date
    return form.model_copy(update=update)
