"""Reading the small YAML files users write (params, decisions), with located errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import SelfevalError


def read_yaml(path: Path, error: type[SelfevalError], what: str) -> Any:
    """Parse a YAML file; a missing file or bad YAML raises `error` naming the file."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: {what} not found") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise error(f"{path}: not valid YAML: {exc}") from None
