"""The registry of form layouts: each one detects, parses and writes its 自评表.

A layout is data plus three functions (like papermill's engines, registered by name):

- `detect(grid) -> Detection`: how confident it is that a grid is its form, with the reasons;
- `parse(grid, provenance) -> Form`: the form, or a `FormError` naming every problem;
- `write(form) -> str`: the form as its tab-separated text export (round trips, workbooks);
- `capabilities`: what its forms can express (`model.Capabilities`), set on every form it reads.

`parse_grid` asks every registered layout, takes the most confident one (a tie is an error that
names both) and records the choice and its reasons in the form's provenance. Nothing outside this
package compares a layout's name: it asks `form.capabilities`, or `layout_of(form)` for the
layout's functions. A new template is one module that calls `register`, plus its labels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import FormError, Problem
from ..model import Capabilities, Form, Provenance
from .reader import Grid

# Below this a layout does not claim a grid at all.
THRESHOLD = 0.5


@dataclass(frozen=True)
class Detection:
    """How well a grid matches a layout: 0 (not at all) to 1 (every landmark), and why."""

    confidence: float
    reasons: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # landmarks the layout looked for and did not find


@dataclass(frozen=True)
class Layout:
    """One registered form layout."""

    name: str
    title: str  # how reports and `inspect` name it
    detect: Callable[[Grid], Detection]
    parse: Callable[[Grid, Provenance], Form]
    write: Callable[[Form], str]
    capabilities: Capabilities = field(default_factory=Capabilities)


_REGISTRY: dict[str, Layout] = {}


def register(layout: Layout) -> Layout:
    """Add a layout (or replace one of the same name); returns it."""
    _REGISTRY[layout.name] = layout
    return layout


def unregister(name: str) -> None:
    """Remove a layout (tests and user layouts that are done)."""
    _REGISTRY.pop(name, None)


def layouts() -> list[Layout]:
    """Every registered layout, in registration order."""
    _builtins()
    return list(_REGISTRY.values())


def get(name: str) -> Layout:
    """The layout called `name`; `KeyError` naming the known ones otherwise."""
    _builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no layout {name!r}; known: {', '.join(_REGISTRY)}") from None


def layout_of(form: Form) -> Layout:
    """The layout a form was read with (or is declared to have, for a YAML form)."""
    return get(form.layout)


def detect(grid: Grid) -> list[tuple[Layout, Detection]]:
    """Every layout's detection of a grid, most confident first."""
    found = [(lay, lay.detect(grid)) for lay in layouts()]
    return sorted(found, key=lambda p: -p[1].confidence)


def choose(grid: Grid) -> tuple[Layout, Detection]:
    """The layout that claims a grid; `FormError` with what was recognised when none or two do."""
    ranked = detect(grid)
    if not any(c.strip() for row in grid.rows for c in row):
        raise FormError([Problem(grid.source, "", "file", "no text", "a 自评表 (self-evaluation form) export")])
    from .schemes import recognise, unread_form

    refused = unread_form(grid)  # a 部门整体 form looks like a project form but is not one
    if refused is not None:
        raise FormError([Problem(grid.source, "", "layout", refused, "a project 自评表 (项目支出绩效自评表)")])
    best, det = ranked[0]
    if det.confidence < THRESHOLD:
        raise FormError([Problem(grid.source, "", "layout", recognise(grid, ranked), _expected(ranked))])
    tied = [lay.name for lay, d in ranked[1:] if d.confidence == det.confidence]
    if tied:
        raise FormError([Problem(grid.source, "", "layout", f"matches {best.name} and {', '.join(tied)} equally",
                                 "one layout; name it with --layout")])
    return best, det


def _expected(ranked: list[tuple[Layout, Detection]]) -> str:
    parts = [f"{lay.title} (needs {'、'.join(d.missing)})" if d.missing else lay.title for lay, d in ranked]
    return "a 自评表 (self-evaluation form) of a layout selfeval reads: " + "; ".join(parts)


def parse_grid(grid: Grid, provenance: Provenance, layout: str | None = None) -> Form:
    """Parse a grid with the layout that claims it (or the one named), noting the choice."""
    if layout is not None:
        lay, det = get(layout), None
    else:
        lay, det = choose(grid)
    form = lay.parse(grid, provenance)
    why = lay.title + (f"（置信度 {det.confidence:.2f}：{'、'.join(det.reasons)}）" if det else "（指定）")
    return form.model_copy(update={"provenance": form.provenance.model_copy(update={"layout": why})})


_LOADED = False


def _builtins() -> None:
    """Register the shipped layouts on first use (they import this module's names)."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    from . import national, suzhou  # noqa: F401  (each registers itself)


__all__ = [
    "THRESHOLD",
    "Detection",
    "Grid",
    "Layout",
    "choose",
    "detect",
    "get",
    "layout_of",
    "layouts",
    "parse_grid",
    "register",
    "unregister",
]
