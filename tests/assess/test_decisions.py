"""Reviewer decisions (复核意见): parsing, manual review scores, dismissed findings, refusals."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from builders import clean_form, with_indicator

from selfeval.assess.checks import review
from selfeval.assess.decisions import Decision, load_decisions, parse_decisions
from selfeval.assess.findings import finding_counts
from selfeval.errors import DecisionsError
from selfeval.views.document import evaluation_dict, to_json

D = Decimal

DECISIONS_YAML = """\
reviewer: 王审核
scores:
  - indicator: 资金到位率
    score: 0.5
    reason: 到位率按财政拨款口径复核
dismiss:
  - finding: SE-IND-FORMULAIC
    reason: 目标值为合同约定值，结果等于目标属实
    reviewer: 李复核
"""


def write(tmp_path, text: str, name: str = "decisions.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- parsing -----------------------------------------------------------------------------------


def test_parse_inline():
    ds = parse_decisions(
        {
            "reviewer": "王审核",
            "scores": [{"indicator": "资金到位率", "score": "0.5", "reason": "按拨款口径"}],
            "dismiss": [{"finding": "SE-IND-FORMULAIC", "reason": "合同约定值"}],
        },
        "params.yaml: decisions",
    )
    assert ds == [
        Decision(kind="score", subject="资金到位率", reason="按拨款口径", reviewer="王审核", score=D("0.5")),
        Decision(kind="dismiss", subject="SE-IND-FORMULAIC", reason="合同约定值", reviewer="王审核"),
    ]


def test_parse_keeps_scores_exact():
    [d] = parse_decisions(
        {"scores": [{"indicator": "甲", "score": 0.43, "reason": "r", "reviewer": "王"}]}, "x"
    )
    assert d.score == D("0.43")


def test_parse_nothing():
    assert parse_decisions(None, "x") == []
    assert parse_decisions({}, "x") == []


def test_default_reviewer_from_the_caller():
    [d] = parse_decisions({"dismiss": [{"finding": "SE-IND-ALL-FULL", "reason": "r"}]}, "x", "赵参数")
    assert d.reviewer == "赵参数"


def test_load_from_file(tmp_path):
    path = write(tmp_path, DECISIONS_YAML)
    score, dismiss = load_decisions(path)
    assert (score.kind, score.subject, score.score, score.reviewer) == (
        "score",
        "资金到位率",
        D("0.5"),
        "王审核",
    )
    assert score.reason == "到位率按财政拨款口径复核"
    assert (dismiss.kind, dismiss.subject, dismiss.reviewer) == ("dismiss", "SE-IND-FORMULAIC", "李复核")


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        (
            "scores:\n  - indicator: 资金到位率\n    score: 0.5\n    reason: ''\n    reviewer: 王\n",
            "scores[0].reason",
            "blank",
        ),
        (
            "scores:\n  - indicator: 资金到位率\n    score: 0.5\n    reason: 按拨款口径\n",
            "scores[0].reviewer",
            "blank",
        ),
        (
            "reviewer: 王\ndismiss:\n  - finding: SE-IND-FORMULAIC\n    reason: '   '\n",
            "dismiss[0].reason",
            "blank",
        ),
        ("reviewer: 王\ndismiss:\n  - reason: r\n", "dismiss[0].finding", "blank"),
        (
            "reviewer: 王\nscores:\n  - indicator: 资金到位率\n    score: 很高\n    reason: r\n",
            "scores[0].score",
            "很高",
        ),
        ("reviewer: 王\nscores:\n  - indicator: 资金到位率\n    reason: r\n", "scores[0].score", "number"),
        (
            "reviewer: 王\nscores:\n  - indicator: 资金到位率\n    score: 1\n    reason: r\n    note: x\n",
            "scores[0]",
            "note",
        ),
        ("reviewr: 王\n", "", "reviewr"),
        ("scores: 资金到位率\n", "", "list"),
        ("- 资金到位率\n", "", "mapping"),
    ],
)
def test_malformed_file_names_the_file_and_entry(tmp_path, text, where, what):
    path = write(tmp_path, text)
    with pytest.raises(DecisionsError) as exc:
        load_decisions(path)
    msg = str(exc.value)
    assert msg.startswith(str(path))
    assert where in msg and what in msg


def test_missing_or_invalid_file(tmp_path):
    with pytest.raises(DecisionsError, match="decisions file not found"):
        load_decisions(tmp_path / "nope.yaml")
    path = write(tmp_path, "scores: [\n")
    with pytest.raises(DecisionsError, match="not valid YAML") as exc:
        load_decisions(path)
    assert str(path) in str(exc.value)


# --- applying decisions to the seed ------------------------------------------------------------


def test_manual_score_overrides_the_review_score(tmp_path, seed_form, suzhou):
    path = write(tmp_path, DECISIONS_YAML)
    base = review(seed_form, suzhou)
    ev = review(seed_form, suzhou, load_decisions(path), decisions_source=str(path))
    r = ev.result("资金到位率")
    assert base.result("资金到位率").review.score == D("0.43")
    assert r.review.score == D("0.50")
    assert r.review_source == "decision" and r.review.basis == "decision"
    assert r.decision is not None and r.decision.reviewer == "王审核"
    assert "王审核" in r.review.reason and "到位率按财政拨款口径复核" in r.review.reason
    # the rescore (the claimed actual under the rules) is untouched
    assert r.rescore.score == base.result("资金到位率").rescore.score == D(1)
    assert ev.review_total == D("79.50")
    assert base.review_total == D("79.43")
    assert ev.self_total == base.self_total and ev.rescore_total == base.rescore_total


def test_decision_shows_in_the_json(tmp_path, seed_form, suzhou):
    path = write(tmp_path, DECISIONS_YAML)
    ev = review(seed_form, suzhou, load_decisions(path), decisions_source=str(path))
    doc = json.loads(to_json(evaluation_dict(ev)), parse_float=Decimal)
    assert doc["review_total"] == D("79.5")
    [row] = [i for i in doc["indicators"] if i["name"] == "资金到位率"]
    assert row["review_source"] == "decision"
    assert row["review_score"] == D("0.5")
    assert row["decision"] == {"score": D("0.5"), "reason": "到位率按财政拨款口径复核", "reviewer": "王审核"}
    others = [i for i in doc["indicators"] if i["name"] != "资金到位率"]
    assert all(i["decision"] is None for i in others)
    [formulaic] = [f for f in doc["findings"] if f["code"] == "SE-IND-FORMULAIC"]
    assert formulaic["dismissed"] == {"reason": "目标值为合同约定值，结果等于目标属实", "reviewer": "李复核"}
    assert doc["finding_counts"]["warning"] == 6


def test_dismissal_marks_the_finding(seed_form, suzhou):
    base = review(seed_form, suzhou)
    ds = parse_decisions(
        {"reviewer": "王审核", "dismiss": [{"finding": "SE-IND-FORMULAIC", "reason": "目标值为合同约定值"}]},
        "inline",
    )
    ev = review(seed_form, suzhou, ds)
    [f] = [f for f in ev.findings if f.code == "SE-IND-FORMULAIC"]
    assert f.dismissed is not None
    assert (f.dismissed.reviewer, f.dismissed.reason) == ("王审核", "目标值为合同约定值")
    assert all(g.dismissed is None for g in ev.findings if g.code != "SE-IND-FORMULAIC")
    # still listed, no longer counted
    assert [g.code for g in ev.findings] == [g.code for g in base.findings]
    assert finding_counts(base) == {"error": 0, "warning": 7, "info": 3}  # SE-QUAL-NO-SURVEY among them
    assert finding_counts(ev) == {"error": 0, "warning": 6, "info": 3}
    # a dismissal does not change any score
    assert ev.review_total == base.review_total


# --- refused decisions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "scores:\n  - indicator: 资金拨付率\n    score: 0.5\n    reason: r\n",
            ["scores: unknown indicator '资金拨付率'", "资金到位率"],
        ),
        (
            "dismiss:\n  - finding: SE-NO-SUCH-CODE\n    reason: r\n",
            ["dismiss: unknown finding code 'SE-NO-SUCH-CODE'"],
        ),
        (
            "dismiss:\n  - finding: SE-ARITH-TOTAL\n    reason: r\n",
            ["dismiss: finding SE-ARITH-TOTAL was not raised for this form", "SE-IND-FORMULAIC"],
        ),
        (
            "scores:\n  - indicator: 资金到位率\n    score: 1.5\n    reason: r\n",
            ["scores: 资金到位率: score 1.5 is outside 0..1 (the weight)"],
        ),
        (
            "scores:\n  - indicator: 预算执行率\n    score: -1\n    reason: r\n",
            ["scores: 预算执行率: score -1 is outside 0..8"],
        ),
    ],
)
def test_refused_decisions_name_the_file(tmp_path, seed_form, suzhou, entry, expected):
    path = write(tmp_path, "reviewer: 王审核\n" + entry)
    decisions = load_decisions(path)
    with pytest.raises(DecisionsError) as exc:
        review(seed_form, suzhou, decisions, decisions_source=str(path))
    msg = str(exc.value)
    assert msg.startswith(f"{path}: ")
    for part in expected:
        assert part in msg


def test_score_equal_to_the_weight_or_zero_is_accepted(seed_form, suzhou):
    ds = parse_decisions(
        {
            "reviewer": "王",
            "scores": [
                {"indicator": "资金到位率", "score": 1, "reason": "足额"},
                {"indicator": "预算执行率", "score": 0, "reason": "未执行"},
            ],
        },
        "inline",
    )
    ev = review(seed_form, suzhou, ds)
    assert ev.result("资金到位率").review.score == D(1)
    assert ev.result("预算执行率").review.score == D(0)
    assert ev.review_total == D("79.43") + D("0.57") - D(8)


def test_indicator_names_match_after_normalisation(seed_form, suzhou):
    # full-width spaces and the like do not make a different indicator
    ds = parse_decisions(
        {"reviewer": "王", "scores": [{"indicator": " 资金到位率 ", "score": "0.5", "reason": "r"}]}, "inline"
    )
    assert review(seed_form, suzhou, ds).result("资金到位率").review.score == D("0.5")


# --- manual-pending indicators -----------------------------------------------------------------


def test_manual_decision_makes_the_total_final(suzhou):
    form = with_indicator(
        clean_form(), "应用系统运营运维数", actual=None, explanation="系统迁移中，数量待核实"
    )
    pending = review(form, suzhou)
    assert pending.provisional
    assert pending.result("应用系统运营运维数").review.score is None
    ds = parse_decisions(
        {
            "reviewer": "王审核",
            "scores": [
                {"indicator": "应用系统运营运维数", "score": "10", "reason": "核实运维合同，实际11个"}
            ],
        },
        "inline",
    )
    ev = review(form, suzhou, ds)
    assert ev.provisional is False
    r = ev.result("应用系统运营运维数")
    assert r.review.score == D(10) and r.review_source == "decision" and r.review.status == "scored"
    assert ev.review_total == pending.review_total + D(10) == D("74.38")
    # the manual finding stays (the rules could not score it) but says the reviewer has decided
    [m] = [f for f in ev.findings if f.code == "SE-IND-MANUAL"]
    assert "已由复核人评分" in m.message
    assert m.evidence["pending"] == []
    assert evaluation_dict(ev)["provisional"] is False
