"""Forked report kernels: same reports byte for byte, each kernel its own process, failures
contained, nothing left behind, and an ordinary kernel whenever the fork server is not there."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from selfeval.batch import forkserver
from selfeval.batch.execute import NotebookRunError, execute_notebook

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not forkserver.available(), reason="forked kernels need Linux")


@pytest.fixture
def server(monkeypatch):
    monkeypatch.delenv(forkserver.ENV, raising=False)
    srv = forkserver.start_server()
    assert srv is not None
    yield srv
    srv.close()
    os.environ.pop(forkserver.ENV, None)


def _notebook(path: Path, *sources: str) -> Path:
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _stdout(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.output_type == "stream")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead too
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _gone(pid: int, within: float = 10) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_reports_are_byte_identical_with_and_without_forked_kernels(tmp_path, monkeypatch):
    from selfeval.report.render import render_report

    monkeypatch.delenv(forkserver.ENV, raising=False)
    for name in ("seed", "national_culture"):
        plain = render_report(ROOT / "params" / f"{name}.yaml", tmp_path / "plain").html
        srv = forkserver.start_server()
        try:
            forked = render_report(ROOT / "params" / f"{name}.yaml", tmp_path / "forked").html
        finally:
            srv.close()
            os.environ.pop(forkserver.ENV, None)
        assert forked == plain, name


def test_each_kernel_is_a_fresh_process_forked_from_the_server(tmp_path, server):
    nb = _notebook(tmp_path / "k.ipynb",
                   "import os, sys, selfeval.report.sections as p\n"
                   "print('pid', os.getpid(), 'ppid', os.getppid(), 'seen', getattr(p, 'LEFT_BEHIND', None))\n"
                   "p.LEFT_BEHIND = os.getpid()  # a kernel changing a preloaded module\n"
                   "print('preloaded', 'pandas' in sys.modules, 'cwd', os.getcwd())")
    first = _stdout(execute_notebook(nb, None, {}, tmp_path))
    second = _stdout(execute_notebook(nb, None, {}, tmp_path))
    pid1, pid2 = first.split()[1], second.split()[1]
    assert pid1 != pid2
    assert f"ppid {server.proc.pid}" in first and f"ppid {server.proc.pid}" in second
    assert "seen None" in first and "seen None" in second  # nothing carried from one kernel to the next
    assert f"preloaded True cwd {tmp_path}" in first


def test_a_kernel_that_dies_fails_its_notebook_and_the_server_serves_on(tmp_path, server):
    dying = _notebook(tmp_path / "die.ipynb", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    with pytest.raises(NotebookRunError) as info:
        execute_notebook(dying, None, {}, tmp_path, timeout=60)
    assert info.value.kind == "kernel-died"
    ok = _notebook(tmp_path / "ok.ipynb", "print('still here')")
    assert "still here" in _stdout(execute_notebook(ok, None, {}, tmp_path))
    assert server.proc.poll() is None


def _start(tmp_path: Path):
    """A forked kernel through the manager; returns (manager, client, kernel pid, stand-in pid)."""
    from traitlets.config import Config

    from selfeval.batch.kernels import ForkKernelManager

    async def go():
        c = Config()
        c.KernelManager.transport = "ipc"
        c.KernelManager.ip = str(tmp_path / "k")
        km = ForkKernelManager(config=c, kernel_name="python3")
        await km.start_kernel()
        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=60)
        out = []
        await kc.execute_interactive("import os; print(os.getpid())", timeout=60,
                                     output_hook=lambda m: out.append(m["content"].get("text", "")))
        return km, kc, int("".join(out).strip()), km.provisioner.process.pid

    return asyncio.run(go())


def test_killing_the_stand_in_kills_its_kernel(tmp_path, server):
    _km, kc, kernel, stand_in = _start(tmp_path)
    assert kernel != stand_in and _alive(kernel)
    os.kill(stand_in, signal.SIGKILL)  # what jupyter_client's kill does
    assert _gone(kernel)
    kc.stop_channels()


def test_killing_the_server_kills_its_kernels(tmp_path, server):
    km, kc, kernel, _ = _start(tmp_path)
    os.kill(server.proc.pid, signal.SIGKILL)
    assert _gone(kernel)
    kc.stop_channels()
    asyncio.run(km.shutdown_kernel(now=True))


def test_without_a_server_the_stand_in_is_an_ordinary_kernel(tmp_path, monkeypatch):
    from selfeval.batch.kernels import ForkKernelManager

    monkeypatch.setenv(forkserver.ENV, str(tmp_path / "no-such-socket"))
    nb = _notebook(tmp_path / "n.ipynb", "import os; print('parent', os.getppid())")
    out = _stdout(execute_notebook(nb, None, {}, tmp_path, kernel_manager_class=ForkKernelManager))
    # the stand-in found no server and exec'd itself into an ordinary kernel: our own child
    assert f"parent {os.getpid()}" in out


def test_no_server_means_the_default_manager(monkeypatch):
    monkeypatch.delenv(forkserver.ENV, raising=False)
    assert forkserver.kernel_manager_class() is None
    monkeypatch.setenv(forkserver.ENABLE_ENV, "0")
    assert forkserver.start_server() is None


def test_the_stand_in_imports_nothing_heavy():
    import subprocess

    out = subprocess.run([sys.executable, "-c", "import sys, selfeval.batch.forkserver; "
                          "print(sorted(m for m in ('jupyter_client', 'zmq', 'ipykernel', 'pandas') if m in sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_stand_in_that_says_nothing_does_not_stall_the_server(tmp_path, server):
    import socket

    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.connect(server.path)  # connects, never sends its request
    try:
        nb = _notebook(tmp_path / "ok.ipynb", "print('served')")
        started = time.monotonic()
        assert "served" in _stdout(execute_notebook(nb, None, {}, tmp_path))
        assert time.monotonic() - started < 30
    finally:
        silent.close()
    assert server.proc.poll() is None


def test_a_preload_that_fails_leaves_no_socket_behind(tmp_path):
    import subprocess

    path = tmp_path / "s"
    code = ("import sys, selfeval.batch.forkserver as f\n"
            "def broken(): raise RuntimeError('preload broke')\n"
            f"f.preload = broken\nf.serve({str(path)!r})\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "preload broke" in run.stderr
    assert not path.exists()  # so stand-ins and the manager see no server and use ordinary kernels
