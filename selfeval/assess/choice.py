"""Which ruleset applies to a form: every ruleset's `applies_to` (layout, years, region, what the form states) held against the form; two that apply are an error naming both, never a silent pick."""

from __future__ import annotations

from dataclasses import dataclass

from selfeval.assess.rulesets import Ruleset, read_ruleset, sources
from selfeval.errors import RulesetError


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
        out.append(fit(read_ruleset(files[0], by_name=True), str(files[0]), form, region))
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
