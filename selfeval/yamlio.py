"""Reading every YAML file selfeval takes (forms, params, decisions, rulesets, layout files).

PyYAML implements YAML 1.1, where `weight: 010` is 8, `1:30` is 90, `yes` is True and
`2024-02-30` is a date that fails to construct with a bare traceback. Users write these files by
hand and expect what they see, so every file is read with the YAML 1.2 core schema instead:

- integers are decimal, `0o17` or `0x1f` (`010` is 10); no sexagesimal `1:30` (a string);
- booleans are `true` / `false` only (`yes`, `on`, `y` are strings);
- no implicit timestamps (dates stay strings; the models parse them and name the field);
- a mapping that repeats a key is refused with both lines, never "the last one wins".

`decimal=True` reads floats as exact `Decimal`s (forms: `4.50` stays 4.50).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import yaml

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping names the same key twice."""


MAX_ALIASES = 20  # few are needed by hand; with n aliases a tree can grow about 3^(n/3)-fold


class _Core12(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema's scalars, no duplicate keys and few aliases."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.events.AliasEvent):
            self._aliases = getattr(self, "_aliases", 0) + 1
            if self._aliases > MAX_ALIASES:  # each alias may stand for a whole tree: expansion blows up
                raise yaml.composer.ComposerError(None, None, f"more than {MAX_ALIASES} aliases (*name)",
                                                  self.peek_event().start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                continue  # PyYAML raises its own error for an unhashable key below
            if key in seen:
                raise DuplicateKeyError(
                    "while constructing a mapping", node.start_mark,
                    f"found duplicate key {key!r} (first at line {seen[key].start_mark.line + 1})",
                    key_node.start_mark)
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


_Core12.yaml_implicit_resolvers = {}  # start from nothing: only the 1.2 core resolvers below
for tag, pattern, first in (
    ("bool", _BOOL, "tTfF"),
    ("int", _INT, "-+0123456789"),
    ("float", _FLOAT, "-+0123456789."),
    ("null", _NULL, ["~", "n", "N", ""]),
):
    _Core12.add_implicit_resolver(f"tag:yaml.org,2002:{tag}", pattern, list(first))


def _int12(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    text = loader.construct_scalar(node)
    if len(text) > 40:  # Python refuses to convert 4300+ digits with a bare ValueError
        raise yaml.constructor.ConstructorError(None, None, f"a number of {len(text)} digits", node.start_mark)
    if text.startswith(("0o", "0x")):
        return int(text, 0)
    return int(text, 10)  # "010" is ten, as written


def _bool12(loader: yaml.SafeLoader, node: yaml.Node) -> bool:
    return loader.construct_scalar(node).lower() == "true"


_Core12.add_constructor("tag:yaml.org,2002:int", _int12)
_Core12.add_constructor("tag:yaml.org,2002:bool", _bool12)


class _Core12Decimal(_Core12):
    """The 1.2 loader with floats read as exact Decimals."""


def _float_as_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> object:
    text = loader.construct_scalar(node)
    try:
        return Decimal(text)
    except ArithmeticError:  # .inf / .nan: leave them to the model to refuse
        return loader.construct_yaml_float(node)


_Core12Decimal.add_constructor("tag:yaml.org,2002:float", _float_as_decimal)


def load_yaml(text: str, decimal: bool = False) -> Any:
    """Parse YAML text with the 1.2 core schema; `yaml.YAMLError` (with a mark) when malformed."""
    return yaml.load(text, Loader=_Core12Decimal if decimal else _Core12)


def yaml_problem(exc: yaml.YAMLError) -> tuple[str, str]:
    """(where, what) of a YAML error: the line it points at and its first line of text."""
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}" if mark else ""
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return where, str(what)


__all__ = ["load_yaml", "yaml_problem"]
