"""Findings: what a review reports. `Finding` is the domain type; the catalogue (codes,
severities, Chinese titles and messages) is data in `data/findings.yaml`.

A module of its own, below `checks`, so the views (tables, reports) can count and show findings
without importing the checks that make them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from typing import Any, Literal

from selfeval.assess.decisions import Decision
from selfeval.form.labels import LABELS
from selfeval.form.values import format_decimal
from selfeval.yamlio import load_yaml

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
#: How people read each severity (labels.yaml `severity_words`).
SEVERITY_WORDS: dict[str, str] = LABELS["severity_words"]
# What a finding does to the result: already applied by the rules, waiting for the reviewer
# (widens the range or holds the rating), or for the reviewer to weigh (changes no score).
Kind = Literal["corrected", "pending", "warning"]
KINDS: tuple[Kind, ...] = ("corrected", "pending", "warning")

CATALOGUE: dict[str, dict[str, str]] = load_yaml(
    resources.files("selfeval").joinpath("data/findings.yaml").read_text(encoding="utf-8")
)


@dataclass(frozen=True)
class Finding:
    """One review finding: stable code, severity, a pasteable Chinese message, its evidence."""

    code: str
    severity: Severity
    title: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    indicators: tuple[str, ...] = ()
    dismissed: Decision | None = None
    kind: Kind = "warning"
    holds_rating: bool = False  # while open, the rating is not settled (a pending weight question)

    @property
    def waits(self) -> bool:
        """Whether the finding still waits for the reviewer (open and pending)."""
        return self.kind == "pending" and self.dismissed is None


def make_finding(code: str, indicators: tuple[str, ...] = (), severity: Severity | None = None,
                 variant: str | None = None, kind: Kind | None = None, **evidence: Any) -> Finding:
    """Build a finding from the catalogue entry `code`, formatting its message with `evidence`;
    `variant` picks an alternative title (`title_<variant>`) so the title says what the text says;
    `kind` overrides the catalogue's (a pending question already settled is a warning)."""
    entry = CATALOGUE[code]
    shown = {k: show_value(v) for k, v in evidence.items()}
    return Finding(
        code=code,
        severity=severity or entry["severity"],  # type: ignore[arg-type]
        title=entry[f"title_{variant}"] if variant else entry["title"],
        message=entry["message"].format(**shown),
        evidence=evidence,
        indicators=indicators,
        kind=kind or entry["kind"],  # type: ignore[arg-type]
        holds_rating=(kind or entry["kind"]) == "pending" and entry.get("holds") == "rating",
    )


def show_value(value: Any) -> str:
    """A value as a finding's message prints it (exact decimals, — for none)."""
    if isinstance(value, Decimal):
        return format_decimal(value)
    if value is None:
        return "—"
    return str(value)


def finding_counts(ev: Any) -> dict[str, int]:
    """Open (not dismissed) findings per severity."""
    counts = dict.fromkeys(SEVERITIES, 0)
    for f in ev.findings:
        if f.dismissed is None:
            counts[f.severity] += 1
    return counts
