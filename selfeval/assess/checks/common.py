"""What several areas of checks share: how a check declares the codes it raises, and small helpers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from selfeval.assess.evaluation import Evaluation, IndicatorResult
from selfeval.assess.findings import Finding
from selfeval.form.model import Form
from selfeval.form.values import normalize

Check = Callable[[Evaluation], Iterator[Finding]]


def raises(*codes: str, reads_findings: bool = False) -> Callable[[Check], Check]:
    """Declare the finding codes a check may raise (`checks.CHECKS` lists the checks; a test proves
    each catalogue code has exactly one owner, and `review` refuses a finding a check did not declare).
    `reads_findings`: the check looks at what the checks before it in `CHECKS` found."""

    def mark(fn: Check) -> Check:
        fn.codes = codes  # type: ignore[attr-defined]
        fn.reads_findings = reads_findings  # type: ignore[attr-defined]
        return fn

    return mark


def joined(parts: list[str]) -> str:
    return "；".join(parts)


def national_funds(form: Form) -> bool:
    """Whether the money block is the national one: a 年度资金总额 row over funding-source rows."""
    return form.capabilities.funds == "sources"


COST_WORDS = re.compile(r"成本|费用|单价")


def is_cost_indicator(r: IndicatorResult) -> bool:
    """A 成本指标: its 二级 says so, or its name speaks of 成本 / 费用 / 单价."""
    level2 = normalize(r.indicator.level2 or "")
    return "成本" in level2 or bool(COST_WORDS.search(r.indicator.name))
