"""Stable keys that link one project's forms across years, and its indicators within a project.

A project is known by the params file's `project_id` where one is given. Otherwise its key is the
主管部门 and the project name, each normalised: full-width and half-width forms folded (NFKC), a
year (2023年度, 2023年, a bare 2023) removed, then every space, punctuation mark and symbol
removed, and letters lower-cased. "2023年度 电子政务项目（运行维护）资金" and "电子政务项目运行维护资金"
share a key. A project renamed between years is linked by an aliases file: new name → the old
names it was published under (docs/record.md).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from selfeval.errors import ParamsError
from selfeval.limits import read_yaml

_YEAR = re.compile(r"(?:19|20)\d{2}\s*(?:年度|年)?")


def name_key(text: str | None) -> str:
    """A name with year, spacing, punctuation and case taken out, so that the same name written
    slightly differently in two years reads as one."""
    folded = unicodedata.normalize("NFKC", text or "")
    folded = _YEAR.sub("", folded)
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN").lower()


def project_key(project_name: str, department: str | None, project_id: str | None = None,
                aliases: dict[str, str] | None = None) -> str:
    """The key a project is stored under: `id:<project_id>`, else `<主管部门>/<项目名称>` normalised,
    then followed through `aliases` (an old key → the key it was renamed to)."""
    if project_id and project_id.strip():
        return f"id:{project_id.strip()}"
    key = f"{name_key(department)}/{name_key(project_name)}"
    seen = {key}
    while aliases and key in aliases:  # a chain of renames ends at the newest name
        key = aliases[key]
        if key in seen:
            break
        seen.add(key)
    return key


def indicator_key(name: str) -> str:
    """An indicator's key within its project (its normalised name)."""
    return name_key(name)


def parse_aliases(data: Any, source: str) -> dict[str, str]:
    """An aliases file's content: a mapping `主管部门/新名称: [主管部门/旧名称, …]` (or one old name
    as a string) → old key → new key. Refuses anything else with the file and entry named."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParamsError(f"{source}: expected a mapping of 主管部门/新项目名称 to the old names, got "
                          f"{type(data).__name__}")
    out: dict[str, str] = {}
    for new, olds in data.items():
        if not isinstance(new, str) or "/" not in new:
            raise ParamsError(f"{source}: {new!r}: expected 主管部门/项目名称 (a slash between them)")
        olds = [olds] if isinstance(olds, str) else olds
        if not isinstance(olds, list) or not all(isinstance(o, str) and "/" in o for o in olds):
            raise ParamsError(f"{source}: {new}: expected a list of old names written 主管部门/项目名称")
        target = _written_key(new)
        for old in olds:
            out[_written_key(old)] = target
    return out


def _written_key(text: str) -> str:
    department, _, name = text.partition("/")
    return f"{name_key(department)}/{name_key(name)}"


def load_aliases(path: str | Path | None) -> dict[str, str]:
    """Read an aliases file (YAML); None: no aliases."""
    if path is None:
        return {}
    p = Path(path)
    if not p.is_file():
        raise ParamsError(f"{p}: aliases file not found")
    return parse_aliases(read_yaml(p, ParamsError, "aliases file"), str(p))
