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

from selfeval.execution import forkserver
from selfeval.execution.execute import NotebookRunError, execute_notebook
from selfeval.execution.kernels import KERNEL_NAME, start_fork_server

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not forkserver.available(), reason="forked kernels need Linux")]


@pytest.fixture
def server(monkeypatch):
    monkeypatch.delenv(forkserver.ENV, raising=False)
    srv = start_fork_server()
    assert srv is not None
    yield srv
    srv.close()
    assert forkserver.ENV not in os.environ


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
        srv = start_fork_server()
        try:
            forked = render_report(ROOT / "params" / f"{name}.yaml", tmp_path / "forked").html
        finally:
            srv.close()
        assert forked == plain, name


def test_each_kernel_is_a_fresh_process_forked_from_the_server(tmp_path, server):
    nb = _notebook(tmp_path / "k.ipynb",
                   "import os, sys, selfeval.report.sections as p\n"
                   "print('pid', os.getpid(), 'ppid', os.getppid(), 'seen', getattr(p, 'LEFT_BEHIND', None))\n"
                   "p.LEFT_BEHIND = os.getpid()  # a kernel changing a preloaded module\n"
                   "print('preloaded', 'matplotlib.pyplot' in sys.modules, 'cwd', os.getcwd())")
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


_MANAGER = """
import asyncio, os, sys
from traitlets.config import Config
from jupyter_client.manager import AsyncKernelManager
from selfeval.execution.kernels import kernel_for

async def go():
    c = Config()
    c.KernelManager.transport = "ipc"
    c.KernelManager.ip = sys.argv[1]
    km = AsyncKernelManager(config=c, kernel_name=kernel_for("python3", c))
    await km.start_kernel()
    print(km.provisioner.pid, type(km.provisioner).__name__, flush=True)
    await asyncio.sleep(120)

asyncio.run(go())
"""


def _start(tmp_path: Path):
    """A forked kernel through jupyter_client's own manager: (manager, client, kernel pid)."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets.config import Config

    from selfeval.execution.kernels import kernel_for

    async def go():
        c = Config()
        c.KernelManager.transport = "ipc"
        c.KernelManager.ip = str(tmp_path / "k")
        km = AsyncKernelManager(config=c, kernel_name=kernel_for("python3", c))
        await km.start_kernel()
        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=60)
        out = []
        await kc.execute_interactive("import os; print(os.getpid())", timeout=60,
                                     output_hook=lambda m: out.append(m["content"].get("text", "")))
        return km, kc, int("".join(out).strip())

    return asyncio.run(go())


def test_the_provisioner_holds_the_forked_kernel_itself(tmp_path, server):
    km, kc, kernel = _start(tmp_path)
    assert km.kernel_name == KERNEL_NAME and type(km.provisioner).__name__ == "ForkProvisioner"
    assert km.provisioner.pid == kernel  # no stand-in process between them
    assert asyncio.run(km.is_alive())
    kc.stop_channels()
    asyncio.run(km.shutdown_kernel(now=True))
    assert _gone(kernel) and server.proc.poll() is None


def test_an_interrupt_reaches_the_forked_kernel(tmp_path, server):
    km, kc, _kernel = _start(tmp_path)

    async def go():
        msg_id = kc.execute("import time\ntry:\n    time.sleep(60)\nexcept KeyboardInterrupt:\n    print('interrupted')")
        await asyncio.sleep(1)
        await km.interrupt_kernel()
        out = []
        while True:
            msg = await kc.get_iopub_msg(timeout=30)
            if msg["parent_header"].get("msg_id") == msg_id:
                if msg["msg_type"] == "stream":
                    out.append(msg["content"]["text"])
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    return "".join(out)

    assert "interrupted" in asyncio.run(go())
    kc.stop_channels()
    asyncio.run(km.shutdown_kernel(now=True))


def test_a_requester_killed_takes_its_kernel_along(tmp_path, server):
    import subprocess

    proc = subprocess.Popen([sys.executable, "-c", _MANAGER, str(tmp_path / "k")], stdout=subprocess.PIPE, text=True)
    try:
        kernel, kind = proc.stdout.readline().split()
        assert kind == "ForkProvisioner" and _alive(int(kernel))
        os.kill(proc.pid, signal.SIGKILL)  # a batch worker killed: the server notices its connection close
        assert _gone(int(kernel))
    finally:
        proc.kill()
        proc.wait()
    assert server.proc.poll() is None


def test_killing_the_server_kills_its_kernels(tmp_path, server):
    km, kc, kernel = _start(tmp_path)
    os.kill(server.proc.pid, signal.SIGKILL)
    assert _gone(kernel)

    async def noticed():  # the provisioner learns it from the closed connection
        for _ in range(100):
            if not await km.is_alive():
                return True
            await asyncio.sleep(0.05)
        return False

    assert asyncio.run(noticed())
    kc.stop_channels()
    asyncio.run(km.shutdown_kernel(now=True))


def test_without_a_server_the_provisioner_launches_an_ordinary_kernel(tmp_path, monkeypatch):
    from jupyter_client.manager import AsyncKernelManager
    from traitlets.config import Config

    from selfeval.execution.kernels import kernels_dir

    monkeypatch.setenv("JUPYTER_PATH", str(kernels_dir().parent))
    monkeypatch.setenv(forkserver.ENV, str(tmp_path / "no-such-socket"))

    async def go():
        c = Config()
        c.KernelManager.transport = "ipc"
        c.KernelManager.ip = str(tmp_path / "k")
        km = AsyncKernelManager(config=c, kernel_name=KERNEL_NAME)
        await km.start_kernel()
        try:
            return type(km.provisioner).__name__, km.provisioner.process.pid, \
                Path(f"/proc/{km.provisioner.process.pid}/stat").read_text().split()[3]
        finally:
            await km.shutdown_kernel(now=True)

    kind, _pid, parent = asyncio.run(go())
    assert kind == "ForkProvisioner" and parent == str(os.getpid())  # our own child, as jupyter_client starts it


def test_no_server_means_the_notebooks_own_kernel(monkeypatch):
    from traitlets.config import Config

    from selfeval.execution.kernels import kernel_for

    monkeypatch.delenv(forkserver.ENV, raising=False)
    assert forkserver.running() is None and kernel_for("python3", Config()) == "python3"
    monkeypatch.setenv(forkserver.ENABLE_ENV, "0")
    assert start_fork_server() is None


def test_the_kernel_spec_ships_and_names_a_registered_provisioner(monkeypatch):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.provisioning import KernelProvisionerFactory

    from selfeval.execution.kernels import kernels_dir, preload_names

    monkeypatch.setenv("JUPYTER_PATH", str(kernels_dir().parent))
    spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    assert spec.metadata["kernel_provisioner"]["provisioner_name"] == "selfeval-fork"
    assert KernelProvisionerFactory.instance().is_provisioner_available(spec)
    assert "selfeval.report.charts" in preload_names() and "selfeval.report.notebook:rehearse" in preload_names()


def test_the_server_preloads_what_a_report_kernel_imports_and_nothing_else(tmp_path, monkeypatch):
    """The kernel spec's list against an ordinary kernel that rendered the seed's report: every
    module that kernel held is preloaded (no forked kernel imports it again), and no package is
    preloaded that it did not hold (no fork server pays for it at start, nor holds it in memory)."""
    import json
    import shutil
    import subprocess

    from selfeval.report.notebook import prepare, save_prepared
    from selfeval.report.render import REPORT_NOTEBOOK, notebooks_dir, run_report_notebook

    monkeypatch.delenv(forkserver.ENV, raising=False)  # an ordinary kernel
    folder = tmp_path / "notebooks"
    shutil.copytree(notebooks_dir(), folder)
    nb = nbformat.read(folder / REPORT_NOTEBOOK, as_version=4)
    nb.cells.append(new_code_cell("import json as _j, sys as _s\nprint(_j.dumps(sorted(_s.modules)))"))
    nbformat.write(nb, folder / REPORT_NOTEBOOK)
    monkeypatch.setenv("SELFEVAL_NOTEBOOKS", str(folder))
    params = ROOT / "params" / "seed.yaml"
    save_prepared(prepare(params), tmp_path / "prepared.pickle")
    ran = run_report_notebook(params, None, prepared=tmp_path / "prepared.pickle")
    kernel = set(json.loads(_stdout(ran).strip().splitlines()[-1]))

    code = ("import json, sys\nfrom selfeval.execution.forkserver import preload\n"
            "from selfeval.execution.kernels import preload_names\n"
            "preload(preload_names())\nprint(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, **forkserver.ONE_THREAD}).stdout
    server = set(json.loads(out))
    assert sorted(kernel - server) == []
    # beyond it: the server's own code, and what the rehearsal's review of the example loads (a
    # kernel is handed its review)
    extra = {m for m in server - kernel if not m.startswith("selfeval.execution")}
    assert extra <= {"selfeval.execution", "selfeval.assess.places"}, sorted(extra)


def test_the_thread_guard_counts_native_threads(tmp_path):
    import subprocess

    if (os.cpu_count() or 1) < 2:
        pytest.skip("OpenBLAS starts no pool on one core")
    code = ("import threading, numpy, selfeval.execution.forkserver as f; "
            "print(threading.active_count(), f.native_threads())")
    env = {k: v for k, v in os.environ.items() if k not in forkserver.ONE_THREAD}
    python_threads, native = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                                            check=True).stdout.split()
    assert python_threads == "1" and int(native) > 1  # what threading.active_count() does not see
    one = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**env, **forkserver.ONE_THREAD}, check=True).stdout.split()
    assert one == ["1", "1"]
    (tmp_path / "spawns.py").write_text("import threading, time\n"
                                        "def start():\n    threading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n")
    run = subprocess.run([sys.executable, "-c", "import selfeval.execution.forkserver as f; f.preload(['spawns:start'])"],
                         capture_output=True, text=True, cwd=tmp_path, env={**env, "PYTHONPATH": str(tmp_path)})
    assert run.returncode == 1 and "cannot fork safely" in run.stderr


def test_the_server_listens_before_it_imports_anything_heavy():
    import subprocess

    out = subprocess.run([sys.executable, "-c", "import sys, selfeval.execution.forkserver; "
                          "print(sorted(m for m in ('jupyter_client', 'zmq', 'ipykernel', 'pandas') if m in sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_requester_that_says_nothing_does_not_stall_the_server(tmp_path, server):
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
    code = f"import selfeval.execution.forkserver as f\nf.serve({str(path)!r}, None, None, ['selfeval.execution.forkserver:broken'])\n"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "has no attribute 'broken'" in run.stderr
    assert not path.exists()  # so requests find no server and the provisioner launches ordinary kernels


def test_a_forked_kernel_starts_rehearsed_and_frozen(tmp_path, server):
    nb = _notebook(tmp_path / "k.ipynb",
                   "import gc, sys\n"
                   "from selfeval.report.narrative import _template\n"
                   "print('frozen', gc.get_freeze_count() > 1000, 'rehearsed', _template.cache_info().currsize > 0,\n"
                   "      'canvas', 'selfeval.report.canvas' in sys.modules)")
    assert "frozen True rehearsed True canvas True" in _stdout(execute_notebook(nb, None, {}, tmp_path))


def test_the_rehearsal_writes_nothing_and_leaves_no_thread(tmp_path, monkeypatch):
    import threading

    from selfeval.report.notebook import rehearse

    monkeypatch.chdir(tmp_path)
    before = threading.active_count()
    rehearse()
    assert list(tmp_path.iterdir()) == [] and threading.active_count() == before


def test_a_rehearsal_the_batchs_rulesets_refuse_is_skipped(tmp_path, monkeypatch):
    import shutil

    from selfeval.errors import SelfevalError
    from selfeval.report.notebook import prepare, rehearse

    own = tmp_path / "rulesets"
    own.mkdir()
    shutil.copy(ROOT / "selfeval" / "rulesets" / "suzhou-2023.yaml", own / "suzhou-copy.yaml")
    monkeypatch.setenv("SELFEVAL_RULESETS", str(own))  # two rulesets now apply to the example
    with pytest.raises(SelfevalError):
        prepare()
    rehearse()  # a warm-up: it must not stop the fork server from serving
