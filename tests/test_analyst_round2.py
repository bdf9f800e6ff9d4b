"""What an analyst reaches from the README and the API: the installed report notebook and its
nbconvert template, `python -m selfeval`, typing, clear refusals of internal parameters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import selfeval
from selfeval.errors import ParamsError
from selfeval.report.notebook import start

ROOT = Path(__file__).resolve().parent.parent


def test_the_report_notebook_and_its_template_are_found():
    nb = selfeval.report_notebook()
    assert nb.name == "project_report.ipynb" and nb.is_file()
    assert (selfeval.report_template_dir() / "selfeval" / "conf.json").is_file()


@pytest.mark.slow
def test_plain_nbconvert_with_the_template_hides_the_code(tmp_path):
    out = tmp_path / "report.html"
    done = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--template", "selfeval",
                           f"--TemplateExporter.extra_template_basedirs={selfeval.report_template_dir()}",
                           "--output", str(out), str(selfeval.report_notebook())],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    html = out.read_text(encoding="utf-8")
    assert "复核结论" in html and "sections.show(" not in html and "notebook.start(" not in html


def test_an_internal_parameter_is_refused_with_what_to_pass_instead():
    with pytest.raises(ParamsError, match=r"prepared 'xyz': an internal parameter .* pass only params_file"):
        start({"In": [], "params_file": None, "prepared": "xyz"})


def test_python_dash_m_selfeval_is_the_command_line():
    done = subprocess.run([sys.executable, "-m", "selfeval", "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"selfeval {selfeval.__version__}"


def test_the_package_says_it_is_typed():
    assert (ROOT / "selfeval" / "py.typed").is_file()
    assert '"py.typed"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_score_rate_compares_80_and_100_point_schemes():
    table = selfeval.review_folder(selfeval.example_folder())
    seed = table[table["file"] == "seed.txt"].iloc[0]
    farm = table[table["file"] == "national_farmland.txt"].iloc[0]
    assert seed["full_marks"] == 80 and farm["full_marks"] == 100
    assert seed["score_rate"] == pytest.approx(seed["review_total"] / 80 * 100, abs=1e-4)
    assert farm["score_rate"] == pytest.approx(95.83)
    assert table["score_rate"].dtype == "float64"
    elder = table[table["file"] == "eldercare.yaml"].iloc[0]  # a pending item: the rate of each end
    assert elder["score_rate_low"] < elder["score_rate_high"] and elder["score_rate"] == elder["score_rate_low"]
    zh = selfeval.review_folder(selfeval.example_folder(), lang="zh")
    assert {"复核得分率(%)", "复核得分率下限(%)", "复核得分率上限(%)", "自评得分率(%)"} <= set(zh.columns)


def test_findings_across_projects_in_one_frame():
    found = selfeval.review_folder(selfeval.example_folder(), findings=True)
    assert list(found.columns) == ["file", "project", "code", "severity", "title", "indicators", "message",
                                   "dismissed", "error"]
    seed = found[found["file"] == "seed.txt"]
    assert len(seed) == len(selfeval.review(selfeval.example_folder() / "seed.txt").findings)
    assert set(found["severity"]) <= {"错误", "警告", "提示"}
    by_code = found.groupby("code")["project"].nunique().sort_values(ascending=False)
    assert by_code.iloc[0] >= 2  # a finding many projects share: what a colleague asks first
    with pytest.raises(selfeval.SelfevalError, match="not both"):
        selfeval.review_folder(selfeval.example_folder(), indicators=True, findings=True)


def test_a_layout_or_ruleset_file_beside_the_params_files_is_passed_over(tmp_path, capsys):
    from selfeval.params import other_kind

    (tmp_path / "county.yaml").write_text("layout: county\nreads_as: national\nrequires: [全年实际完成情况]\n",
                                          encoding="utf-8")
    (tmp_path / "links.yaml").write_text("局/新名: [局/旧名]\n", encoding="utf-8")
    (tmp_path / "p.yaml").write_text("form: seed.txt\n", encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("from: seed.txt\n", encoding="utf-8")
    assert other_kind(tmp_path / "county.yaml") == "layout file"
    assert other_kind(tmp_path / "links.yaml") == "aliases file"
    assert other_kind(tmp_path / "p.yaml") is None and other_kind(tmp_path / "broken.yaml") is None  # fails as params
    rs = tmp_path / "wuxi-2023.yaml"
    rs.write_text((ROOT / "selfeval" / "rulesets" / "suzhou-2023.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert other_kind(rs) == "ruleset file"


@pytest.mark.slow
def test_quiet_says_only_what_failed_and_the_library_logs_under_selfeval(tmp_path, capsys, caplog):
    import logging
    import shutil

    from selfeval.cli import main

    params = tmp_path / "params"
    params.mkdir()
    shutil.copy(ROOT / "selfeval" / "examples" / "greening.txt", params / "greening.txt")
    (params / "good.yaml").write_text("form: greening.txt\n", encoding="utf-8")
    (params / "bad.yaml").write_text("form: nowhere.txt\n", encoding="utf-8")
    assert main(["--quiet", "run", str(params), "--out", str(tmp_path / "q"), "--no-portfolio"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err and all(line.startswith("selfeval: FAILED bad") for line in err), err
    with caplog.at_level(logging.INFO, logger="selfeval"):
        assert main(["run", str(params), "--out", str(tmp_path / "n"), "--no-portfolio"]) == 1
    said = capsys.readouterr().err
    assert "rendered good" in said and "1 rendered, 0 skipped, 1 failed" in said
    assert any(r.name == "selfeval.batch.run" and "FAILED bad" in r.getMessage() for r in caplog.records)
