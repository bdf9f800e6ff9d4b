"""The project report: papermill run of the notebook → offline HTML with the key numbers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from selfeval.errors import ParamsError
from selfeval.files import atomic_write
from selfeval.report.html import external_references
from selfeval.report.render import render_report

pytestmark = pytest.mark.slow  # end-to-end: kernels, papermill, a browser or a wheel

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def seed_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    return render_report(ROOT / "params" / "seed.yaml", out)


def test_seed_report_carries_the_key_numbers(seed_report):
    html = seed_report.html
    assert seed_report.html_path.name == "seed.html"
    assert seed_report.html_path.read_text(encoding="utf-8") == html
    for text in ["电子政务项目运行维护资金", "苏州市信息中心", "79.43", "/ 80.00", "88.65%", "99.99%",
                 "56.68%", "67.63%", "2077.604168", "资金到位率", "自评值与资金数据不符",
                 "指标完成值普遍恰好等于目标值", "示例复核人", "2024-03-15", "suzhou-2023",
                 "cb3c927b194cc0e66e9b1db141696e915dbc177166a96a200b4cc0ec8a376d39",
                 "总体评价", "预算执行", "复核发现", "建议", "复核意见", "复核结论", "自评质量评估", "整改要求", "结果应用", "项目总目标", "项目实施情况",
                 "“苏周到” APP"]:
        assert text in html, text
    assert html.count("<img") == 4  # the four charts, embedded
    assert re.search(r'<html[^>]*lang="zh"', html)
    assert "<title>电子政务项目运行维护资金</title>" in html


def test_report_is_offline_and_hides_code(seed_report):
    html = seed_report.html
    assert external_references(html) == []
    assert "<script src" not in html and "<link" not in html
    assert "present.prepare" not in html and "configure_matplotlib" not in html  # no code shown
    assert "Traceback" not in html and "Warning" not in html
    assert "/work/" not in html and "/tmp/" not in html  # no absolute paths
    assert "@media print" in html


def test_form_text_is_escaped(tmp_path):
    form = (ROOT / "selfeval" / "examples" / "eldercare.yaml").read_text(encoding="utf-8")
    form = form.replace("project_name: 社区居家养老服务补助资金", "project_name: <script>alert(1)</script>")
    form = form.replace("problems: 无", "problems: <img src=x onerror=alert(2)>")
    (tmp_path / "xss.yaml").write_text(form, encoding="utf-8")
    (tmp_path / "p.yaml").write_text("form: xss.yaml\nanalyst_notes: '<b>bold</b>'\n", encoding="utf-8")
    html = render_report(tmp_path / "p.yaml", tmp_path / "out").html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<b>bold</b>" not in html


def test_bad_params_fail_before_any_kernel_starts(tmp_path, monkeypatch):
    import selfeval.report.render as report

    def boom(*a, **k):  # pragma: no cover - must not be reached
        raise AssertionError("a kernel was started for invalid params")

    monkeypatch.setattr(report, "run_report_notebook", boom)
    (tmp_path / "p.yaml").write_text("form: nope.txt\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"nope\.txt"):
        render_report(tmp_path / "p.yaml", tmp_path / "out")
    assert not (tmp_path / "out" / "p.html").exists()


def test_atomic_write_leaves_nothing_half_written(tmp_path, monkeypatch):
    import os

    target = tmp_path / "r.html"
    atomic_write(target, "old")

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, "new" * 1000)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


def test_cli_report_exit_codes(tmp_path, capsys):
    from selfeval.cli import main

    (tmp_path / "p.yaml").write_text("form: nope.txt\n", encoding="utf-8")
    assert main(["report", str(tmp_path / "p.yaml"), "--out", str(tmp_path)]) == 1
    assert "nope.txt" in capsys.readouterr().err


def test_the_kernel_is_handed_the_evaluation_not_reading_the_form_again(tmp_path):
    # render_report reads and reviews the project once; the kernel shows that evaluation. Proof: the
    # notebook still renders after the form file is gone.
    import selfeval
    from selfeval.report.notebook import prepare, save_prepared
    from selfeval.report.render import run_report_notebook

    form = tmp_path / "seed.txt"
    form.write_bytes((selfeval.example_folder() / "seed.txt").read_bytes())
    params = tmp_path / "seed.yaml"
    params.write_text("form: seed.txt\n", encoding="utf-8")
    prepared = tmp_path / "prepared.pickle"
    save_prepared(prepare(params), prepared)
    form.unlink()
    nb = run_report_notebook(params, None, prepared=prepared)
    shown = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))
    assert "电子政务项目运行维护资金" in shown and "79.43" in shown


def test_a_prepared_context_for_another_params_file_is_refused(tmp_path):
    from selfeval.report.notebook import prepare, save_prepared, start

    prepared = tmp_path / "prepared.pickle"
    save_prepared(prepare(None), prepared)
    other = tmp_path / "other.yaml"
    other.write_text("form: x.txt\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="not the context of params_file"):
        start({"params_file": str(other), "prepared": str(prepared)})
