"""Report kernels forked from a pre-imported process: each report still gets a fresh process of
its own, without paying for Python, ipykernel, matplotlib, pandas, pydantic and the CJK font again.

Three parts, all on the ordinary papermill → nbclient → jupyter_client path:

* **The server** (`serve`, one per batch, started by `start_server`): a single-threaded process
  that imports what a report kernel imports, then waits on a Unix socket. For each request it
  forks; the child becomes an IPython kernel with the connection file jupyter_client wrote.
* **The stand-in** (`python -m selfeval.batch.forkserver -f CONNECTION_FILE …`): what jupyter_client
  launches instead of `python -m ipykernel_launcher`. It asks the server for a kernel, passing
  its working directory, environment and standard streams, and then stands for that kernel:
  signals it receives (jupyter_client's SIGINT interrupt, SIGTERM) go to the kernel, and it
  exits with the kernel's exit status. Killed (SIGKILL), its connection closes and the server
  kills the kernel. If no server answers it becomes an ordinary kernel (exec), so a report never
  fails for want of the server.
* **`kernels.ForkKernelManager`**: the jupyter_client kernel manager that launches the stand-in;
  the IPC transport, the start-up retry and everything else stay as `execute` sets them.

Isolation is the process's: a forked kernel shares nothing writable with the server or another
kernel. Linux only (fork after imports, `PR_SET_PDEATHSIG`); elsewhere batches use ordinary
kernels. The server, its kernels and the stand-ins die with the batch.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import socket
import struct
import sys
from pathlib import Path
from typing import Any

#: The server's socket path, for the stand-ins (set by `start_server` in the batch's environment).
ENV = "SELFEVAL_FORKSERVER"
#: Seconds a stand-in waits for the server's answer before it becomes an ordinary kernel.
REPLY_TIMEOUT = 30.0
#: Set to 0 to render every report with an ordinary kernel.
ENABLE_ENV = "SELFEVAL_FORK"


def available() -> bool:
    """Whether forked kernels can be used here (Linux, not switched off)."""
    return sys.platform.startswith("linux") and os.environ.get(ENABLE_ENV, "1") != "0"


def _die_with_parent(sig: int = signal.SIGKILL) -> None:
    import ctypes

    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, sig)  # PR_SET_PDEATHSIG


def _send(sock: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    data = json.dumps(message).encode()
    frame = struct.pack("!I", len(data)) + data
    if fds:  # the descriptors ride with the 4-byte header; the rest is sent whole by sendall
        sent = socket.send_fds(sock, [frame[:4]], fds)
        sock.sendall(frame[sent:])
    else:
        sock.sendall(frame)


def _receive(sock: socket.socket, with_fds: bool = False) -> tuple[dict[str, Any] | None, list[int]]:
    fds: list[int] = []
    buf = b""
    while len(buf) < 4:
        if with_fds and not buf:
            chunk, got, _, _ = socket.recv_fds(sock, 4 - len(buf), 8)
            fds += got
        else:
            chunk = sock.recv(4 - len(buf))
        if not chunk:
            return None, fds
        buf += chunk
    (size,) = struct.unpack("!I", buf)
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None, fds
        data += chunk
    return json.loads(data), fds


# --- the server --------------------------------------------------------------------------------

def preload() -> None:
    """Import what a report kernel imports and load the font, before any fork. Nothing here may
    start a thread or open a ZeroMQ context (a forked child would inherit it half-alive)."""
    import ipykernel.ipkernel
    import ipykernel.kernelapp  # noqa: F401
    import IPython  # noqa: F401
    import matplotlib_inline.backend_inline  # noqa: F401
    import pandas  # noqa: F401

    # what IPKernelApp itself imports while it starts (the debugger, history, pdb): measured as
    # the modules a fresh kernel holds that the lines above do not bring
    # (debugpy warns about frozen modules on import; a kernel imports it before its first cell,
    # where the warning is never seen, so it is kept quiet here too)
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    for name in ("ipykernel.debugger", "IPython.core.oinspect", "ipykernel.zmqshell", "sqlite3", "pdb", "pydoc", "psutil", "runpy",
                 "faulthandler", "IPython.core.history", "IPython.core.completer"):
        with contextlib.suppress(ImportError):
            __import__(name)

    from selfeval.report import charts, conclusion, narrative  # noqa: F401
    from selfeval.report.fonts import configure_matplotlib

    configure_matplotlib()
    _draw_once()
    import threading

    if threading.active_count() != 1:  # a thread would be copied half-alive into every kernel
        raise RuntimeError(f"preloading started {threading.active_count() - 1} thread(s); cannot fork safely")


def _draw_once() -> None:
    """Render one small figure with Chinese text: the CJK font file is parsed and its glyph cache
    filled here, once, instead of in every report's first chart."""
    from matplotlib.figure import Figure

    from selfeval.report.fonts import fig_to_png_bytes

    fig = Figure(figsize=(2, 1))
    ax = fig.add_subplot()
    ax.set_title("预算执行率 0123456789%")
    ax.set_xlabel("万元")
    fig_to_png_bytes(fig)


def _become_kernel(request: dict[str, Any], fds: list[int], inherited: list[Any]) -> None:
    """In the forked child: the kernel jupyter_client asked for. Never returns."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        for thing in inherited:  # the server's sockets, pipes and selector are not the kernel's
            with contextlib.suppress(OSError):
                thing.close() if hasattr(thing, "close") else os.close(thing)
        server = os.getppid()
        os.setsid()  # as jupyter_client starts kernels: a terminal's Ctrl-C does not reach it
        _die_with_parent()
        if os.getppid() != server or request.get("server") != server:  # it died before prctl took hold
            os._exit(1)
        for target, fd in zip((0, 1, 2), fds, strict=False):
            os.dup2(fd, target)
            os.close(fd)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        del sys.path[0]  # as ipykernel_launcher does; the kernel's init_path puts '' back
        sys.argv = [request["argv0"], *request["args"]]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exc:
        code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # a kernel that cannot start says why on its (the stand-in's) stderr
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def serve(path: str, ready_fd: int | None = None, parent: int | None = None) -> None:
    """Preload, listen on `path`, fork a kernel per request; exit when the parent dies or on SIGTERM."""
    _die_with_parent()
    if parent is not None and os.getppid() != parent:  # the batch died before prctl took hold
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's to handle
    # Listen first, preload second: the batch's workers warm up meanwhile, and a stand-in that
    # comes early waits in the backlog. A preload that fails ends this process, and the stand-ins
    # waiting fall back to ordinary kernels.
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    if ready_fd is not None:
        os.write(ready_fd, b"ready")
        os.close(ready_fd)
    try:
        preload()
    except BaseException:
        # no forks then: the socket goes first, so stand-ins (and `kernel_manager_class`) find no
        # server and use ordinary kernels; os._exit, so no thread preload started keeps us alive
        listener.close()
        with contextlib.suppress(OSError):
            os.unlink(path)
        import traceback

        traceback.print_exc()
        os._exit(1)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, "accept")
    sel.register(wake_r, selectors.EVENT_READ, "signal")
    kernels: dict[int, socket.socket] = {}  # kernel pid → its stand-in's connection
    try:
        while not stop:
            for key, _ in sel.select(timeout=1.0):
                if key.data == "accept":
                    _accept(listener, sel, kernels, [listener, sel, wake_r, wake_w])
                elif key.data == "signal":
                    os.read(wake_r, 4096)
                else:  # a stand-in's connection: closed means it died, so its kernel goes too
                    with contextlib.suppress(OSError):
                        if key.fileobj.recv(1) == b"":  # type: ignore[union-attr]
                            sel.unregister(key.fileobj)  # reaped (and closed) by _reap
                            os.kill(key.data, signal.SIGKILL)
            _reap(kernels, sel)
    finally:
        for pid in kernels:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        listener.close()
        with contextlib.suppress(OSError):
            os.unlink(path)


def _accept(listener: socket.socket, sel: selectors.BaseSelector, kernels: dict[int, socket.socket],
            inherited: list[Any]) -> None:
    """One request: fork its kernel and answer with the pid. Whatever goes wrong with one request
    (a stalled or broken stand-in, a fork that fails) fails that request only: its stand-in then
    falls back to an ordinary kernel, and the kernels already running are untouched."""
    conn, _ = listener.accept()
    fds: list[int] = []
    pid = 0
    try:
        conn.settimeout(5)  # a stand-in that connects and says nothing must not stall the server
        request, fds = _receive(conn, with_fds=True)
        if request is None or len(fds) != 3:
            raise OSError("incomplete request")
        request["server"] = os.getpid()
        pid = os.fork()
        if pid == 0:
            _become_kernel(request, fds, [*inherited, conn, *kernels.values()])
        _send(conn, {"pid": pid})
        conn.settimeout(None)
        kernels[pid] = conn
        sel.register(conn, selectors.EVENT_READ, pid)
    except Exception:
        if pid:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        conn.close()
    finally:
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)


def _reap(kernels: dict[int, socket.socket], sel: selectors.BaseSelector) -> None:
    while kernels:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = kernels.pop(pid, None)
        if conn is not None:
            code = os.waitstatus_to_exitcode(status)
            with contextlib.suppress(OSError):
                _send(conn, {"exit": code})
            with contextlib.suppress(KeyError, ValueError):
                sel.unregister(conn)
            conn.close()


class Server:
    """A running fork server (see `start_server`); `close()` stops it and its kernels."""

    def __init__(self, proc, path: str, tmp) -> None:
        self.proc, self.path, self._tmp = proc, path, tmp

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except Exception:
                self.proc.kill()
                self.proc.wait()
        self._tmp.cleanup()


def start_server(timeout: float = 30) -> Server | None:
    """Start a fork server for this process and its workers (its socket in `ENV`); None where
    forked kernels are not available or it did not come up (ordinary kernels are used then)."""
    import subprocess
    import tempfile

    if not available():
        return None
    tmp = tempfile.TemporaryDirectory(prefix="selfeval-fork-", dir="/tmp" if os.path.isdir("/tmp") else None)
    path = os.path.join(tmp.name, "s")
    ready_r, ready_w = os.pipe()
    proc = subprocess.Popen([sys.executable, "-m", "selfeval.batch.forkserver", "--serve", path, str(ready_w),
                             str(os.getpid())],
                            pass_fds=(ready_w,), stdin=subprocess.DEVNULL)
    os.close(ready_w)
    import select

    ok, _, _ = select.select([ready_r], [], [], timeout)
    got = os.read(ready_r, 16) if ok else b""
    os.close(ready_r)
    if got != b"ready":
        proc.kill()
        tmp.cleanup()
        return None
    os.environ[ENV] = path
    return Server(proc, path, tmp)


# --- the stand-in ------------------------------------------------------------------------------

def _ordinary_kernel(args: list[str]) -> None:
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *args])


def stand_in(args: list[str]) -> int:
    """Ask the server for a kernel with `args` (`-f CONNECTION_FILE …`) and stand for it."""
    from importlib.util import find_spec

    _die_with_parent()  # the batch worker dies: this stand-in too, and so (socket closed) the kernel
    parent = os.environ.get("JPY_PARENT_PID")
    if parent and parent.isdigit() and os.getppid() != int(parent):  # it died before prctl took hold
        return 1
    launcher = find_spec("ipykernel_launcher")
    path = os.environ.get(ENV)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        if not path:
            raise OSError("no fork server")
        sock.settimeout(REPLY_TIMEOUT)  # a server still preloading answers within seconds
        sock.connect(path)
        _send(sock, {"cwd": os.getcwd(), "env": dict(os.environ), "args": args,
                     "argv0": launcher.origin if launcher else "ipykernel_launcher"}, fds=[0, 1, 2])
        reply, _ = _receive(sock)
        if reply is None or "pid" not in reply:
            raise OSError("the fork server did not start a kernel")
        sock.settimeout(None)
    except OSError:  # (socket.timeout is one)
        sock.close()
        _ordinary_kernel(args)  # does not return
        return 1
    pid = reply["pid"]

    def forward(sig, _frame) -> None:
        with contextlib.suppress(OSError):
            os.kill(pid, sig)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, forward)
    while True:
        try:
            reply, _ = _receive(sock)
        except InterruptedError:
            continue
        if reply is None:
            return 1  # the server is gone (and the kernel with it)
        if "exit" in reply:
            code = reply["exit"]
            return code if code >= 0 else 128 - code


def kernel_manager_class():
    """The kernel manager class for report kernels: forking when a server runs, else None (the
    default manager)."""
    path = os.environ.get(ENV)
    if path and available() and Path(path).exists():
        from selfeval.batch.kernels import ForkKernelManager

        return ForkKernelManager
    return None


def main(argv: list[str]) -> int:
    if argv[:1] == ["--serve"]:
        serve(argv[1], int(argv[2]) if len(argv) > 2 else None, int(argv[3]) if len(argv) > 3 else None)
        return 0
    return stand_in(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
