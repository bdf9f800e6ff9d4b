"""The canonical YAML form: written by hand or by `write_yaml`, validated by the `Form` model."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any

import yaml
from pydantic import ValidationError

from selfeval.errors import FormError, Problem
from selfeval.form.model import SHIPPED_CAPABILITIES, Form, Provenance
from selfeval.layouts.reader import INVISIBLE, invisible_note
from selfeval.yamlio import load_yaml, yaml_problem


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top)"


def _visible(value: Any, where: str, notes: list[str]) -> Any:
    """The data with zero-width and bidi characters removed from its text, each removal noted."""
    if isinstance(value, str) and INVISIBLE.search(value):
        notes.append(invisible_note(where or "(top)", value))
        return INVISIBLE.sub("", value)
    if isinstance(value, dict):
        return {k: _visible(v, f"{where}.{k}" if where else str(k), notes) for k, v in value.items()}
    if isinstance(value, list):
        return [_visible(v, f"{where}[{i}]", notes) for i, v in enumerate(value)]
    return value


def parse_yaml_form(text: str, provenance: Provenance) -> Form:
    """Validate YAML text as a form; every problem names its field path."""
    source = provenance.path or "<yaml>"
    try:
        data = load_yaml(text, decimal=True)  # YAML 1.2 numbers, exact decimals, no duplicate keys
    except yaml.YAMLError as exc:
        where, what = yaml_problem(exc)
        raise FormError([Problem(source, where, "YAML", what, "valid YAML (each key once)")]) from None
    if not isinstance(data, dict):
        raise FormError([Problem(source, "", "file", type(data).__name__, "a mapping of form fields")])
    notes: list[str] = []
    data = _visible(data, "", notes)
    if notes:
        provenance = provenance.model_copy(update={"notes": [*provenance.notes, *notes]})
    if "capabilities" not in data:
        data = {**data, "capabilities": _default_capabilities(data, source)}
    try:
        form = Form.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            seen = err.get("input")
            seen_s = "" if isinstance(seen, dict | list) else str(seen)
            problems.append(Problem(source, _loc(err["loc"]), _loc(err["loc"][-1:]), seen_s,
                                    err["msg"].removeprefix("Value error, ")))
        raise FormError(problems) from None
    return form.model_copy(update={"provenance": provenance})


def _default_capabilities(data: dict, source: str) -> dict:
    """A YAML form that does not state its capabilities has its layout's, and a place for notes
    (the YAML form can always carry `deviation_note`)."""

    name = str(data.get("layout", "suzhou"))
    if name not in SHIPPED_CAPABILITIES:
        raise FormError([Problem(source, "layout", "layout", name,
                                 f"a shipped layout ({', '.join(SHIPPED_CAPABILITIES)}), or the form's capabilities")])
    return {**SHIPPED_CAPABILITIES[name].model_dump(), "note_column": True}


class _Dumper(yaml.SafeDumper):
    pass


def _decimal(dumper: yaml.SafeDumper, d: Decimal) -> yaml.Node:
    # A plain scalar, read back exactly by parse_yaml_form (and as a number by anyone else).
    text = format(d, "f")
    tag = "tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int"
    return dumper.represent_scalar(tag, text)


_Dumper.add_representer(Decimal, _decimal)
_Dumper.add_multi_representer(Enum, lambda d, e: d.represent_str(e.value))


def _prune(value: Any) -> Any:
    """Drop empty fields so hand-editing the YAML is not cluttered by nulls."""
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None and v != [] and v != {}}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def dump_yaml(form: Form) -> str:
    """The form as canonical YAML (loads back equal)."""
    data = _prune(form.model_dump(mode="python"))
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
