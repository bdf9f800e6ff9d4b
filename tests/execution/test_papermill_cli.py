"""The report notebook the papermill way: `-p params_file` renders that project; `-f` and a
misspelt `-p` are refused; a relative path means the same under papermill as in the Lab."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # end-to-end: kernels, papermill, a browser or a wheel

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "project_report.ipynb"


def papermill(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "papermill", "--no-progress-bar", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def outputs(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "".join("".join(o.get("data", {}).get("text/html", "")) for c in nb["cells"] for o in c.get("outputs", []))


def test_p_params_file_renders_that_project(tmp_path):
    out = tmp_path / "out.ipynb"
    run = papermill(str(NOTEBOOK), str(out), "-p", "params_file", "params/greening.yaml", cwd=ROOT)
    assert run.returncode == 0, run.stderr
    html = outputs(out)
    assert "城市绿化养护经费" in html and "电子政务项目运行维护资金" not in html


def test_a_relative_params_file_is_relative_to_the_working_directory(tmp_path):
    out = tmp_path / "out.ipynb"
    run = papermill(str(NOTEBOOK), str(out), "-p", "params_file", "greening.yaml", cwd=ROOT / "params")
    assert run.returncode == 0, run.stderr
    assert "城市绿化养护经费" in outputs(out)
    run = papermill(str(NOTEBOOK), str(out), "-p", "params_file", "greening.yaml", cwd=tmp_path)
    assert run.returncode != 0
    assert "no such file" in run.stderr and str(tmp_path) in run.stderr


@pytest.mark.parametrize(("args", "expected"), [
    (["-f", "params/greening.yaml"], "-p params_file"),
    (["-p", "param_file", "params/greening.yaml"], "param_file (did you mean params_file?)"),
    (["-p", "params_file", "params/greening.yaml", "-p", "reviewer", "张三"], "unknown parameters reviewer"),
])
def test_f_and_misspelt_parameters_are_refused_never_the_example(tmp_path, args, expected):
    out = tmp_path / "out.ipynb"
    run = papermill(str(NOTEBOOK), str(out), *args, cwd=ROOT)
    assert run.returncode != 0
    assert expected in run.stderr.replace("\n", " ")
    assert "电子政务项目运行维护资金" not in outputs(out)  # the bundled example was not rendered instead


def test_plain_nbconvert_with_the_package_template_titles_the_page(tmp_path):
    from selfeval.report.html import template_basedir

    run = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--template", "selfeval",
                          f"--TemplateExporter.extra_template_basedirs={template_basedir()}", "--output-dir",
                          str(tmp_path), str(ROOT / "notebooks" / "analyst_guide.ipynb")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    page = (tmp_path / "analyst_guide.html").read_text(encoding="utf-8")
    assert "<title>analyst_guide</title>" in page and "<script" not in page


def test_only_papermills_injected_cell_is_checked():
    from selfeval.errors import ParamsError
    from selfeval.report.notebook import check_parameters, injected_names

    injected = '# Parameters\nparams_file = "params/x.yaml"\nreviewer = "张三"\n'
    assert injected_names(["x = 1", injected]) == ["params_file", "reviewer"]
    with pytest.raises(ParamsError, match="unknown parameters reviewer"):
        check_parameters({"In": ["", injected], "params_file": "params/x.yaml", "reviewer": "张三"})
    # JupyterLab: the analyst re-runs the notebook; ctx, ev and her own variables are not parameters
    check_parameters({"In": ["", "params_file = None", "ctx = present.start(globals())", "my_table = 3"],
                      "ctx": object(), "ev": object(), "my_table": 3})
    # a cell of the user's that merely starts with a longer comment is not papermill's
    check_parameters({"In": ["# Parameters (papermill injects a cell after this one)\nparams_file = None\nx = 1"]})
