"""The Chinese labels of forms and reports, loaded once from `data/labels.yaml`."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources
from typing import Any

from selfeval.yamlio import load_yaml


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


def unsettled_reason(code: str) -> str:
    """Why a rating is not settled (`Evaluation.unsettled`), in Chinese."""
    return LABELS["unsettled_reasons"].get(code, code)


PROMPT_CHARS = 160  # longer than any template prompt seen


def _fold_prompt(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", folded).replace("，", ",").replace("；", ";")


@cache
def _prompts() -> tuple[frozenset[str], tuple[re.Pattern[str], ...]]:
    spec = LABELS["template_prompts"]
    phrases = frozenset(_fold_prompt(p).rstrip("。.") for p in spec["phrases"])
    return phrases, tuple(re.compile(p) for p in spec["patterns"])


def is_template_prompt(text: str | None) -> bool:
    """Whether a narrative cell still holds a template's prompt (`template_prompts` in
    labels.yaml) rather than the unit's own words."""
    if not text or len(text) > PROMPT_CHARS:  # a prompt is one short instruction, never a report
        return False
    folded = _fold_prompt(text)
    phrases, patterns = _prompts()
    return folded.rstrip("。.") in phrases or any(p.search(folded) for p in patterns)
