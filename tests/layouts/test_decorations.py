"""Decoration as a property: what published national forms do to the same content — points in 一级
cells, 一级 lost to its points, placeholder and not-applicable rows, notes under the table, other
header words, comparators written in words, full-width digits — must not change the review, or
must change exactly what the decoration should (a finding that says what was passed over or
inferred). Every bundled and corpus national form is decorated; the next province's decoration is
then covered before anyone finds it."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selfeval.assess.checks import review
from selfeval.assess.choice import ruleset_for
from selfeval.errors import SelfevalError
from selfeval.form.labels import LABELS
from selfeval.form.model import Provenance
from selfeval.layouts.national import dump_national_text
from selfeval.loaders import load_form, parse_grid
from selfeval.loaders.text import text_to_grid

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "selfeval" / "examples").glob("national_*.txt")) + sorted((ROOT / "tests" / "corpus").glob("*.txt"))


def _national_texts() -> dict[str, str]:
    """Each bundled or corpus national form that loads, as the canonical text it dumps to."""
    out = {}
    for path in SOURCES:
        try:
            form = load_form(path)
        except SelfevalError:
            continue  # refused forms (other schemes, 部门整体) have their own tests
        if form.layout == "national" and form.indicators:
            out[path.stem] = dump_national_text(form)
    return out


TEXTS = _national_texts()
N = LABELS["national"]["indicators"]
PARENTS = LABELS["level2_parents"]


def parse(text: str):
    return parse_grid(text_to_grid(text, "decorated.txt"), Provenance(path="decorated.txt"))


def table(lines: list[str]) -> tuple[int, int]:
    """The indicator rows: from the line after the 绩效指标 header to the 总分 line (exclusive)."""
    head = next(i for i, line in enumerate(lines) if line.startswith("绩效指标\t"))
    end = next(i for i, line in enumerate(lines) if i > head and line.split("\t")[0] in N["total"])
    return head + 1, end


def _cells(line: str) -> list[str]:
    return line.split("\t") + [""] * (12 - len(line.split("\t")))


def columns(lines: list[str]) -> dict[str, int]:
    """Field → column in the indicator header (the template and the common variant differ)."""
    head = next(line for line in lines if line.startswith("绩效指标\t")).split("\t")
    return {f: next(j for j, c in enumerate(head) if c in N[f])
            for f in ("level1", "level2", "name", "target", "weight", "actual") if any(c in N[f] for c in head)}


# --- decorations: text → (text, finding codes it should add) ----------------------------------------


def _group_points(lines: list[str], start: int, end: int) -> dict[int, Decimal] | None:
    """Line → the weights summed under the 一级 cell it opens, or None where a weight is no number."""
    col = columns(lines)
    groups: dict[int, Decimal] = {}
    current = None
    for i in range(start, end):
        c = _cells(lines[i])
        if c[col["level1"]]:
            current = i
            groups[i] = Decimal(0)
        if "weight" not in col or not re.fullmatch(r"\d+(?:\.\d+)?", c[col["weight"]]):
            return None
        if current is not None:
            groups[current] += Decimal(c[col["weight"]])
    return groups


def points_in_level1(text: str) -> tuple[str, set[str]]:
    """产出指标 → 产出指标(50分), the points being the weights under it."""
    lines = text.split("\n")
    start, end = table(lines)
    groups = _group_points(lines, start, end)
    if not groups:
        return text, set()
    one = columns(lines)["level1"]
    for i, total in groups.items():
        c = _cells(lines[i])
        if not re.search(r"\d+分", c[one]):
            c[one] = f"{c[one]}({total.normalize():f}分)"
            lines[i] = "\t".join(c).rstrip("\t")
    return "\n".join(lines), set()


def level1_lost_to_points(text: str) -> tuple[str, set[str]]:
    """产出指标(50分) → (50分): the text layer of a PDF that printed 一级 vertically."""
    lines = text.split("\n")
    start, end = table(lines)
    groups = _group_points(lines, start, end)
    if not groups:
        return text, set()
    changed = False
    col = columns(lines)
    for i, total in groups.items():
        c = _cells(lines[i])
        printed = re.search(r"[(（]\d+(?:\.\d+)?分[)）]", c[col["level1"]])
        label = c[col["level1"]].replace(printed.group(0), "") if printed else c[col["level1"]]
        if PARENTS.get(c[col["level2"]]) == label:  # the points as printed, else as the weights add up
            c[col["level1"]] = printed.group(0) if printed else f"({total.normalize():f}分)"
            lines[i] = "\t".join(c).rstrip("\t")
            changed = True
    return "\n".join(lines), ({"SE-READ-INFERRED"} if changed else set())


def not_applicable_row(text: str) -> tuple[str, set[str]]:
    lines = text.split("\n")
    _, end = table(lines)
    lines.insert(end, "\t\t\t指标1：\t/\t/\t/\t/")
    return "\n".join(lines), {"SE-READ-SKIPPED-ROWS"}


def placeholder_dots(text: str) -> tuple[str, set[str]]:
    lines = text.split("\n")
    _, end = table(lines)
    lines.insert(end, "\t\t\t……")
    return "\n".join(lines), {"SE-READ-SKIPPED-ROWS"}


def comparators_in_words(text: str) -> tuple[str, set[str]]:
    """≥95% → 95%以上, ≤3000元 → 3000元以下 (以上/以下 include the number)."""
    lines = text.split("\n")
    start, end = table(lines)
    t = columns(lines)["target"]
    for i in range(start, end):
        c = _cells(lines[i])
        m = re.fullmatch(r"(≥|≤)(\d+(?:\.\d+)?)(.*)", c[t])
        if m and m.group(3) and not m.group(3)[0].isdigit():
            c[t] = f"{m.group(2)}{m.group(3)}{'以上' if m.group(1) == '≥' else '以下'}"
            lines[i] = "\t".join(c).rstrip("\t")
    return "\n".join(lines), set()


def full_width(text: str) -> tuple[str, set[str]]:
    """Digits, % and ≥ in the target and actual cells written full-width (NFKC folds them back)."""
    wide = {chr(c): chr(c + 0xFEE0) for c in range(ord("0"), ord("9") + 1)} | {"%": "％", ".": "．"}
    lines = text.split("\n")
    start, end = table(lines)
    col = columns(lines)
    for i in range(start, end):
        c = _cells(lines[i])
        for j in (col["target"], col["actual"]):
            c[j] = "".join(wide.get(ch, ch) for ch in c[j])
        lines[i] = "\t".join(c).rstrip("\t")
    return "\n".join(lines), set()


def header_synonyms(text: str) -> tuple[str, set[str]]:
    """The indicator header in another template's words (the last synonym of each)."""
    lines = text.split("\n")
    i = next(k for k, line in enumerate(lines) if line.startswith("绩效指标\t"))
    words = {N[f][0]: N[f][-1] for f in ("target", "actual", "weight", "self_score")}
    lines[i] = "\t".join(words.get(c, c) for c in lines[i].split("\t"))
    return "\n".join(lines), set()


def note_under_table(text: str) -> tuple[str, set[str]]:
    lines = text.split("\n")
    _, end = table(lines)
    lines.insert(end, "说明\t无")
    return "\n".join(lines), {"SE-READ-SKIPPED-ROWS"}


DECORATIONS = [points_in_level1, level1_lost_to_points, not_applicable_row, placeholder_dots,
               comparators_in_words, full_width, header_synonyms, note_under_table]


def outcome(text: str):
    form = parse(text)
    ev = review(form, ruleset_for(form))
    return (ev.self_total, ev.review_low, ev.review_high, ev.rating), {f.code for f in ev.findings}


def test_the_property_runs_over_many_forms():
    assert len(TEXTS) >= 8, sorted(TEXTS)


@pytest.mark.parametrize("decoration", DECORATIONS, ids=lambda d: d.__name__)
def test_each_decoration_can_change_the_text(decoration):
    # a decoration that never applies would make the property vacuous
    assert any(decoration(text)[0] != text for text in TEXTS.values())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(TEXTS)), chosen=st.sets(st.sampled_from(DECORATIONS), min_size=1))
def test_decorations_do_not_change_the_review(name, chosen):
    text = TEXTS[name]
    base, base_codes = outcome(text)
    expected = set(base_codes)
    decorated = text
    order = [d for d in DECORATIONS if d in chosen]  # points before they are lost, as forms do
    for decoration in order:
        decorated, adds = decoration(decorated)
        expected |= adds
    got, codes = outcome(decorated)
    assert got == base, (name, [d.__name__ for d in order])
    assert codes == expected, (name, [d.__name__ for d in order], codes ^ expected)


def test_the_property_can_fail():
    # positive control: a change of content (a target raised) is seen by the comparison
    text = TEXTS["national_farmland"]
    changed = text.replace("≥95%", "≥99%")
    assert changed != text and outcome(changed)[0] != outcome(text)[0]


# --- one cell of garbage never refuses a form whose structure was found -------------------------------


def _replace_cell(text: str, line: int, column: int, value: str) -> str:
    lines = text.split("\n")
    c = _cells(lines[line])
    c[column] = value
    lines[line] = "\t".join(c).rstrip("\t")
    return "\n".join(lines)


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_one_garbage_cell_makes_its_indicator_wait(name):
    text = TEXTS[name]
    lines = text.split("\n")
    start, end = table(lines)
    col = columns(lines)
    rows = [i for i in range(start, end) if _cells(lines[i])[col["name"]] and "weight" in col]
    if not rows:
        pytest.skip("no weight column")
    for i in {rows[0], rows[len(rows) // 2], rows[-1]}:
        indicator = _cells(lines[i])[col["name"]]
        form = parse(_replace_cell(text, i, col["target"], "9.9.9#"))  # the target
        assert [c.split(":")[0] for c in form.provenance.degraded] == [f"line {i + 1}, column {col['target'] + 1}"], name
        ev = review(form, ruleset_for(form))
        (r,) = [r for r in ev.indicators if r.indicator.row == i + 1]  # names repeat on some forms
        assert r.indicator.name == indicator and r.pending and "SE-READ-BAD-CELL" in {f.code for f in ev.findings}
        form = parse(_replace_cell(text, i, col["weight"], "9.9.9#"))  # the weight: not stated, the rest scored
        (ind,) = [x for x in form.indicators if x.row == i + 1]
        assert ind.weight is None and len(form.provenance.degraded) == 1
        review(form, ruleset_for(form))  # scored on a weight the review names
