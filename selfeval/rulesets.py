"""Rulesets: a city's (or the nation's) scoring scheme for one or more years, kept as data.

The YAML files in `selfeval/rulesets/` are validated into a `Ruleset`; scoring code reads only
these values, so adding a city means adding a file.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import RulesetError
from .model import Category
from .values import Comparator
from .yamlio import load_yaml


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CategoryRule(_Strict):
    rule: str
    group: Literal["common", "project", "budget"]


class WeightRules(_Strict):
    allocation: Literal["pool", "per_category", "fixed"] = "pool"
    decimals: int = 2
    category_totals: dict[Category, Decimal] = Field(default_factory=dict)
    default_split: dict[Category, Decimal] = Field(default_factory=dict)


class BandRule(_Strict):
    """A completion band: full marks inside [full_from, full_to], deductions outside."""

    full_from: Decimal = Decimal(100)
    full_to: Decimal | None = None
    shortfall_deduction: Decimal
    over_deduction: Decimal = Decimal(0)
    shortfall_basis: Literal["literal", "ratio"] = "literal"
    at_most: Literal["inverse", "excess"] = "inverse"


class TierRule(_Strict):
    """A qualitative tier (national scheme): a self-score between `low` and `high` % of the weight
    is accepted; one outside is clipped to the range. `default` is the % given when the form states
    no self-score; `words` are the actuals that place an indicator in this tier."""

    low: Decimal = Field(ge=0, le=100)
    high: Decimal = Field(ge=0, le=100)
    default: Decimal
    words: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ordered(self) -> TierRule:
        if not self.low <= self.default <= self.high:
            raise ValueError("a tier needs low <= default <= high")
        return self


class QualitativeRules(_Strict):
    mode: Literal["grades", "tiers"] = "grades"
    grades: dict[str, Decimal] = Field(default_factory=dict)
    full_words: list[str] = Field(default_factory=list)
    words: list[str] = Field(default_factory=list)
    tiers: dict[str, TierRule] = Field(default_factory=dict)  # highest tier first

    @model_validator(mode="after")
    def _mode_has_data(self) -> QualitativeRules:
        if self.mode == "grades" and not self.grades:
            raise ValueError("mode grades needs `grades`")
        if self.mode == "tiers":
            if not self.tiers:
                raise ValueError("mode tiers needs `tiers`")
            highs = [t.high for t in self.tiers.values()]
            if highs != sorted(highs, reverse=True):
                raise ValueError("tiers must be listed highest first")
        return self


class RatingBand(_Strict):
    rating: str
    min_share: Decimal


class Tolerances(_Strict):
    money: Decimal = Decimal("0.01")
    weight: Decimal = Decimal("0.01")


class ReviewThresholds(_Strict):
    rate_warning_points: Decimal = Decimal("0.5")
    score_vs_execution_points: Decimal = Decimal(5)
    unspent_share: Decimal = Decimal(20)
    sub_item_execution: Decimal = Decimal(80)
    formulaic_share: Decimal = Decimal(80)
    formulaic_min_count: int = 5
    over_output: Decimal = Decimal(130)
    over_outcome: Decimal = Decimal(200)
    low_execution: Decimal = Decimal(80)


class BudgetScore(_Strict):
    """National scheme: a score for budget execution (10 × execution rate, capped)."""

    weight: Decimal
    rate: Literal["execution_rate", "payment_rate", "funding_rate"] = "execution_rate"


RateName = Literal["funding_rate", "payment_rate", "execution_rate"]


class Ruleset(_Strict):
    """A scoring scheme (评分规则). See rules.md for the meaning of every value."""

    name: str
    title: str
    layout: str
    years: list[int]
    full_marks: Decimal
    categories: dict[Category, CategoryRule]
    weights: WeightRules = Field(default_factory=WeightRules)
    rules: dict[str, BandRule]
    bare_target_comparator: Comparator = "equal"
    rate_indicators: dict[str, RateName] = Field(default_factory=dict)
    qualitative: QualitativeRules
    rating_bands: list[RatingBand]
    tolerances: Tolerances = Field(default_factory=Tolerances)
    review: ReviewThresholds = Field(default_factory=ReviewThresholds)
    budget_score: BudgetScore | None = None

    @field_validator("rating_bands")
    @classmethod
    def _bands_descending(cls, bands: list[RatingBand]) -> list[RatingBand]:
        shares = [b.min_share for b in bands]
        if not bands or shares != sorted(shares, reverse=True) or shares[-1] != 0:
            raise ValueError("rating bands must be ordered by min_share, highest first, ending at 0")
        return bands

    @model_validator(mode="after")
    def _rules_exist(self) -> Ruleset:
        for cat, cr in self.categories.items():
            if cr.rule not in self.rules:
                raise ValueError(f"categories.{cat}.rule: unknown rule {cr.rule!r}")
        return self

    def rule_for(self, category: Category) -> BandRule:
        """The completion band that scores indicators of `category`."""
        return self.rules[self.categories[category].rule]

    def with_options(self, **changes: object) -> Ruleset:
        """A copy with top-level values replaced (e.g. `rate_indicators`), validated again."""
        data = self.model_dump()
        data.update(changes)
        return Ruleset.model_validate(data)


def _ruleset_dir() -> resources.abc.Traversable:
    return resources.files("selfeval").joinpath("rulesets")


def available_rulesets() -> list[str]:
    """Names of the rulesets shipped with selfeval."""
    return sorted(
        p.name.removesuffix(".yaml") for p in _ruleset_dir().iterdir() if p.name.endswith(".yaml")
    )


def parse_ruleset(text: str, source: str) -> Ruleset:
    """Validate ruleset YAML text; errors name the file and the field."""
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise RulesetError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RulesetError(f"{source}: a ruleset must be a mapping of keys to values")
    try:
        return Ruleset.model_validate(data)
    except ValidationError as exc:
        lines = [
            f"{source}: {'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise RulesetError("malformed ruleset:\n  " + "\n  ".join(lines)) from None


@cache
def load_ruleset(name_or_path: str) -> Ruleset:
    """A shipped ruleset by name (`suzhou-2023`) or a ruleset file by path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return parse_ruleset(path.read_text(encoding="utf-8"), str(path))
    entry = _ruleset_dir().joinpath(f"{name_or_path}.yaml")
    if not entry.is_file():
        known = ", ".join(available_rulesets())
        raise RulesetError(f"unknown ruleset {name_or_path!r}; known rulesets: {known}")
    return parse_ruleset(entry.read_text(encoding="utf-8"), f"ruleset {name_or_path}")


def ruleset_for(form) -> Ruleset:
    """The shipped ruleset for a form's layout and year (the latest one of its layout otherwise)."""
    candidates = [load_ruleset(n) for n in available_rulesets()]
    same_layout = [r for r in candidates if r.layout == form.layout]
    if not same_layout:
        raise RulesetError(f"{form.provenance.path}: no ruleset for layout {form.layout!r}")
    for r in same_layout:
        if form.year in r.years:
            return r
    return max(same_layout, key=lambda r: max(r.years))
