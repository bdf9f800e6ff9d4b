"""The corpus of published forms (tests/corpus/): each loads and states what its sidecar says, or
is refused with a true reason.

A sidecar's `expect` holds what the form itself states (names, 分值, 得分, funds, 执行率, 总分), as
strings exactly as printed; `selfeval` holds what selfeval must say where the form alone does not
decide it (a refusal's reason, a guard that must fire). See tests/corpus/README.md.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from selfeval.assess.checks import review
from selfeval.assess.choice import ruleset_for
from selfeval.errors import FormError
from selfeval.form.values import normalize, parse_decimal
from selfeval.loaders import load_form

CORPUS = Path(__file__).parent / "corpus"
SIDECARS = sorted(CORPUS.glob("*.yaml"))


def _sidecar(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _num(text: str) -> Decimal | None:
    text = normalize(text).replace(",", "").removesuffix("%").removesuffix("万元")
    return None if text in ("", "/", "—", "-") else parse_decimal(text)


def test_the_corpus_is_wide_enough():
    cars = [_sidecar(p) for p in SIDECARS]
    assert len(cars) >= 12
    assert len({c["province"] for c in cars}) >= 4
    kinds = {c["kind"] for c in cars}
    assert {"national-template", "national-unit-variant", "department-overall"} <= kinds
    assert any(c["expect"]["refused"] == "true" for c in cars)
    for path in SIDECARS:  # every sidecar names its source and says how its grid was rebuilt
        car = _sidecar(path)
        assert car["source"] and car["rebuilt"] and path.with_suffix(".txt").exists()


@pytest.mark.parametrize("path", SIDECARS, ids=[p.stem for p in SIDECARS])
def test_corpus_form(path):
    car = _sidecar(path)
    expect, says = car["expect"], car.get("selfeval", {})
    form_path = path.with_suffix(".txt")
    if expect["refused"] == "true" or says.get("refused_because"):
        with pytest.raises(FormError) as info:
            load_form(form_path)
        assert says["refused_because"] in str(info.value)
        assert str(form_path) in str(info.value)
        return
    form = load_form(form_path)
    assert form.project_name == expect["project_name"]
    got = [(i.name, i.weight, i.self_score) for i in form.indicators]
    want = [(normalize(i["name"]).replace(" ", ""), _num(i["weight"]), _num(i["score"]))
            for i in expect["indicators"]]
    assert [(normalize(n).replace(" ", ""), w, s) for n, w, s in got] == want
    funds = expect.get("funds") or {}
    money = form.money
    for key, attr in (("initial_budget", "initial_budget"), ("adjusted_budget", "full_year_budget"),
                      ("executed", "executed"), ("rate", "stated_execution_rate")):
        if key in funds:
            assert getattr(money, attr) == _num(funds[key]), key
    if "weight" in funds:
        assert form.budget_weight == _num(funds["weight"])
    if "score" in funds:
        assert form.budget_self_score == _num(funds["score"])
    if expect.get("total_weight"):
        assert form.full_marks == _num(expect["total_weight"])
    if expect.get("total_score"):
        assert form.stated_total == _num(expect["total_score"])
    for row in expect.get("placeholders") or []:  # left-in template rows are said, not read
        name = row["name"] if isinstance(row, dict) else row
        said = normalize(name).rstrip(":") or row["level2"]
        assert any(said in normalize(s) for s in form.provenance.skipped), said
    for name in says.get("skipped", []):  # rows selfeval passes over by choice (其中 breakdowns)
        assert any(name in s for s in form.provenance.skipped), name
    ev = review(form, ruleset_for(form))
    if says.get("ruleset"):  # the scheme the form states picks its ruleset
        assert ev.ruleset.name == says["ruleset"]
    if says.get("review_total"):  # only where the rules fix the scores
        assert ev.review_total == Decimal(says["review_total"])
    codes = {f.code for f in ev.findings}
    for code in says.get("findings", []):
        assert code in codes
    if says.get("unrated"):
        assert ev.provisional and ev.rating is None and ev.rating_text == "待定"
    # A total never silently exceeds full marks.
    assert ev.review_total <= ev.full_marks or (ev.provisional and "SE-ARITH-OVER-FULL" in codes)
