"""Params files are validated before any kernel starts, with the file and key named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from selfeval.errors import DecisionsError, ParamsError
from selfeval.params import load_params

SEED = Path(__file__).parent / "fixtures" / "seed.txt"


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> Path:
    (tmp_path / "seed.txt").write_bytes(SEED.read_bytes())
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_params_resolve_form_against_the_params_folder(tmp_path):
    rp = load_params(write(tmp_path, "form: seed.txt\n"))
    assert rp.form_path == (tmp_path / "seed.txt").resolve()
    assert rp.name == "p"
    assert rp.decisions == []
    assert rp.input_files() == [rp.params_path, rp.form_path]


def test_full_params(tmp_path):
    (tmp_path / "d.yaml").write_text("scores:\n  - {indicator: 资金到位率, score: 0.5, reason: 核实}\n",
                                     encoding="utf-8")
    rp = load_params(write(tmp_path, """\
form: seed.txt
ruleset: suzhou-2023
reviewer: 王审核
review_date: 2024-03-15
decisions: d.yaml
analyst_notes: 备注
narrative:
  overall: 自定义总体评价
  extra:
    - {title: 补充, text: 第一段}
"""))
    assert rp.review_date == dt.date(2024, 3, 15)
    assert rp.decisions[0].reviewer == "王审核"  # the params reviewer fills in
    assert str(rp.decisions[0].score) == "0.5"
    assert rp.narrative == {"overall": "自定义总体评价", "extra": [{"title": "补充", "text": "第一段"}]}
    assert rp.decisions_path == (tmp_path / "d.yaml").resolve()
    assert len(rp.input_files()) == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("form: seed.txt\nreviwer: x\n", "reviwer: unknown key"),
        ("form: seed.txt\nreviewer: true\n", "put the text in quotes"),
        ("form: seed.txt\nreview_date: 15/03/2024\n", "review_date"),
        ("form: missing.txt\n", "form: file 'missing.txt' not found"),
        ("reviewer: x\n", "form: Field required"),
        ("form: seed.txt\nnarrative:\n  overal: x\n", "narrative.overal: unknown key"),
        ("- a list\n", "a params file is a mapping"),
        ("form: [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_params_name_file_and_key(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ParamsError) as exc:
        load_params(path)
    assert str(path) in str(exc.value)
    assert expected in str(exc.value)


def test_bad_inline_decisions_name_the_params_file(tmp_path):
    path = write(tmp_path, "form: seed.txt\ndecisions:\n  scores:\n    - {indicator: 资金到位率, score: abc, reason: r}\n")
    with pytest.raises(DecisionsError) as exc:
        load_params(path)
    assert str(path) in str(exc.value) and "scores[0].score" in str(exc.value)


def test_missing_params_file(tmp_path):
    with pytest.raises(ParamsError, match="not found"):
        load_params(tmp_path / "nope.yaml")


def test_bundled_params_all_validate():
    for path in sorted((Path(__file__).parent.parent / "params").glob("*.yaml")):
        assert load_params(path).form_path.is_file(), path
