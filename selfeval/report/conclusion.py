"""What a reviewer concludes from an evaluation: the rating change, the problems that matter
(findings grouped by root cause), what is still for the reviewer to decide, the quality of the
self-evaluation, the evidence to request, what to correct, and how the result is used.

Everything here is derived from the findings that fired and the scores, with the wording kept as
data in `data/narrative.yaml` (`causes`, `quality`, `evidence`, `rectify`, `result_use`,
`advice`): no paragraph is written unless a finding or a score calls for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from selfeval.assess.evaluation import HUNDRED, Evaluation
from selfeval.assess.findings import SEVERITIES, Finding
from selfeval.assess.history import compare
from selfeval.form.labels import LABELS
from selfeval.form.values import show_rate, show_signed
from selfeval.report.wording import reviewer_places, spec


def _open(ev: Evaluation) -> list[Finding]:
    return [f for f in ev.findings if f.dismissed is None]


def _fill(text: str, f: Finding) -> str:
    """A catalogue text with the finding's own words put in (`{names}`: the indicators it is about)."""
    return text.format(names="、".join(f.indicators) or "相关指标")


@dataclass(frozen=True)
class Cause:
    """Findings that share a root cause, shown together; `severity` is the most severe of them."""

    id: str
    title: str
    severity: str
    findings: tuple[Finding, ...]


def causes(ev: Evaluation, include_dismissed: bool = True) -> list[Cause]:
    """The findings grouped by root cause, most severe cause first (then in catalogue order)."""
    order = {s: i for i, s in enumerate(SEVERITIES)}
    found = [f for f in ev.findings if include_dismissed or f.dismissed is None]
    groups = []
    for c in spec()["causes"]:
        members = tuple(f for f in found if f.code in c["codes"])
        if members:
            live = [f for f in members if f.dismissed is None] or list(members)
            worst = min((f.severity for f in live), key=order.__getitem__)
            groups.append(Cause(c["id"], c["title"], worst, members))
    known = {code for c in spec()["causes"] for code in c["codes"]}
    stray = tuple(f for f in found if f.code not in known)
    if stray:  # a new code without a cause still shows, never dropped
        groups.append(Cause("other", "其他发现", min((f.severity for f in stray), key=order.__getitem__), stray))
    all_dismissed = {c.id: all(f.dismissed is not None for f in c.findings) for c in groups}
    return sorted(groups, key=lambda c: (all_dismissed[c.id], order[c.severity]))


def key_problems(ev: Evaluation, limit: int = 5) -> list[Cause]:
    """The causes that matter: open errors and warnings, most severe first, at most `limit`."""
    live = [c for c in causes(ev, include_dismissed=False) if c.severity in ("error", "warning")]
    return live[:limit]


def rating_change(ev: Evaluation) -> str:
    """How the review rating compares with the self rating: 未变, 下调一档, 上调两档, or ''."""
    # an unsettled rating is neither up nor down; a self total with a row unscored rates nothing
    if not ev.self_claimed or ev.rating is None or ev.self_rating is None:
        return ""
    ranks = [b.rating for b in ev.ruleset.rating_bands]
    if ev.rating not in ranks or ev.self_rating not in ranks:
        return "" if ev.rating == ev.self_rating else "评级待定"
    steps = ranks.index(ev.rating) - ranks.index(ev.self_rating)
    if steps == 0:
        return "未变"
    words = {1: "一", 2: "两", 3: "三", 4: "四"}
    return f"{'下调' if steps > 0 else '上调'}{words.get(abs(steps), str(abs(steps)))}档"


def to_decide(ev: Evaluation) -> list[str]:
    """What the reviewer must still decide before signing: pending scores, weights the form does
    not state, and every other open question the rules cannot decide (a *pending* finding). A fact
    the rules already corrected (a self-score above its weight, a wrong sum) is no decision."""
    out = [f"为“{r.indicator.name}”评分（{r.review.reason}）" for r in ev.indicators if r.review.score is None]
    if ev.budget_score is not None and ev.budget_score.score is None:
        out.insert(0, f"为预算执行评分（{ev.budget_score.reason}）")
    unstated = [r.indicator.name for r in ev.indicators if not r.weight_origin.stated]
    waiting = [f for f in ev.findings if f.waits and f.code not in ("SE-IND-MANUAL", "SE-PLAUS-SATISFACTION")]
    for f in waiting:
        if f.code == "SE-WEIGHT-UNSTATED":
            out.append(f"确定{len(unstated)}项表中未标明的权重（{'、'.join(unstated)}），或认可复核所用的分配（撤销该项发现）")
        else:
            out.append(f"“{f.title}”：确定各项分值，或说明表中数字为准后撤销该项发现")
    return out


def quality(ev: Evaluation) -> dict[str, Any]:
    """The self-evaluation's quality: a word for the whole (较好 / 一般 / 较差) and one line per
    aspect, each naming the findings behind it."""
    rules = spec()["quality"]
    by_cause = {c.id: c for c in causes(ev, include_dismissed=False)}
    aspects = []
    for a in rules["aspects"]:
        found = [f for cid in a["causes"] if cid in by_cause for f in by_cause[cid].findings]
        serious = [f for f in found if f.severity in ("error", "warning")]
        aspects.append({"title": a["title"], "findings": found,
                        "grade": "较差" if any(f.severity == "error" for f in found)
                        else "一般" if serious else "较好"})
    gap_share = None
    if ev.self_claimed and ev.full_marks:
        gap_share = abs(ev.review_total - ev.self_total) / ev.full_marks * HUNDRED
    if any(a["grade"] == "较差" for a in aspects) or (
            gap_share is not None and gap_share >= Decimal(str(rules["poor_gap_share"]))):
        overall = "较差"
    elif any(a["grade"] == "一般" for a in aspects):
        overall = "一般"
    else:
        overall = "较好"
    return {"overall": overall, "aspects": aspects, "gap_share": gap_share,
            "poor_gap_share": rules["poor_gap_share"]}


def _per_finding(ev: Evaluation, table: str, severities: tuple[str, ...] = ("error", "warning")) -> list[dict[str, str]]:
    """One item per open finding (most severe first) of `severities` whose code has a text in
    `table`, the finding's own words filled in, each text once."""
    texts = spec()[table]
    out, seen = [], set()
    for f in _open(ev):  # already most severe first
        text = texts.get(f.code)
        # a demand the review's own result does not make (every score full in the review too)
        if f.evidence.get("review_agrees"):
            continue
        if text and f.severity in severities:
            filled = _fill(text, f)
            if filled not in seen:
                seen.add(filled)
                out.append({"text": filled, "code": f.code, "title": f.title, "severity": f.severity})
    return out


def evidence(ev: Evaluation) -> list[dict[str, str]]:
    """The evidence to request from the department, one item per open error or warning."""
    return _per_finding(ev, "evidence")


@dataclass(frozen=True)
class Demand:
    """One 整改要求: a root cause of open errors or warnings, what it concerns (indicators or money
    rows), the figures at fault (its findings' messages), what to do, by when, what to send back."""

    cause: str
    subject: str
    problem: str
    action: str
    deadline: str
    report_back: str
    titles: tuple[str, ...]

    @property
    def text(self) -> str:
        """The demand as one paragraph, as the 复核意见书 prints it."""
        w = spec()["demands"]["labels"]
        return (f"{self.cause}。{w['subject']}{self.subject}。{w['problem']}{self.problem}"
                f"{w['action']}{self.action}{w['deadline']}{self.deadline}。{w['report_back']}{self.report_back}。")


def deadline_text(ev: Evaluation, rectify_by: str | None = None) -> str:
    """By when: the params file's `rectify_by` (a date), else the ruleset's `rectify_days` counted
    from receiving the 复核意见."""
    w = spec()["demands"]
    if rectify_by:
        y, m, d = (int(x) for x in rectify_by.split("-"))
        return w["by_date"].format(date=f"{y}年{m}月{d}日")
    return w["by_days"].format(days=ev.ruleset.review.rectify_days)


def rectification(ev: Evaluation, rectify_by: str | None = None) -> list[Demand]:
    """整改要求, one per root cause of open errors and warnings that has something to correct, most
    severe first: each names its indicators or money rows, the figures at fault, what to do, the
    deadline and what to send back. A finding the review's own result does not bear out (every
    score full in the review too) demands nothing."""
    w = spec()["demands"]
    actions, proofs = spec()["rectify"], spec()["evidence"]
    deadline = deadline_text(ev, rectify_by)
    out = []
    for cause in key_problems(ev, limit=len(spec()["causes"]) + 1):
        found = [f for f in cause.findings if f.dismissed is None and f.severity in ("error", "warning")
                 and not f.evidence.get("review_agrees") and f.code in actions]
        if not found:
            continue
        names = list(dict.fromkeys(n for f in found for n in f.indicators))
        proof = list(dict.fromkeys(_fill(proofs[f.code], f).rstrip("。") for f in found if f.code in proofs))
        subject = "、".join(f"“{n}”" for n in names) if names else w["subjects"].get(cause.id, cause.title)
        out.append(Demand(
            cause=cause.title, subject=subject,
            problem=reviewer_places("".join(dict.fromkeys(f.message for f in found))),
            action="".join(dict.fromkeys(_fill(actions[f.code], f) for f in found)),
            deadline=deadline,
            report_back=w["report_back"] + ("" if not proof else w["with"].format(proof="；".join(proof))),
            titles=tuple(dict.fromkeys(f.title for f in found)),
        ))
    return out


def advice(ev: Evaluation) -> list[dict[str, str]]:
    """Recommendations for the project's management, one per open finding with advice (of any
    severity), most severe first, each naming its finding."""
    return _per_finding(ev, "advice", SEVERITIES)


def year_over_year(ev: Evaluation) -> str:
    """This year against the previous one in one sentence (share of full marks, rating, 执行率),
    or "" when the record holds no previous year."""
    cmp = compare(ev)
    if cmp is None:
        return ""
    w = spec()["history"]

    def moved(before: Decimal | None, now: Decimal | None) -> str:
        shown_b, shown_n = show_rate(before), show_rate(now)
        if before is None or now is None:
            return w["unknown"].format(before=shown_b, now=shown_n)
        if before == now:
            return w["same"].format(now=shown_n)
        return w["change"].format(before=shown_b, now=shown_n, delta=show_signed(now - before))

    rating = (w["same"].format(now=cmp.rating_text) if cmp.rating_text == cmp.before_rating_text
              else w["unknown"].format(before=cmp.before_rating_text, now=cmp.rating_text))
    text = w["sentence"].format(before_year=cmp.before_year, share=moved(cmp.before_share, cmp.share), rating=rating,
                                rate_name=LABELS["rate_names"]["execution_rate"],
                                rate=moved(cmp.before_execution_rate, cmp.execution_rate))
    if cmp.dropped:
        text += w["dropped"].format(names="、".join(cmp.dropped))
    return text


def result_use(ev: Evaluation) -> str:
    """How the result is used, by the review rating (待定 while scores are pending)."""
    uses = spec()["result_use"]
    key = "待定" if ev.rating is None or ev.rating not in uses else ev.rating
    if f"{key}_open_errors" in uses and any(f.severity == "error" for f in _open(ev)):
        key = f"{key}_open_errors"
    return uses[key]


__all__ = [
    "Cause",
    "Demand",
    "advice",
    "causes",
    "deadline_text",
    "evidence",
    "key_problems",
    "quality",
    "rating_change",
    "rectification",
    "result_use",
    "spec",
    "to_decide",
    "year_over_year",
]
