"""The registry of form layouts: each one detects, parses and writes its 自评表.

A layout is data plus three functions (like papermill's engines, registered by name):

- `detect(grid, labels) -> Detection`: how confident it is that a grid is its form, and why;
- `parse(grid, provenance, labels) -> Form`: the form, or a `FormError` naming every problem;
- `write(form) -> str`: the form as its tab-separated text export (round trips, workbooks);
- `capabilities`: what its forms can express (`model.Capabilities`), set on every form it reads;
- `labels`: the words it reads with (`data/labels.yaml`, plus a user's layout file: `userfile`);
- `requires`: labels a form must show before this layout claims it (what sets a derived layout
  apart from the one it reads as).

`parse_grid` asks every registered layout, takes the most confident one (a tie is an error that
names both) and records the choice and its reasons in the form's provenance. Nothing outside this
package compares a layout's name: it asks `form.capabilities`, or `layout_of(form)` for the
layout's functions. A new template is one module that builds a `Layout`, listed in
`registry.SHIPPED`, plus its labels.
"""

from __future__ import annotations

from pathlib import Path

from selfeval.errors import LayoutError
from selfeval.layouts.base import THRESHOLD, Detection, Layout
from selfeval.layouts.reader import Grid
from selfeval.layouts.registry import (
    SHIPPED,
    candidates,
    choose,
    detect,
    get,
    layout_of,
    layouts,
    parse_grid,
    register,
    unregister,
)


def resolve(spec: str | Path | Layout | None) -> Layout | None:
    """A layout as a user names it: a `Layout`, a registered name, or a layout file's path
    (`userfile`); None stays None (detect). `LayoutError` names what was given otherwise."""
    if spec is None or isinstance(spec, Layout):
        return spec
    text = str(spec)
    known = {lay.name: lay for lay in layouts()}
    if isinstance(spec, str) and text in known:
        return known[text]
    if isinstance(spec, Path) or text.endswith((".yaml", ".yml")) or "/" in text or "\\" in text:
        # a layout file is read only where one is named (its module reads YAML and the registry)
        from selfeval.layouts.userfile import load_layout_file

        return load_layout_file(text)
    raise LayoutError(f"layout {text!r}: no such layout (known: {', '.join(known)}) and not a layout "
                      "file (a .yaml path)")


__all__ = [
    "SHIPPED",
    "THRESHOLD",
    "Detection",
    "Grid",
    "Layout",
    "candidates",
    "choose",
    "detect",
    "get",
    "layout_of",
    "layouts",
    "parse_grid",
    "register",
    "resolve",
    "unregister",
]
