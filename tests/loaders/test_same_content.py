"""Same content, same review: every bundled text example, converted to YAML and to .xlsx, gives the
same form content, findings and scores as its text export (provenance aside)."""

from __future__ import annotations

from pathlib import Path

import pytest

from selfeval.assess.checks import review
from selfeval.assess.choice import ruleset_for
from selfeval.loaders import load_form, write_yaml
from selfeval.views.form_sheet import write_form_workbook
from selfeval.yamlio import load_yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "selfeval" / "examples"
CORPUS = Path(__file__).resolve().parents[1] / "corpus"
TEXTS = sorted(EXAMPLES.glob("*.txt"))


def _content(form) -> dict:
    return form.model_dump(exclude={"provenance"})


def _review(form) -> tuple:
    """Totals, findings and scores; findings about how a file was read (SE-READ-*: rows skipped,
    columns not read) are provenance, which a YAML written from the form does not repeat."""
    ev = review(form, ruleset_for(form))
    return (ev.self_total, ev.rescore_total, ev.review_total, ev.rating, ev.provisional,
            [(f.code, f.severity, f.message) for f in ev.findings if not f.code.startswith("SE-READ-")],
            [(r.indicator.name, r.rescore.score, r.review.score, r.review.reason) for r in ev.indicators])


def test_there_are_examples_to_compare():
    assert len(TEXTS) >= 6


@pytest.mark.parametrize("text", TEXTS, ids=lambda p: p.stem)
def test_text_yaml_and_xlsx_review_alike(text: Path, tmp_path: Path):
    original = load_form(text)
    yaml_path = tmp_path / f"{text.stem}.yaml"
    write_yaml(original, yaml_path)
    as_yaml = load_form(yaml_path)
    as_xlsx = load_form(write_form_workbook(original, tmp_path / f"{text.stem}.xlsx"))
    assert _content(as_yaml) == _content(original)
    assert _content(as_xlsx) == _content(original)
    expected = _review(original)
    assert _review(as_yaml) == expected
    assert _review(as_xlsx) == expected


def _read(text: Path) -> bool:
    """A corpus form its sidecar says loads (the refused ones have their own tests)."""
    says = load_yaml(text.with_suffix(".yaml").read_text(encoding="utf-8"))
    return str(says["expect"].get("refused")) != "true" and not (says.get("selfeval") or {}).get("refused_because")


@pytest.mark.parametrize("text", sorted(p for p in CORPUS.glob("*.txt") if _read(p)), ids=lambda p: p.stem)
def test_corpus_forms_as_yaml_review_alike(text: Path, tmp_path: Path):
    """Published forms carry what our examples do not (placeholder rows, notes, points in cells):
    the YAML of what was read still reviews the same."""
    original = load_form(text)
    yaml_path = tmp_path / f"{text.stem}.yaml"
    write_yaml(original, yaml_path)
    assert _content(load_form(yaml_path)) == _content(original)
    assert _review(load_form(yaml_path)) == _review(original)
