"""Outputs never overwrite inputs or each other, and every output is checked for staleness."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from selfeval.batch.run import run_batch
from selfeval.errors import SelfevalError

pytestmark = pytest.mark.slow  # end-to-end: kernels, papermill, a browser or a wheel

EXAMPLES = Path(__file__).resolve().parents[2] / "selfeval" / "examples"


def params(tmp: Path, names: tuple[str, ...]) -> Path:
    d = tmp / "params"
    d.mkdir()
    shutil.copy(EXAMPLES / "seed.txt", d / "seed.txt")
    for name in names:
        (d / f"{name}.yaml").write_text("form: seed.txt\n", encoding="utf-8")
    return d


def test_a_params_file_named_like_a_batch_output_fails_alone(tmp_path):
    d = params(tmp_path, ("index", "a"))
    summary = run_batch(d, tmp_path / "out", jobs=1, portfolio=False)
    by = {o.name: o for o in summary.outcomes}
    assert by["index"].status == "failed" and "reserved" in by["index"].reason
    assert by["a"].status == "rendered"
    assert "绩效自评复核报告索引" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")


def test_an_output_folder_inside_the_params_folder_never_overwrites_an_input(tmp_path):
    d = params(tmp_path, ("a",))
    (d / "index.html").write_text("<html>a form published as a page</html>", encoding="utf-8")
    with pytest.raises(SelfevalError, match=r"would overwrite index.html, which it did not write"):
        run_batch(d, d, jobs=1, portfolio=False)
    assert "a form published" in (d / "index.html").read_text(encoding="utf-8")
    assert not (d / "a.html").exists()  # refused before anything rendered


def test_a_deleted_portfolio_is_rebuilt(tmp_path):
    d = params(tmp_path, ("a", "b"))
    out = tmp_path / "out"
    run_batch(d, out, jobs=2)
    (out / "portfolio.html").unlink()
    summary = run_batch(d, out, jobs=2)
    assert summary.skipped == 2 and (out / "portfolio.html").exists()


def test_progress_and_failure_lines_carry_no_terminal_controls(tmp_path, capsys):
    d = params(tmp_path, ())
    (d / "x\x1b[2J\x9b2Jy.yaml").write_text("form: nowhere.txt\n", encoding="utf-8")
    run_batch(d, tmp_path / "out", jobs=1, portfolio=False)
    err = capsys.readouterr().err
    assert "FAILED x[2J2Jy" in err and "\x1b" not in err and "\x9b" not in err


def test_scores_xlsx_lists_every_finding_and_keeps_run_state_apart(tmp_path):
    import openpyxl

    out = tmp_path / "out"
    run_batch(params(tmp_path, ("seed", "greening")), out, jobs=1, portfolio=False)
    wb = openpyxl.load_workbook(out / "scores.xlsx")
    assert wb.sheetnames == ["项目", "指标", "问题清单"]
    sheet = wb["问题清单"]
    header = [c.value for c in sheet[1]]
    assert header == ["参数文件", "项目", "代码", "级别", "标题", "相关指标", "说明", "已撤销"]
    codes = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(codes) > 5 and all(c.startswith("SE-") for c in codes)
    projects = wb["项目"]
    head = [c.value for c in projects[1]]
    assert "本次运行" in head and "复核得分率(%)" in head
    states = {row[head.index("本次运行")] for row in projects.iter_rows(min_row=2, values_only=True)}
    assert states == {"本次生成"}


def test_a_project_that_fails_keeps_its_last_report_marked_out_of_date(tmp_path):
    folder = params(tmp_path, ("seed", "greening"))
    out = tmp_path / "out"
    run_batch(folder, out, jobs=1, portfolio=False)
    (folder / "greening.yaml").write_text("form: nowhere.txt\n", encoding="utf-8")  # it breaks
    summary = run_batch(folder, out, jobs=1, portfolio=False)
    assert summary.failed == 1
    page = (out / "greening.html").read_text(encoding="utf-8")
    assert page.count('class="se-stale"') == 1 and "此报告为上次生成，已过时" in page and "nowhere.txt" in page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "上次报告（已过时）" in index
    run_batch(folder, out, jobs=1, portfolio=False)  # failing again marks it once, not twice
    assert (out / "greening.html").read_text(encoding="utf-8").count('class="se-stale"') == 1
