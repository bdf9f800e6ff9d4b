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
