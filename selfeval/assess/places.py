"""Where a form comes from: the place its 主管部门 or 实施单位 names, read against the bundled list of
province-, prefecture- and county-level divisions (`data/places.csv`).

A ruleset made for a region applies to forms from that region, or to forms that name no place
(`某省`, `某市` and unit names without a place name none). The project name is never read: a project
may name a place it supports.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Suffixes a place name may be written without (苏州市 → 苏州, 吴江区 → 吴江), longest first.
_SUFFIXES = ("自治州", "自治县", "自治旗", "特别行政区", "地区", "林区", "特区", "省", "市", "区", "县", "盟", "旗")


@dataclass(frozen=True)
class Place:
    """One administrative division: its 6-digit code and name."""

    code: str
    name: str

    @property
    def prefix(self) -> str:
        """The code's significant digits: 2 for a province, 4 for a prefecture, 6 for a county."""
        if self.code.endswith("0000"):
            return self.code[:2]
        return self.code[:4] if self.code.endswith("00") else self.code

    def within(self, other: Place) -> bool:
        """Whether this place lies in `other` (or is it)."""
        return self.code.startswith(other.prefix)


@cache
def _names() -> dict[str, tuple[Place, ...]]:
    """Each full name and each short name (without its suffix, two characters or more) → places."""
    text = resources.files("selfeval").joinpath("data/places.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    out: dict[str, list[Place]] = {}
    for row in rows:
        place = Place(row["adcode"], row["name"])
        keys = {place.name}
        for suffix in _SUFFIXES:
            if place.name.endswith(suffix) and len(place.name) - len(suffix) >= 2:
                keys.add(place.name[: -len(suffix)])
                break
        for key in keys:
            out.setdefault(key, []).append(place)
    return {k: tuple(v) for k, v in out.items()}


def places_named(word: str) -> tuple[Place, ...]:
    """The places a word names (`苏州`, `苏州市`), or () for a word that is no place."""
    return _names().get(word.strip(), ())


def unit_place(unit: str | None) -> tuple[Place, ...]:
    """The place a unit's name starts with, as precisely as it says (江苏省苏州市吴江区… → 吴江区):
    one place, several where a short name is shared and nothing narrows it, or () for none."""
    if not unit:
        return ()
    text, found = unit.strip(), ()
    names = _names()
    longest = max(map(len, names))
    while text:
        match = next((text[:n] for n in range(min(longest, len(text)), 1, -1)
                      if text[:n] in names and not _town(text[:n], text[n:n + 2])), None)
        if match is None:
            break
        candidates = names[match]
        if found:  # a name after a broader one must lie inside it
            candidates = tuple(c for c in candidates if any(c.within(f) for f in found))
            if not candidates:
                break
        found, text = candidates, text[len(match):]
    return found


def _town(name: str, after: str) -> bool:
    """A short name followed by 镇 / 乡 / 村 / 街道 names a town of that name (城关镇), not the county."""
    return not any(p.name == name for p in _names()[name]) and (after[:1] in "镇乡村" or after == "街道")


def form_place(form) -> tuple[Place, ...]:
    """The place the form's 主管部门, else its 实施单位, names (() when neither names one)."""
    for unit in (form.department, form.implementing_unit):
        found = unit_place(unit)
        if found:
            return found
    return ()
