"""Reviewer decisions (复核意见): manual review scores and dismissed findings.

A decisions file is YAML, per project, or the `decisions` key of a params file:

    reviewer: 王审核            # default reviewer for every entry
    scores:
      - indicator: 资金到位率
        score: 0.5
        reason: 到位率按财政拨款口径复核
    dismiss:
      - finding: SE-IND-FORMULAIC
        reason: 目标值为合同约定值，结果等于目标属实
    weights:                    # a weight the form does not state (or states over full marks)
      - indicator: 群众满意度
        weight: 10
        reason: 按部门申报的绩效目标表确定
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from selfeval.errors import DecisionsError
from selfeval.form.values import is_budget_row, normalize, parse_decimal
from selfeval.limits import read_yaml


class Decision(BaseModel):
    """One reviewer decision: a manual score or a weight for an indicator, or a dismissed finding."""

    model_config = ConfigDict(frozen=True)
    kind: Literal["score", "dismiss", "weight"]
    subject: str  # indicator name or finding code
    reason: str
    reviewer: str
    score: Decimal | None = None  # kind score: the points; kind weight: the weight

    @field_validator("reason", "reviewer", "subject")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


_TOP_KEYS = {"reviewer", "scores", "dismiss", "weights"}


def parse_decisions(data: Any, source: str, default_reviewer: str | None = None) -> list[Decision]:
    """Validate decisions data (already parsed YAML); errors name the source and entry.

    `default_reviewer` (e.g. the params file's reviewer) applies where neither the entry nor the
    file names one.
    """
    if data is None:
        return []
    if not isinstance(data, dict):
        raise DecisionsError(f"{source}: decisions must be a mapping with scores/dismiss/weights lists")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise DecisionsError(
            f"{source}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
            f"expected {', '.join(sorted(_TOP_KEYS))}"
        )
    default_reviewer = data.get("reviewer") or default_reviewer
    out: list[Decision] = []
    for key, kind, subject_key, number in (("scores", "score", "indicator", "score"),
                                           ("dismiss", "dismiss", "finding", None),
                                           ("weights", "weight", "indicator", "weight")):
        entries = data.get(key) or []
        if not isinstance(entries, list):
            raise DecisionsError(f"{source}: {key} must be a list")
        for i, entry in enumerate(entries):
            where = f"{source}: {key}[{i}]"
            if not isinstance(entry, dict):
                raise DecisionsError(f"{where}: must be a mapping")
            allowed = {subject_key, "reason", "reviewer"} | ({number} if number else set())
            extra = set(entry) - allowed
            if extra:
                raise DecisionsError(
                    f"{where}: unknown key(s) {', '.join(sorted(map(str, extra)))}; "
                    f"expected {', '.join(sorted(allowed))}"
                )
            score = None
            if number:
                try:
                    score = parse_decimal(entry.get(number))
                except ValueError as exc:
                    raise DecisionsError(
                        f"{where}.{number}: saw {entry.get(number)!r}, expected a number ({exc})"
                    ) from None
                if kind == "weight" and score < 0:
                    raise DecisionsError(f"{where}.{number}: saw {score}, expected a number of 0 or more")
            try:
                out.append(
                    Decision(
                        kind=kind,
                        subject=str(entry.get(subject_key) or ""),
                        reason=str(entry.get("reason") or ""),
                        reviewer=str(entry.get("reviewer") or default_reviewer or ""),
                        score=score,
                    )
                )
            except ValidationError as exc:
                field = exc.errors()[0]["loc"][0]
                field = {"subject": subject_key}.get(str(field), field)
                raise DecisionsError(f"{where}.{field}: {exc.errors()[0]['msg']}") from None
    _no_conflicts(out, source)
    return out


def _no_conflicts(decisions: list[Decision], source: str) -> None:
    """Two decisions on one indicator or finding are refused: which one holds is the reviewer's to
    say, never "the last one wins"."""

    seen: dict[tuple[str, str], Decision] = {}
    for d in decisions:
        # 预算执行 and 年度资金总额 name the same row
        key = (d.kind, "<budget row>" if d.kind == "score" and is_budget_row(d.subject) else normalize(d.subject))
        if key in seen:
            what = {"score": "scores", "weight": "weights"}.get(d.kind, "dismiss")
            raise DecisionsError(f"{source}: {what}: two decisions for {d.subject!r} ({seen[key].reason!r} and "
                                 f"{d.reason!r}); keep the one that holds")
        seen[key] = d


def load_decisions(path: str | Path, default_reviewer: str | None = None) -> list[Decision]:
    """Read a decisions YAML file."""
    p = Path(path)
    return parse_decisions(read_yaml(p, DecisionsError, "decisions file"), str(p), default_reviewer)
