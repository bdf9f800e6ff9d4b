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
