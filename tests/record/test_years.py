"""Year over year, end to end: back-filled years, a batch holding two years of a project, renamed
projects linked, the analyst's history frame, and an old year rendered again the same."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

import selfeval
from selfeval.cli import main
from selfeval.record.store import Record

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "selfeval" / "examples"


def _params(folder: Path, name: str, form: str, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLES / form, folder / form)
    path = folder / f"{name}.yaml"
    path.write_text(f"form: {form}\nreviewer: 赵复核\n{extra}", encoding="utf-8")
    return path


def _text(html_path: Path) -> str:
    return BeautifulSoup(html_path.read_text(encoding="utf-8"), "html.parser").get_text(" ")


@pytest.mark.slow
def test_a_batch_with_two_years_compares_the_newer_with_the_older(tmp_path):
    from selfeval.batch.run import run_batch

    params = tmp_path / "params"
    _params(params, "farmland", "national_farmland.txt")
    _params(params, "farmland_2022", "national_farmland_2022.txt")
    out = tmp_path / "out"
    assert run_batch(params, out, jobs=1, portfolio=False).failed == 0
    newer, older = _text(out / "farmland.html"), _text(out / "farmland_2022.html")
    assert "与上年对比" in newer and "与2022年相比：复核得分率96.66%→95.83%（-0.83个百分点）" in newer
    assert "上年问题未整改" in newer and "目标设置偏低" in newer
    assert "项目区粮食亩产增加（2022年目标≥60公斤、实际68公斤；本年目标≥50公斤）" in newer
    assert "与上年对比" not in older and "上年问题未整改" not in older
    index = _text(out / "index.html")
    assert "2022：96.66%（优）" in index and "-0.83" in index
    with Record(out / "selfeval.db") as rec:
        assert [(r["year"], r["revision"]) for r in rec.reviews()] == [(2022, 1), (2023, 1)]
    # a rerun renders nothing and adds nothing; the record is a batch output, not an input
    again = run_batch(params, out, jobs=1, portfolio=False)
    assert again.skipped == 2 and again.rendered == 0
    with Record(out / "selfeval.db") as rec:
        assert len(rec.reviews(latest=False)) == 2


@pytest.mark.slow
def test_back_filled_years_are_compared_and_an_old_year_renders_again_the_same(tmp_path, capsys):
    db = str(tmp_path / "record.db")
    older = tmp_path / "2022"
    _params(older, "farmland", "national_farmland_2022.txt")
    assert main(["history", "add", str(older), "--year", "2022", "--db", db]) == 0
    assert "2022 某省农业农村厅/高标准农田建设补助资金: added revision 1 ← farmland.yaml" in capsys.readouterr().out
    assert main(["history", "add", str(older), "--year", "2023", "--db", db]) == 1  # the wrong year is refused
    assert "the form is for 2022, not 2023" in capsys.readouterr().err
    newer = _params(tmp_path / "2023", "farmland", "national_farmland.txt")
    assert main(["report", str(newer), "--out", str(tmp_path / "out"), "--db", db]) == 0
    assert "与2022年相比" in _text(tmp_path / "out" / "farmland.html")
    assert main(["history", "show", "农田", "--db", db]) == 0
    shown = capsys.readouterr().out
    assert "key 某省农业农村厅/高标准农田建设补助资金" in shown and "2022" in shown and "2023" in shown
    # provenance: the stored 2023 review renders again into the same report
    assert main(["history", "render", "农田", "2023", "--db", db, "--out", str(tmp_path / "again")]) == 0
    first = (tmp_path / "out" / "farmland.html").read_text(encoding="utf-8")
    again = next((tmp_path / "again").glob("*.html")).read_text(encoding="utf-8")
    assert again == first


def test_a_renamed_project_is_linked_by_an_aliases_file_or_a_project_id(tmp_path, suzhou):
    from builders import clean_form, replace_fields

    from selfeval.assess.checks import review
    from selfeval.form.keys import load_aliases, project_key

    old = replace_fields(clean_form(), project_name="政务云运维资金", year=2022)
    new = replace_fields(clean_form(), project_name="电子政务项目运行维护资金")
    links = tmp_path / "aliases.yaml"
    links.write_text("苏州市信息中心/电子政务项目运行维护资金:\n  - 苏州市信息中心/政务云运维资金\n", encoding="utf-8")
    aliases = load_aliases(links)
    with Record(tmp_path / "r.db") as rec:
        rec.add(review(old, suzhou), key=project_key(old.project_name, old.department, aliases=aliases))
        key = project_key(new.project_name, new.department, aliases=aliases)
        assert rec.previous(key, 2023).project_name == "政务云运维资金"
        assert project_key(old.project_name, old.department) != key  # without the file: two projects
        rec.add(review(old, suzhou), key=project_key(old.project_name, old.department, "P-17"))
        assert rec.previous(project_key("改了名", "别的部门", "P-17"), 2023).project_name == "政务云运维资金"


def test_project_keys_fold_year_spacing_and_punctuation():
    from selfeval.form.keys import name_key, parse_aliases, project_key

    assert name_key("2023年度 电子政务项目（运行维护）资金") == name_key("电子政务项目运行维护资金")
    assert name_key("ＡＢＣ项目2022年") == "abc项目"
    assert project_key("项目", "某局", "  X-1 ") == "id:X-1"
    assert project_key("新名", "局", aliases={"局/旧名": "局/新名", "局/新名": "局/旧名"}) in ("局/新名", "局/旧名")
    with pytest.raises(selfeval.SelfevalError, match=r"a\.yaml: 局/新名: expected a list of old names"):
        parse_aliases({"局/新名": [1]}, "a.yaml")
    with pytest.raises(selfeval.SelfevalError, match=r"a\.yaml: '新名': expected 主管部门/项目名称"):
        parse_aliases({"新名": ["局/旧名"]}, "a.yaml")


def test_history_gives_one_row_per_project_year_with_floats_and_year(tmp_path):
    folder = tmp_path / "forms"
    folder.mkdir()
    for name in ("national_farmland.txt", "national_farmland_2022.txt", "greening.txt"):
        shutil.copy(EXAMPLES / name, folder / name)
    h = selfeval.history(folder)
    assert sorted(zip(h["project_name"], h["year"], strict=True)) == [
        ("城市绿化养护经费", 2023), ("高标准农田建设补助资金", 2022), ("高标准农田建设补助资金", 2023)]
    assert h["review_share"].dtype == "float64" and h["year"].dtype == "int64"
    trend = h.pivot(index="project_name", columns="year", values="review_share")
    assert trend.loc["高标准农田建设补助资金", 2022] == pytest.approx(96.66)
    assert trend.loc["高标准农田建设补助资金", 2023] == pytest.approx(95.83)
    inds = selfeval.history(folder, indicators=True)
    by_year = inds[inds["name"] == "项目区粮食亩产增加"].set_index("year")
    assert by_year.loc[2022, "target_value"] == 60 and by_year.loc[2023, "target_value"] == 50
    found = selfeval.history(folder, findings=True)
    assert {"SE-HIST-UNFIXED", "SE-HIST-TARGET-LOWERED"} <= set(found[found["year"] == 2023]["code"])
    with pytest.raises(selfeval.SelfevalError, match="not both"):
        selfeval.history(folder, indicators=True, findings=True)
    with pytest.raises(selfeval.SelfevalError, match="no such record"):
        selfeval.history(tmp_path / "none.db")


def test_the_opinion_document_says_the_year_before(tmp_path, suzhou):
    from docx import Document

    from selfeval.assess.history import prior_year
    from selfeval.pipeline import evaluate
    from selfeval.report.context import ReportContext
    from selfeval.report.opinion import write_opinion

    before = prior_year(evaluate(EXAMPLES / "national_farmland_2022.txt"), ref="r")
    ev = evaluate(EXAMPLES / "national_farmland.txt")
    from selfeval.pipeline import review_form

    ev = review_form(ev.form, previous=before)
    write_opinion(ReportContext.of(ev), tmp_path / "o.docx")
    text = "\n".join(p.text for p in Document(str(tmp_path / "o.docx")).paragraphs)
    assert "与2022年相比：复核得分率96.66%→95.83%（-0.83个百分点）" in text
    assert "上年问题整改与目标设置" in text and "目标设置偏低" in text
