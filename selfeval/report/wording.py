"""The report's wording kept as data (`data/narrative.yaml`): narrative templates per section,
causes, quality and rectification texts. Read once; the conclusion, the narrative and the params
check (which sections an override may name) all read it here."""

from __future__ import annotations

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
