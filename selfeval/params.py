"""Params files (`params/*.yaml`): one project run of the report notebook.

Validated here, before papermill runs, so a typo fails with the file and key named instead of a
traceback inside a kernel. YAML 1.1 reads `yes`/`no`/`on`/`off` as booleans: a text field given
such a value is refused with a hint to quote it rather than silently becoming "True".
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, field_validator

from selfeval.assess.decisions import Decision, load_decisions, parse_decisions
from selfeval.assess.rulesets import load_ruleset
from selfeval.errors import ParamsError, SelfevalError
from selfeval.layouts import get, resolve
from selfeval.limits import read_input, read_yaml
from selfeval.report.wording import section_ids
from selfeval.yamlio import load_yaml


class ExtraParagraph(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: StrictStr
    text: StrictStr


class NarrativeOverrides(BaseModel):
    """Replacement text per narrative section and extra paragraphs."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    overall: StrictStr | None = None
    budget: StrictStr | None = None
    indicators: StrictStr | None = None
    findings: StrictStr | None = None
    recommendations: StrictStr | None = None
    extra: list[ExtraParagraph] = Field(default_factory=list)

    def as_overrides(self) -> dict[str, Any]:
        data = {k: v for k, v in self.model_dump().items() if v not in (None, [])}
        return data


class Params(BaseModel):
    """The keys a params file may carry."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    form: StrictStr
    ruleset: StrictStr | None = None
    sheet: StrictStr | None = None
    layout: StrictStr | None = None
    region: StrictStr | None = None
    reviewer: StrictStr | None = None
    review_date: dt.date | None = None
    # the 复核意见书's fields a person fills (blank lines to sign or fill where absent)
    document_number: StrictStr | None = None  # 文号
    checker: StrictStr | None = None  # 审核人
    approver: StrictStr | None = None  # 负责人
    rectify_by: dt.date | None = None  # 整改期限
    # the key that links this project's years in the record (default: 主管部门 + project name)
    project_id: StrictStr | None = None
    decisions: StrictStr | dict[str, Any] | None = None
    analyst_notes: StrictStr | None = None
    narrative: NarrativeOverrides = Field(default_factory=NarrativeOverrides)

    @field_validator("review_date", "rectify_by", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        if isinstance(v, str):
            try:
                return dt.date.fromisoformat(v.strip())
            except ValueError:
                raise ValueError("a date written YYYY-MM-DD") from None
        return v


class ResolvedParams(BaseModel):
    """A validated params file with paths resolved and decisions loaded; what the notebook gets."""

    model_config = ConfigDict(frozen=True)
    name: str  # params file stem: the report's file name
    params_path: Path
    form_path: Path
    decisions_path: Path | None
    ruleset: str | None  # a ruleset's name, or a ruleset file's absolute path
    region: str | None
    sheet: str | None
    layout: str | None  # a registered layout's name, or a layout file's absolute path
    reviewer: str | None
    review_date: dt.date | None
    document_number: str | None = None
    checker: str | None = None
    approver: str | None = None
    rectify_by: dt.date | None = None
    project_id: str | None = None
    decisions: list[Decision]
    analyst_notes: str | None
    narrative: dict[str, Any]

    def signoff(self) -> dict[str, str | None]:
        """Who signs and when: 复核人, 复核日期, 审核人, 负责人 (the record keeps them)."""
        return {"reviewer": self.reviewer, "review_date": self.review_date.isoformat() if self.review_date else None,
                "checker": self.checker, "approver": self.approver}

    def notebook_parameters(self) -> dict[str, Any]:
        """Parameters for papermill: plain JSON-able values only."""
        return {"params_file": str(self.params_path)}

    def input_files(self) -> list[Path]:
        """Every file whose content the report depends on (for incremental reruns)."""
        files = [self.params_path, self.form_path]
        if self.decisions_path:
            files.append(self.decisions_path)
        if self.layout and Path(self.layout).is_absolute():
            files.append(Path(self.layout))
        if self.ruleset and Path(self.ruleset).is_absolute():
            files.append(Path(self.ruleset))
        return files


def _explain(err: dict[str, Any]) -> str:
    msg = err["msg"].removeprefix("Value error, ")
    if isinstance(err.get("input"), bool) and "string" in msg:
        msg += " (YAML reads yes/no/on/off/true/false as booleans: put the text in quotes)"
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
    return msg


def _layout(value: str | None, base: Path, params_file: Path) -> str | None:
    """`layout:` as a registered name, or a layout file resolved against the params file's folder
    and read now (so a bad layout file fails this project, named, before anything renders)."""
    if value is None:
        return None

    try:
        get(value)
        return value
    except KeyError:
        pass
    path = (base / value).resolve()
    if not path.is_file():
        raise ParamsError(f"{params_file}: layout: {value!r} is neither a layout name nor a file "
                          f"(looked for {path})")
    try:
        resolve(path)
    except SelfevalError as exc:
        raise ParamsError(f"{params_file}: layout: {exc}") from None
    return str(path)


def _ruleset(value: str | None, base: Path, params_file: Path) -> str | None:
    """`ruleset:` as a name, or a ruleset file relative to the params file's folder (like `form:`),
    read now so a bad one fails this project with the params file named."""
    if value is None:
        return None

    try:
        load_ruleset(value, base)
    except SelfevalError as exc:
        raise ParamsError(f"{params_file}: ruleset: {exc}") from None
    is_path = value.endswith((".yaml", ".yml")) or "/" in value
    return str((base / Path(value).expanduser()).resolve()) if is_path else value  # as load_ruleset found it


def load_params(path: str | Path) -> ResolvedParams:
    """Read and validate a params file; relative paths resolve against its folder."""
    p = Path(path)
    data = read_yaml(p, ParamsError, "params file")
    if not isinstance(data, dict):
        raise ParamsError(f"{p}: a params file is a mapping with at least the key `form`")
    try:
        params = Params.model_validate(data)
    except ValidationError as exc:
        lines = [f"{p}: {'.'.join(str(x) for x in e['loc'])}: {_explain(e)}" for e in exc.errors()]
        allowed = ", ".join(Params.model_fields)
        raise ParamsError("\n".join([*lines, f"(allowed keys: {allowed})"])) from None
    base = p.parent
    form_path = (base / params.form).resolve()
    if not form_path.is_file():
        raise ParamsError(f"{p}: form: file {params.form!r} not found (looked for {form_path})")
    layout = _layout(params.layout, base, p)
    ruleset = _ruleset(params.ruleset, base, p)
    decisions_path = None
    if isinstance(params.decisions, str):
        decisions_path = (base / params.decisions).resolve()
        decisions = load_decisions(decisions_path, params.reviewer)
    else:
        decisions = parse_decisions(params.decisions, f"{p}: decisions", params.reviewer)
    overrides = params.narrative.as_overrides()
    unknown = set(overrides) - {*section_ids(), "extra"}
    if unknown:  # pragma: no cover - the model already forbids unknown keys
        raise ParamsError(f"{p}: narrative: unknown section(s) {', '.join(sorted(unknown))}")
    return ResolvedParams(
        name=p.stem, params_path=p.resolve(), form_path=form_path, decisions_path=decisions_path,
        ruleset=ruleset, region=params.region, sheet=params.sheet, layout=layout, reviewer=params.reviewer,
        review_date=params.review_date, document_number=params.document_number, checker=params.checker,
        approver=params.approver, rectify_by=params.rectify_by, project_id=params.project_id, decisions=decisions,
        analyst_notes=params.analyst_notes,
        narrative=overrides,
    )


def is_params_file(path: Path) -> bool:
    """Whether a YAML file is a params file (it names a `form`) rather than a form."""
    if path.suffix.lower() not in (".yaml", ".yml"):
        return False
    try:
        data = load_yaml(read_input(path, "params file", SelfevalError).decode("utf-8"))
    except (SelfevalError, yaml.YAMLError, UnicodeDecodeError, OSError, ValueError):
        return False
    return isinstance(data, dict) and "form" in data and "project_name" not in data


def other_kind(path: Path) -> str | None:
    """What a YAML file beside params files is when it is not one (no `form`): a layout, ruleset,
    decisions or aliases file, recognised by its keys; None for a params file, or anything else
    (which then fails as a params file, saying why)."""
    try:
        data = load_yaml(read_input(path, "params file", SelfevalError).decode("utf-8"))
    except (SelfevalError, yaml.YAMLError, UnicodeDecodeError, OSError, ValueError):
        return None
    if not isinstance(data, dict) or "form" in data or not data:
        return None
    keys = set(map(str, data))
    if keys & {"reads_as", "labels", "requires"}:
        return "layout file"
    if {"applies_to", "rules"} <= keys:
        return "ruleset file"
    if keys & {"scores", "weights", "dismiss"}:
        return "decisions file"
    if all("/" in k for k in keys) and all(isinstance(v, str | list) for v in data.values()):
        return "aliases file"
    if "project_name" in keys and "indicators" in keys:
        return "form (canonical YAML)"
    return None
