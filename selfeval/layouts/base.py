"""What a layout is: `Layout` (data plus detect / parse / write) and `Detection` (how sure it is).

The shipped layouts build their `Layout` from this module; `registry` lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from selfeval.form.labels import LABELS
from selfeval.form.model import Capabilities, Form, Provenance
from selfeval.layouts.reader import Grid, header_key

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
    detect: Callable[[Grid, dict], Detection]
    parse: Callable[[Grid, Provenance, dict], Form]
    write: Callable[[Form], str]
    capabilities: Capabilities = field(default_factory=Capabilities)
    labels: dict = field(default_factory=lambda: LABELS, repr=False, compare=False)
    requires: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()  # the labels sections its parser reads (what a layout file may add to)
    source: str = ""  # the layout file it came from ("" for a shipped layout)

    def claims(self, grid: Grid) -> Detection:
        """This layout's detection of a grid; a required label that is absent caps it below the
        threshold (and is listed as missing)."""
        det = self.detect(grid, self.labels)
        if not self.requires:
            return det
        keys = grid.keys()
        absent = tuple(w for w in self.requires if not any(header_key(w) in k for k in keys))
        if absent:
            return Detection(min(det.confidence, THRESHOLD - 0.1), det.reasons, (*det.missing, *absent))
        return Detection(det.confidence, (*det.reasons, *self.requires), det.missing)

    def read(self, grid: Grid, provenance: Provenance) -> Form:
        """Parse a grid with this layout's labels. A layout from a file keeps the form's `layout`
        the shipped one it reads as (its rulesets, writer and capabilities apply); the file's
        layout is named in the provenance."""
        return self.parse(grid, provenance, self.labels)
