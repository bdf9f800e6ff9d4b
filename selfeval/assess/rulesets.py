"""Rulesets: a city's (or the nation's) scoring scheme for one or more years, kept as data.

The YAML files in `selfeval/rulesets/` (and in a user's rulesets folders: `--rulesets DIR` or
`SELFEVAL_RULESETS`) are validated into a `Ruleset`; scoring code reads only these values, so
adding a city means adding a file. Each ruleset says what it `applies_to` (layouts, years, regions,
values the form states); `ruleset_for` picks the one ruleset that applies to a form, or says
which ones compete. See docs/rules.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
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


def _read(path: Path, by_name: bool = False) -> Ruleset:
    """A ruleset file, parsed again whenever its content changes (an analyst editing it in a live
    kernel sees the edit on the next call). Found `by_name` in a folder, its `name` must be its
    file name (else `--ruleset NAME` and the report would disagree about which file it is)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesetError(f"{path}: ruleset file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesetError(f"{path}: cannot read the ruleset file ({exc})") from None
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
        return _read(path)
    files = sources().get(text)
    if not files:
        raise RulesetError(f"unknown ruleset {text!r}; known rulesets: {', '.join(available_rulesets())}")
    if len(files) > 1:
        raise RulesetError(f"ruleset {text!r} is defined twice: {', '.join(map(str, files))}; rename one")
    return _read(files[0], by_name=True)


# --- which ruleset applies to a form ------------------------------------------------------------


@dataclass(frozen=True)
class Fit:
    """How a ruleset fits a form: whether it applies, and why not."""

    ruleset: Ruleset
    source: str
    reasons: tuple[str, ...]  # why it does not apply (empty: it applies)
    region: bool  # its region matched (it is more specific than one without regions)


def _stated(form, name: str):
    return getattr(form, name) if name != "budget_weight" or form.capabilities.budget_row else None


def fit(ruleset: Ruleset, source: str, form, region: str | None = None) -> Fit:
    """Whether `ruleset` applies to `form` (year aside: years choose among the ones that apply)."""
    a = ruleset.applies_to
    why: list[str] = []
    if form.layout not in a.layouts:
        why.append(f"layout {form.layout} not in {', '.join(a.layouts)}")
    for name, allowed in a.states.items():
        value = _stated(form, name)
        if value not in allowed:
            shown = "、".join("未填" if v is None else str(v) for v in allowed)
            why.append(f"{name} {'未填' if value is None else value} not {shown}")
    matched = False
    if a.regions and region is not None:  # params region: / --region names the region
        if [r for r in a.regions if _region_is(region, r)]:
            matched = True
        else:
            why.append(f"region {region!r} not {', '.join(a.regions)}")
    elif a.regions:
        matched, reason = _place_fits(a.regions, form)
        if reason:
            why.append(reason)
    return Fit(ruleset, source, tuple(why), matched)


def _place_fits(regions: list[str], form) -> tuple[bool, str]:
    """(matched, why not) for a regional ruleset and the place the form's units name.

    Regions that are places (苏州, 湖北) cover their districts and counties; a form from inside
    matches, a form that names no place still applies (unmatched), a form from elsewhere does not.
    A region word that is no place on the list (a user's own label) must be stated by a unit's name.
    """
    from selfeval.assess.places import (  # reads places.csv: only when a ruleset names regions
        form_place,
        places_named,
    )

    areas = [p for r in regions for p in places_named(r)]
    said = [x for x in (form.department, form.implementing_unit) if x]
    if not areas:  # not a place we know: the words must be said
        hit = [r for r in regions if any(x.startswith(r) or r in x[:8] for x in said)]
        return bool(hit), "" if hit else f"the form names none of {', '.join(regions)}"
    where = form_place(form)
    if not where:
        return False, ""
    inside = [p for p in where if any(p.within(area) for area in areas)]
    if not inside:
        return False, (f"the form is from {'/'.join(p.name for p in where)} (主管部门/实施单位), not "
                       f"{', '.join(regions)}")
    return len(inside) == len(where), ""


def _region_is(given: str, word: str) -> bool:
    """`--region 无锡市` names a ruleset's `无锡` (and `无锡` its `无锡市`)."""
    return given == word or given.startswith(word) or word.startswith(given)


def fits(form, region: str | None = None) -> list[Fit]:
    """Every available ruleset's fit to a form."""
    out = []
    for name, files in sources().items():
        if len(files) > 1:
            raise RulesetError(f"ruleset {name!r} is defined twice: {', '.join(map(str, files))}; rename one")
        out.append(fit(_read(files[0], by_name=True), str(files[0]), form, region))
    return out


def ruleset_for(form, region: str | None = None) -> Ruleset:
    """The one ruleset that applies to a form (its layout, stated values and region), for its
    year or else the nearest earlier year; `RulesetError` naming the candidates when none or more
    than one does. `region` is params `region:` (else the form's own words are matched)."""
    every = fits(form, region)
    where = form.provenance.path or form.project_name
    if region is not None and not any(f.region for f in every):
        known = sorted({r for f in every for r in f.ruleset.applies_to.regions})
        raise RulesetError(f"{where}: region {region!r}: no ruleset is for it (regions the rulesets name: "
                           f"{', '.join(known) or 'none'})")
    applying = [f for f in every if not f.reasons]
    if not applying:
        why = "; ".join(f"{f.ruleset.name}: {', '.join(f.reasons)}" for f in every)
        # rulesets kept from this form by its place alone could still be chosen explicitly
        elsewhere = [f.ruleset.name for f in every if f.reasons and all(r.startswith("the form is from")
                                                                        for r in f.reasons)]
        choose = (f"rulesets for this layout made for other places: {', '.join(elsewhere)}; choose one "
                  "explicitly with --ruleset NAME or params ruleset: NAME" if elsewhere else
                  "name one with --ruleset or params ruleset:")
        raise RulesetError(f"{where}: no ruleset applies to this form ({why}); {choose}, or add one "
                           "(docs/rules.md)")
    covering = [f for f in applying if form.year in f.ruleset.years]
    if not covering:
        earlier = [f for f in applying if min(f.ruleset.years) <= form.year]
        pool = earlier or applying
        # nearest earlier year (or, when every ruleset is later, the earliest): SE-PLAUS-YEAR says so
        def distance(f: Fit) -> int:
            return min(abs(form.year - y) for y in f.ruleset.years if (y <= form.year) == bool(earlier))

        best = min(distance(f) for f in pool)
        covering = [f for f in pool if distance(f) == best]
    if any(f.region for f in covering):  # for the same years, a region that matched is more specific
        covering = [f for f in covering if f.region]
    if len(covering) > 1:
        names = ", ".join(f"{f.ruleset.name} ({f.source})" for f in covering)
        raise RulesetError(f"{where}: {len(covering)} rulesets apply to this form: {names}; narrow their "
                           "applies_to, or name one with --ruleset / params ruleset:")
    return covering[0].ruleset
