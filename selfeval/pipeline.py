"""The one pipeline every entry point calls: load a form → choose its ruleset → review it.

The command line, the report notebook (through `report.notebook.prepare`), the portfolio and analysts
all go through `evaluate` (a form file and options) or `evaluate_params` (a params file), so a
form is read, matched to a ruleset and reviewed the same way wherever it is looked at.
"""

from __future__ import annotations

from pathlib import Path

from selfeval.assess.checks import review
from selfeval.assess.choice import ruleset_for
from selfeval.assess.decisions import Decision, load_decisions
from selfeval.assess.evaluation import Evaluation
from selfeval.assess.history import PriorYear
from selfeval.assess.rulesets import Ruleset, RulesetError, load_ruleset
from selfeval.form.model import Form
from selfeval.layouts import Layout
from selfeval.loaders import load_form
from selfeval.params import ResolvedParams, load_params


def evaluate(form: str | Path, *, ruleset: str | Path | Ruleset | None = None, region: str | None = None,
             layout: str | Path | Layout | None = None, sheet: str | None = None,
             decisions: str | Path | list[Decision] | None = None, decisions_source: str = "") -> Evaluation:
    """Load `form`, choose its ruleset (the one given — a name, a file or a `Ruleset` — or the one
    that applies, `choice.ruleset_for`), and review it with the reviewer's `decisions` (a file or
    a list)."""
    loaded = load_form(form, sheet=sheet, layout=layout)
    return review_form(loaded, ruleset=ruleset, region=region, decisions=decisions,
                       decisions_source=decisions_source)


def review_form(form: Form, *, ruleset: str | Path | Ruleset | None = None, region: str | None = None,
                decisions: str | Path | list[Decision] | None = None, decisions_source: str = "",
                previous: PriorYear | None = None) -> Evaluation:
    """Choose a loaded form's ruleset (as `evaluate` does) and review it; `previous` is the
    project's previous year from the record (the review compares the two)."""
    if ruleset is None:
        chosen = ruleset_for(form, region)
    else:
        chosen = ruleset if isinstance(ruleset, Ruleset) else load_ruleset(ruleset)
        # A named ruleset overrides year, region and stated values, never the layout: one made for
        # another table scores columns that are not there (a national ruleset on a Suzhou form
        # would give 88.86 of 80).
        if form.layout not in chosen.applies_to.layouts:
            raise RulesetError(f"{form.provenance.path or form.project_name}: ruleset {chosen.name} is for "
                               f"{', '.join(chosen.applies_to.layouts)} forms; this form reads as {form.layout}")
    if isinstance(decisions, str | Path):
        decisions_source = decisions_source or str(decisions)
        decisions = load_decisions(decisions)
    return review(form, chosen, decisions or [], decisions_source=decisions_source, previous=previous)


def load_params_form(params: str | Path | ResolvedParams) -> tuple[ResolvedParams, Form]:
    """A params file, validated, and the form it names, loaded (not yet reviewed)."""
    rp = params if isinstance(params, ResolvedParams) else load_params(params)
    return rp, load_form(rp.form_path, sheet=rp.sheet, layout=rp.layout)


def review_params_form(rp: ResolvedParams, form: Form, previous: PriorYear | None = None) -> Evaluation:
    """Review a params file's loaded form with its ruleset (or region) and decisions."""
    return review_form(form, ruleset=rp.ruleset, region=rp.region, decisions=rp.decisions,
                       decisions_source=str(rp.decisions_path or rp.params_path), previous=previous)


def evaluate_params(params: str | Path | ResolvedParams,
                    previous: PriorYear | None = None) -> tuple[ResolvedParams, Evaluation]:
    """A params file's project, evaluated: its form, layout, ruleset (or region), decisions, and
    the previous year the record holds (`previous`, if given)."""
    rp, form = load_params_form(params)
    return rp, review_params_form(rp, form, previous)


__all__ = ["evaluate", "evaluate_params", "load_params_form", "review_form", "review_params_form"]
