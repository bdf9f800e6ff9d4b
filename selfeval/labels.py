"""The Chinese labels of forms and reports, loaded once from `data/labels.yaml`."""

from __future__ import annotations

from importlib import resources
from typing import Any

from .yamlio import load_yaml


def _load() -> dict[str, Any]:
    text = resources.files("selfeval").joinpath("data/labels.yaml").read_text(encoding="utf-8")
    return load_yaml(text)


LABELS: dict[str, Any] = _load()


def category_name(category: str) -> str:
    """The Chinese word for a category identifier (output → 产出)."""
    return LABELS["category_names"].get(category, category)


def money_name(field: str) -> str:
    """The Chinese label of a money field (paid → 实际支付数)."""
    return LABELS["money_names"].get(field, field)


def rate_name(rate: str) -> str:
    """The one name of a rate, with its basis (execution_rate → 预算执行率（支付÷预算）)."""
    return LABELS["rate_names"].get(rate, rate)
