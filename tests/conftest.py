"""Shared fixtures: the seed form, the suzhou-2023 ruleset and builders for synthetic forms.

The builders go through the pydantic model (`selfeval.form.model.Form`), so a synthetic form is
validated exactly like a loaded one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from selfeval.assess.rulesets import Ruleset, load_ruleset
from selfeval.form.model import Form, Indicator
from selfeval.loaders import load_form

SEED_PATH = Path(__file__).parent / "fixtures" / "seed.txt"


def make_indicator(
    name: str = "应用系统运营运维数",
    category: str = "output",
    target: str = ">=3 个",
    weight: str = "4.58",
    actual: str | None = "3 个",
    **extra: Any,
) -> Indicator:
    """An indicator row; keyword arguments override any other `Indicator` field."""
    return Indicator(category=category, name=name, target=target, weight=weight, actual=actual, **extra)


def make_form(**overrides: Any) -> Form:
    """A small valid form (one output indicator); keyword arguments replace `Form` fields."""
    data: dict[str, Any] = {
        "project_name": "测试项目",
        "year": 2023,
        "full_marks": "80",
        "indicators": [make_indicator()],
    }
    data.update(overrides)
    return Form(**data)


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED_PATH


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_form() -> Form:
    return load_form(SEED_PATH)


@pytest.fixture(scope="session")
def suzhou() -> Ruleset:
    return load_ruleset("suzhou-2023")


@pytest.fixture(name="make_form", scope="session")
def _make_form_fixture():
    return make_form


@pytest.fixture(name="make_indicator", scope="session")
def _make_indicator_fixture():
    return make_indicator


@pytest.fixture(autouse=True)
def _selfeval_says_what_the_command_line_says():
    """A test calling the library (run_batch) sees on stderr what `selfeval run` shows: the
    command line's handler at its default level (a test of `--quiet` sets its own)."""
    import logging

    from selfeval.cli import configure_logging

    configure_logging(logging.INFO)
    yield
