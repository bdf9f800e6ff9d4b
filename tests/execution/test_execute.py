"""Tests for selfeval.execution.execute: parameter injection, error reporting, retry, parallel IPC runs."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from selfeval.errors import SelfevalError
from selfeval.execution.execute import NotebookRunError, execute_notebook

pytestmark = pytest.mark.slow  # end-to-end: kernels, papermill, a browser or a wheel

REPORT_CELL = """\
import os
from ipykernel.kernelapp import IPKernelApp
app = IPKernelApp.instance()
print(f"project={project_id} weight={weight} transport={app.transport} cwd={os.getcwd()} log={app.log_level}")
"""


def _write(path: Path, *sources: str) -> Path:
    cells = [new_code_cell('project_id = "P-000"\nweight = 1.0', metadata={"tags": ["parameters"]})]
    cells += [new_code_cell(src) for src in sources]
    nb = new_notebook(cells=cells)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture
def report_nb(tmp_path: Path) -> Path:
    return _write(tmp_path / "report.ipynb", REPORT_CELL)


def _stdout(nb: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")


def test_parameters_injected_in_cwd_over_ipc(report_nb, tmp_path):
    workdir = tmp_path / "work"
    workdir.mkdir()
    out = tmp_path / "out" / "executed.ipynb"
    out.parent.mkdir()
    before = os.getcwd()
    started = time.perf_counter()
    nb = execute_notebook(report_nb, out, {"project_id": "苏财-2023-017", "weight": 0.25}, workdir)
    elapsed = time.perf_counter() - started
    text = _stdout(nb)
    assert "project=苏财-2023-017 weight=0.25" in text
    assert "transport=ipc" in text
    assert "log=50" in text  # the kernel's own log (shutdown's SIGINT noise) stays off the terminal
    assert f"cwd={workdir.resolve()}" in text
    assert os.getcwd() == before  # no process-wide chdir
    assert out.is_file()
    saved = nbformat.read(out, as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in saved.cells)
    assert elapsed < 60, elapsed


def test_cell_error_is_reported_not_retried(tmp_path):
    nb_path = _write(
        tmp_path / "bad.ipynb",
        "calls = 1",
        "raise ValueError(f'指标权重之和不为100: {project_id}')",
        "print('never')",
    )
    out = tmp_path / "bad-out.ipynb"
    started = time.perf_counter()
    with pytest.raises(NotebookRunError) as info:
        execute_notebook(nb_path, out, {"project_id": "P-9"}, tmp_path)
    err = info.value
    assert isinstance(err, SelfevalError)
    assert err.kind == "cell"
    assert err.ename == "ValueError"
    assert err.evalue == "指标权重之和不为100: P-9"
    assert "ValueError" in str(err) and "P-9" in str(err)
    assert "\x1b[" not in err.traceback  # ANSI colours stripped
    assert err.cell_index == 3  # parameters, injected-parameters, calls = 1, raise
    # the executed notebook with the traceback is kept for inspection
    saved = nbformat.read(out, as_version=4)
    assert any(o.output_type == "error" for c in saved.cells for o in c.get("outputs", []))
    assert time.perf_counter() - started < 30  # no retry delay, no second kernel


def test_cell_timeout(tmp_path):
    nb_path = _write(tmp_path / "slow.ipynb", "import time\ntime.sleep(30)")
    with pytest.raises(NotebookRunError) as info:
        execute_notebook(nb_path, None, {}, tmp_path, timeout=2)
    assert info.value.kind == "timeout"


def test_unknown_kernel(report_nb, tmp_path):
    with pytest.raises(NotebookRunError) as info:
        execute_notebook(report_nb, None, {}, tmp_path, kernel_name="no-such-kernel")
    assert info.value.kind == "no-kernel"


FLAKY_LAUNCHER = """\
import os, sys
counter = os.path.join(os.path.dirname(os.path.abspath(__file__)), "attempts")
n = int(open(counter).read()) if os.path.exists(counter) else 0
open(counter, "w").write(str(n + 1))
if n < int(os.environ["FLAKY_FAILS"]):
    sys.exit(3)  # simulate a kernel that dies during start-up
from ipykernel import kernelapp
kernelapp.launch_new_instance()
"""


@pytest.fixture
def flaky_kernel(tmp_path, monkeypatch) -> Path:
    """A kernelspec whose first FLAKY_FAILS launches exit immediately."""
    spec = tmp_path / "jupyter" / "kernels" / "flaky"
    spec.mkdir(parents=True)
    (spec / "launcher.py").write_text(FLAKY_LAUNCHER)
    argv = [sys.executable, str(spec / "launcher.py"), "-f", "{connection_file}"]
    kernel_json = {"argv": argv, "display_name": "flaky", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel_json))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return spec / "attempts"


def test_kernel_start_failure_retried_once(report_nb, tmp_path, flaky_kernel, monkeypatch):
    monkeypatch.setenv("FLAKY_FAILS", "1")
    nb = execute_notebook(report_nb, None, {"project_id": "P-1"}, tmp_path, kernel_name="flaky")
    assert "project=P-1" in _stdout(nb)
    assert flaky_kernel.read_text() == "2"


def test_kernel_start_failure_gives_up_after_retry(report_nb, tmp_path, flaky_kernel, monkeypatch):
    monkeypatch.setenv("FLAKY_FAILS", "5")
    with pytest.raises(NotebookRunError) as info:
        execute_notebook(report_nb, None, {}, tmp_path, kernel_name="flaky")
    assert info.value.kind == "kernel-start"
    assert "failed to start twice" in str(info.value)
    assert flaky_kernel.read_text() == "2"


def test_parallel_threads_share_nothing(report_nb, tmp_path):
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            nb = execute_notebook(report_nb, tmp_path / f"t{i}.ipynb", {"project_id": f"T{i}"}, tmp_path)
            results[i] = _stdout(nb)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for i in range(4):
        assert f"project=T{i} " in results[i]
        assert "transport=ipc" in results[i]


def _run_in_process(args: tuple[str, str, str, str]) -> str:
    nb_path, out, project, cwd = args
    return _stdout(execute_notebook(nb_path, out, {"project_id": project}, cwd))


def test_parallel_processes(report_nb, tmp_path):
    jobs = [(str(report_nb), str(tmp_path / f"p{i}.ipynb"), f"P{i}", str(tmp_path)) for i in range(2)]
    with ProcessPoolExecutor(max_workers=2, mp_context=get_context("spawn")) as pool:
        outputs = list(pool.map(_run_in_process, jobs))
    for i, text in enumerate(outputs):
        assert f"project=P{i} " in text


def test_paths_with_braces_and_chinese_are_literal(tmp_path):
    nb_path = _write(tmp_path / "报告{P-1}.ipynb", "print(f'project={project_id} ')")
    out = tmp_path / "输出{project_id}.ipynb"  # must not be filled in by papermill
    nb = execute_notebook(nb_path, out, {"project_id": "X"}, tmp_path)
    assert "project=X " in _stdout(nb)
    assert out.is_file()


def test_parameters_must_survive_translation(report_nb, tmp_path):
    with pytest.raises(NotebookRunError) as info:
        execute_notebook(report_nb, None, {"project_id": ("a", "b")}, tmp_path)
    assert info.value.kind == "parameters"
    assert "tuple" in str(info.value)
    nb = execute_notebook(
        report_nb, None, {"project_id": tmp_path / "x", "weight": [1, {"k": None}]}, tmp_path
    )
    assert f"project={tmp_path / 'x'} weight=[1, {{'k': None}}]" in _stdout(nb)


def test_missing_inputs(report_nb, tmp_path):
    with pytest.raises(NotebookRunError) as info:
        execute_notebook(tmp_path / "nope.ipynb", None, {}, tmp_path)
    assert info.value.kind == "input"
    with pytest.raises(NotebookRunError) as info:
        execute_notebook(report_nb, None, {}, tmp_path / "missing-dir")
    assert info.value.kind == "input"
    with pytest.raises(NotebookRunError) as info:
        execute_notebook(report_nb, tmp_path / "no" / "out.ipynb", {}, tmp_path)
    assert info.value.kind == "input"


def test_long_tmpdir_does_not_break_ipc(report_nb, tmp_path, monkeypatch):
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    nb = execute_notebook(report_nb, None, {"project_id": "L"}, tmp_path)
    assert "transport=ipc" in _stdout(nb)
