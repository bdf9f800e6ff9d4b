"""An installed selfeval (a wheel, outside the checkout) renders reports and a batch: the
notebooks, templates, rulesets and data ship in the package.

The wheel is built from this tree and installed into a fresh venv. Its dependencies come from the
test environment through a path file (a plain path entry: the editable install's own finder
there is never loaded) and, for the data files pip puts under `share/jupyter` (nbconvert's base
templates), JUPYTER_PATH; so the test needs no network and every `selfeval` module, notebook and
template comes from the wheel.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # end-to-end: kernels, papermill, a browser or a wheel

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(dist), str(ROOT)], check=True, capture_output=True, timeout=600)
    (wheel,) = dist.glob("selfeval-*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
                    str(wheel)], check=True, capture_output=True, timeout=600)
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    # as on a batch machine, JupyterLab is not there (the test's own environment has it: hidden here)
    (site / "sitecustomize.py").write_text(
        "import sys\n\n\nclass _NoLab:\n    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'jupyterlab' or name.startswith('jupyterlab.'):\n"
        "            raise ImportError('JupyterLab is not installed here (the lab extra)')\n\n\n"
        "sys.meta_path.insert(0, _NoLab())\n", encoding="utf-8")
    import zipfile

    with zipfile.ZipFile(wheel) as whl:  # a batch machine installs no JupyterLab: it is the `lab` extra
        meta = whl.read(next(n for n in whl.namelist() if n.endswith(".dist-info/METADATA"))).decode("utf-8")
    requires = [line for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    assert [r for r in requires if "jupyterlab" in r] == ['Requires-Dist: jupyterlab>=4; extra == "lab"',
                                                          'Requires-Dist: jupyterlab>=4; extra == "dev"']
    assert any(n.endswith("selfeval/py.typed") for n in zipfile.ZipFile(wheel).namelist())
    return venv


def _env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SELFEVAL_", "PYTHON", "JUPYTER"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")  # the dependencies' data files
    return env


def test_the_wheel_carries_notebooks_and_imports_from_itself(installed, tmp_path):
    out = subprocess.run([str(installed / "bin" / "python"), "-c",
                          "import selfeval, selfeval.report.render as r; print(selfeval.__file__); print(r.notebooks_dir())"],
                         cwd=tmp_path, env=_env(installed), capture_output=True, text=True, check=True)
    module, notebooks = out.stdout.split()
    assert module.startswith(str(installed)) and notebooks.startswith(str(installed))
    assert {p.name for p in Path(notebooks).glob("*.ipynb")} >= {"project_report.ipynb", "portfolio.ipynb",
                                                                 "analyst_guide.ipynb"}


def test_an_installed_selfeval_renders_a_report_and_a_batch(installed, tmp_path):
    import selfeval

    params = tmp_path / "projects"
    params.mkdir()
    for name in ("seed", "greening"):
        (params / f"{name}.txt").write_bytes((selfeval.example_folder() / f"{name}.txt").read_bytes())
        (params / f"{name}.yaml").write_text(f"form: {name}.txt\nreviewer: 张三\n", encoding="utf-8")
    cli = str(installed / "bin" / "selfeval")
    env = _env(installed)
    no_lab = subprocess.run([str(installed / "bin" / "python"), "-c", "import jupyterlab"], env=env,
                            capture_output=True, text=True)
    assert no_lab.returncode != 0 and "not installed here" in no_lab.stderr
    report = subprocess.run([cli, "report", "projects/seed.yaml", "--out", "one"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=600)
    assert report.returncode == 0, report.stderr
    page = (tmp_path / "one" / "seed.html").read_text(encoding="utf-8")
    assert "电子政务项目运行维护资金" in page and "79.43" in page
    batch = subprocess.run([cli, "run", "projects", "--out", "all", "--jobs", "2"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=600)
    assert batch.returncode == 0, batch.stderr
    assert "2 rendered, 0 skipped, 0 failed" in batch.stderr + batch.stdout
    for name in ("seed.html", "greening.html", "index.html", "portfolio.html", "scores.csv", "scores.xlsx"):
        assert (tmp_path / "all" / name).is_file(), name
    assert "城市绿化养护经费" in (tmp_path / "all" / "greening.html").read_text(encoding="utf-8")
