"""Rulesets: a city's (or the nation's) scoring scheme for one or more years, kept as data.

The YAML files in `selfeval/rulesets/` (and in a user's rulesets folders: `--rulesets DIR` or
`SELFEVAL_RULESETS`) are validated into a `Ruleset`; scoring code reads only these values, so
adding a city means adding a file. Each ruleset says what it `applies_to` (layouts, years, regions,
values the form states); `ruleset_for` picks the one ruleset that applies to a form, or says
which ones compete. See docs/rules.md.
"""

from __future__ import annotations

import os
from decimal import Decimal
from functools import lru_cache
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

from selfeval.errors import RulesetError
from selfeval.form.model import Category
from selfeval.form.values import Comparator
from selfeval.limits import read_input
from selfeval.yamlio import load_yaml, yaml_problem


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CategoryRule(_Strict):
    rule: str
    group: Literal["common", "project", "budget"]


class WeightRules(_Strict):
    """How indicator weights are set and checked.

    `default_split`: when a form states no weights at all, the points of each category — or of a
    group of categories written `outcome+satisfaction` (效益和满意度指标 40 分) — shared evenly among
    its indicators."""

    allocation: Literal["pool", "per_category", "fixed"] = "pool"
    decimals: int = 2
    category_totals: dict[Category, Decimal] = Field(default_factory=dict)
    default_split: dict[str, Decimal] = Field(default_factory=dict)

    @field_validator("default_split")
    @classmethod
    def _groups_of_categories(cls, split: dict[str, Decimal]) -> dict[str, Decimal]:
        seen: set[str] = set()
        for key in split:
            for part in key.split("+"):
                if part not in Category.__members__:
                    raise ValueError(f"{key}: {part!r} is not a category ({', '.join(Category.__members__)})")
                if part in seen:
                    raise ValueError(f"{key}: {part} is in two groups")
                seen.add(part)
        return split

    def split_groups(self) -> list[tuple[tuple[Category, ...], Decimal]]:
        """`default_split` as (categories, points) groups."""
        return [(tuple(Category(p) for p in key.split("+")), points) for key, points in self.default_split.items()]


class BandRule(_Strict):
    """A completion band: full marks inside [full_from, full_to], deductions outside.

    `overachieved_warning`: completion (% of target) from which an indicator of this rule with no
    explanation is flagged as over-achieved (review, SE-IND-OVERACHIEVED); None: never."""

    full_from: Decimal = Decimal(100)
    full_to: Decimal | None = None
    shortfall_deduction: Decimal
    over_deduction: Decimal = Decimal(0)
    shortfall_basis: Literal["literal", "ratio"] = "literal"
    at_most: Literal["inverse", "excess"] = "inverse"
    overachieved_warning: Decimal | None = None


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
    low_execution: Decimal = Decimal(80)
    # 执行率 below this % needs a reason on the form (SE-QUAL-LOW-EXECUTION-NO-REASON); None: no check
    reason_below_execution: Decimal | None = None
    # forms of this year on must carry a 成本指标 (SE-QUAL-NO-COST); None: no check
    cost_indicator_from: int | None = None
    # 整改期限 when the params file gives no `rectify_by`: this many days from receiving the 复核意见
    rectify_days: int = Field(default=30, ge=1)


class BudgetScore(_Strict):
    """National scheme: a score for budget execution (10 × execution rate, capped)."""

    weight: Decimal
    rate: Literal["execution_rate", "payment_rate", "funding_rate"] = "execution_rate"


RateName = Literal["funding_rate", "payment_rate", "execution_rate"]

# Form values a ruleset may require (`applies_to.states`): what the form itself prints.
STATED = ("budget_weight", "full_marks")


class AppliesTo(_Strict):
    """Which forms a ruleset scores: all of `layouts`, `years`, `regions`, `states` must hold.

    - `years`: the years it covers; a form of another year falls back to the nearest earlier
      ruleset of the same kind (SE-PLAUS-YEAR says so);
    - `regions`: words one of which the form must state (项目名称, 主管部门, 实施单位) or params
      `region:` must name; empty: any region. A ruleset whose region matched is preferred over one
      without regions;
    - `states`: form values and what they must be, e.g. `budget_weight: [20]` for the 20 + 80
      scheme (null: the form states none)."""

    layouts: list[str] = Field(min_length=1)
    years: list[int] = Field(min_length=1)
    regions: list[str] = Field(default_factory=list)
    states: dict[str, list[Decimal | None]] = Field(default_factory=dict)

    @field_validator("states")
    @classmethod
    def _known_fields(cls, states: dict[str, list[Decimal | None]]) -> dict[str, list[Decimal | None]]:
        unknown = sorted(set(states) - set(STATED))
        if unknown:
            raise ValueError(f"unknown form value {', '.join(unknown)}; known: {', '.join(STATED)}")
        return states


class Ruleset(_Strict):
    """A scoring scheme (评分规则). See rules.md for the meaning of every value."""

    name: str
    title: str
    # the published documents the rules come from, as the 复核意见书's 复核依据 cites them
    sources: list[str] = Field(default_factory=list)
    applies_to: AppliesTo
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

    @property
    def years(self) -> list[int]:
        return self.applies_to.years

    def rule_for(self, category: Category) -> BandRule:
        """The completion band that scores indicators of `category`."""
        return self.rules[self.categories[category].rule]

    def with_options(self, **changes: object) -> Ruleset:
        """A copy with top-level values replaced (e.g. `rate_indicators`), validated again."""
        data = self.model_dump()
        data.update(changes)
        return Ruleset.model_validate(data)


def parse_ruleset(text: str, source: str) -> Ruleset:
    """Validate ruleset YAML text; errors name the file and the field."""
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        where, what = yaml_problem(exc)
        raise RulesetError(f"{source}: {where + ': ' if where else ''}not valid YAML: {what}") from None
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


# --- where rulesets come from -----------------------------------------------------------------

ENV = "SELFEVAL_RULESETS"  # user rulesets folders, separated like PATH


def _shipped_dir() -> Path:
    return Path(str(resources.files("selfeval").joinpath("rulesets")))


def user_folders() -> list[Path]:
    """The user's rulesets folders: `SELFEVAL_RULESETS` (os.pathsep-separated), in order."""
    return [Path(p).expanduser().resolve() for p in os.environ.get(ENV, "").split(os.pathsep) if p.strip()]


def sources() -> dict[str, list[Path]]:
    """Every ruleset file by name (file stem), user folders first, then the shipped ones."""
    found: dict[str, list[Path]] = {}
    for folder in user_folders():
        if not folder.is_dir():
            raise RulesetError(f"{ENV}: {folder} is not a folder")
        for f in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            if not f.name.startswith("."):  # editor and OS sidecar files (._x.yaml) are not rulesets
                found.setdefault(f.stem, []).append(f)
    for f in sorted(_shipped_dir().glob("*.yaml")):
        found.setdefault(f.stem, []).append(f)
    return found


def ruleset_files() -> list[Path]:
    """Every ruleset file selfeval can see (what a batch run's fingerprint covers)."""
    return [f for files in sources().values() for f in files]


def available_rulesets() -> list[str]:
    """Names of the rulesets selfeval can use: shipped ones and those in the user's folders."""
    return sorted(sources())


@lru_cache(maxsize=64)
def _parse_cached(text: str, source: str) -> Ruleset:
    return parse_ruleset(text, source)


def read_ruleset(path: Path, by_name: bool = False) -> Ruleset:
    """A ruleset file, parsed again whenever its content changes (an analyst editing it in a live
    kernel sees the edit on the next call). Found `by_name` in a folder, its `name` must be its
    file name (else `--ruleset NAME` and the report would disagree about which file it is)."""
    data = read_input(path, "ruleset file", RulesetError)  # regular files only, bounded
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RulesetError(f"{path}: cannot read the ruleset file (not UTF-8: {exc.reason} at byte {exc.start})") from None
    ruleset = _parse_cached(text, str(path))
    if by_name and ruleset.name != path.stem:
        raise RulesetError(f"{path}: name: {ruleset.name!r} differs from the file name {path.stem!r} "
                           "(a ruleset is found by its file name)")
    from selfeval.layouts import layouts  # deferred: layouts need the model, not rulesets

    known = [lay.name for lay in layouts()]
    unknown = [n for n in ruleset.applies_to.layouts if n not in known]
    if unknown:  # a misspelt layout would make the ruleset silently never apply
        raise RulesetError(f"{path}: applies_to.layouts: no layout {', '.join(unknown)}; known: {', '.join(known)}")
    return ruleset


def load_ruleset(name_or_path: str | Path, base: Path | None = None) -> Ruleset:
    """A ruleset by name (`suzhou-2023`, shipped or in a user folder) or a ruleset file by path
    (`.yaml`, relative to `base` when given: a params file's folder)."""
    text = str(name_or_path)
    if text.endswith((".yaml", ".yml")) or "/" in text or os.sep in text:
        path = Path(text).expanduser()
        if base is not None and not path.is_absolute():
            path = base / path
        if not path.is_file():
            raise RulesetError(f"ruleset file {text!r} not found (looked for {path.resolve()})")
        return read_ruleset(path)
    files = sources().get(text)
    if not files:
        raise RulesetError(f"unknown ruleset {text!r}; known rulesets: {', '.join(available_rulesets())}")
    if len(files) > 1:
        raise RulesetError(f"ruleset {text!r} is defined twice: {', '.join(map(str, files))}; rename one")
    return read_ruleset(files[0], by_name=True)


# --- which ruleset applies to a form ------------------------------------------------------------


