"""A user's layout file: new label words for a shipped layout, or a new template read by one.

A department whose template says 全年实际完成情况 where the national one says 实际完成值 needs no
code: a YAML file adds the words, and `--layout FILE` (or a params file's `layout:`) reads the
form with them. The file's keys:

    layout: county-2024               # a new layout's name; omit it to add words to `reads_as`
    title: 某县项目支出绩效自评表      # how reports and `inspect` name it (default: the name)
    reads_as: national                # the shipped layout whose parser reads it
    requires: [全年实际完成情况]       # labels a form must show for this layout to claim it
    labels:                           # merged into data/labels.yaml: lists gain words, mappings
      national:                       # gain entries, text is replaced
        indicators:
          actual: [全年实际完成情况]

Every key is checked against the shipped labels so a misspelt section cannot be ignored in
silence. docs/layouts.md has a worked example.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path
from typing import Any

from selfeval.errors import LayoutError
from selfeval.layouts.registry import Layout, get, layouts
from selfeval.limits import read_yaml

KEYS = {"layout", "title", "reads_as", "requires", "labels", "description"}


def _is_word_table(mapping: dict) -> bool:
    """A mapping whose values are all words (comparators, 指标性质 …): new entries are the point."""
    return all(isinstance(v, str | int | float) for v in mapping.values())


def merge_labels(base: dict, extra: dict, where: str = "labels") -> dict:
    """`base` with `extra` merged in: lists gain the new words (in front, so they win ties), a
    mapping gains or merges entries, text is replaced. A key that `base` lacks is refused unless
    `base` is a word table; a value of the wrong kind is refused. Neither input is changed."""
    out = copy.deepcopy(base)
    for key, value in extra.items():
        at = f"{where}.{key}"
        if not isinstance(key, str) or not key.strip():
            raise LayoutError(f"{at}: a label is text, saw {key!r}")
        if key not in out:
            if not _is_word_table(out):
                known = ", ".join(str(k) for k in out)
                raise LayoutError(f"{at}: no such labels entry; known here: {known}")
            meanings = sorted({str(v) for v in out.values()})
            if str(value) not in meanings:  # a new word must mean what the table's words mean
                raise LayoutError(f"{at}: saw {value!r}, expected one of {', '.join(meanings)}")
            out[key] = value
            continue
        have = out[key]
        if isinstance(have, dict):
            if not isinstance(value, dict):
                raise LayoutError(f"{at}: expected a mapping (as in the shipped labels), saw {value!r}")
            out[key] = merge_labels(have, value, at)
        elif isinstance(have, list):
            words = value if isinstance(value, list) else [value]
            if not all(isinstance(w, str) and w.strip() for w in words):
                raise LayoutError(f"{at}: expected words (text), saw {value!r}")
            words = [w.strip() for w in words]
            out[key] = [*(w for w in words if w not in have), *have]
        else:
            if not isinstance(value, type(have)):
                raise LayoutError(f"{at}: expected {type(have).__name__}, saw {value!r}")
            out[key] = value
    return out


def layout_from_data(data: Any, source: str) -> Layout:
    """A `Layout` from a parsed layout file (see the module docstring); `LayoutError` naming the
    file and key otherwise."""
    if not isinstance(data, dict):
        raise LayoutError(f"{source}: a layout file is a mapping with reads_as and labels")
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise LayoutError(f"{source}: unknown key {', '.join(map(str, unknown))}; expected {', '.join(sorted(KEYS))}")
    base_name = data.get("reads_as")
    shipped = [lay.name for lay in layouts() if not lay.source]
    if base_name not in shipped:
        raise LayoutError(f"{source}: reads_as: saw {base_name!r}, expected one of {', '.join(shipped)}")
    base = get(base_name)
    labels = data.get("labels") or {}
    if not isinstance(labels, dict):
        raise LayoutError(f"{source}: labels: expected a mapping of label sections, saw {labels!r}")
    ignored = sorted(set(labels) - set(base.sections))
    if ignored:
        raise LayoutError(f"{source}: labels: {', '.join(map(str, ignored))} is not read by the {base.name} "
                          f"layout; it reads {', '.join(base.sections)}")
    try:
        merged = merge_labels(base.labels, labels)
    except LayoutError as exc:
        raise LayoutError(f"{source}: {exc}") from None
    requires = data.get("requires") or []
    if isinstance(requires, str):
        requires = [requires]
    if not isinstance(requires, list) or not all(isinstance(w, str) and w.strip() for w in requires):
        raise LayoutError(f"{source}: requires: expected a list of labels, saw {requires!r}")
    requires = [w.strip() for w in requires]
    name = data.get("layout") or base.name
    if not isinstance(name, str) or not name.strip():
        raise LayoutError(f"{source}: layout: expected a name, saw {name!r}")
    if name != base.name and name in shipped:
        raise LayoutError(f"{source}: layout: {name!r} is a shipped layout; give the new one its own name")
    if name != base.name and not requires:
        raise LayoutError(f"{source}: requires: a new layout needs the labels that tell its forms apart "
                          f"from {base.name}'s (else both claim the same forms)")
    title = str(data.get("title") or (base.title if name == base.name else name))
    return replace(base, name=name, title=title, labels=merged, requires=tuple(requires), source=source)


def load_layout_file(path: str | Path) -> Layout:
    """Read a layout file into a `Layout` (not registered: pass it to `load_form(layout=…)`, or
    `layouts.register` it for a whole session)."""
    p = Path(path)
    return layout_from_data(read_yaml(p, LayoutError, "layout file"), str(p))


__all__ = ["layout_from_data", "load_layout_file", "merge_labels"]
