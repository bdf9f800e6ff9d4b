"""Report kernels forked from a pre-imported process: each report still gets a fresh process of
its own, without paying for Python, ipykernel, matplotlib, pydantic and the report modules again.

Two parts, both on the ordinary papermill → nbclient → jupyter_client path:

* **The server** (`serve`, one per batch, started by `start_server`): a single-threaded process
  that imports the modules the kernel spec names (`data/kernels/selfeval-fork/kernel.json`), then
  waits on a Unix socket. For each request it forks; the child becomes an IPython kernel with the
  connection file jupyter_client wrote, the requester's working directory, environment and
  standard streams.
* **The client side** (`request_kernel`, used by `kernels.ForkProvisioner`, the jupyter_client
  kernel provisioner): asks the server for a kernel and returns a `ForkedKernel`, a handle with
  the methods of a `subprocess.Popen` (poll, wait, send_signal, kill, terminate), so the
  provisioner holds the kernel as it holds a process it launched itself.

Who notices a death: the kernel's requester dies (a batch worker, killed) → its connection closes
and the **server** kills the kernel; the server dies → each **kernel** dies with it
(`PR_SET_PDEATHSIG`) and its requester's connection closes; a kernel dies → the **server** reaps it
and sends its exit status to the requester; the batch dies → the **server** dies with it
(`PR_SET_PDEATHSIG`). So nothing outlives the batch.

Isolation is the process's: a forked kernel shares nothing writable with the server or another
kernel. Linux only (fork after imports, `PR_SET_PDEATHSIG`); elsewhere batches use ordinary
kernels, and so does any request the server cannot answer.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import select
import selectors
import signal
import socket
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

#: The server's socket path, for the batch's workers (set by `start_server` in the batch's environment).
ENV = "SELFEVAL_FORKSERVER"
#: Seconds a request waits for the server's answer before an ordinary kernel is launched instead.
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

def native_threads() -> int:
    """The threads of this process as the kernel counts them (`/proc/self/task`): native ones
    (OpenBLAS starts a pool when numpy is imported) as well as Python's."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        import threading

        return threading.active_count()


def preload(names: list[str]) -> None:
    """Import each module named (`module`), or import it and call a function of it with no
    arguments (`module:function`), before any fork. Nothing here may leave a thread running or a
    ZeroMQ context open: a forked child would inherit it half-alive."""
    # debugpy warns about frozen modules on import; a kernel imports it before its first cell,
    # where the warning is never seen, so it is kept quiet here too
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    for entry in names:
        module, _, function = entry.partition(":")
        try:
            imported = importlib.import_module(module)
        except ImportError:
            if function:
                raise
            continue  # an optional module of a kernel (psutil …) that is not installed
        if function:
            getattr(imported, function)()
    # What was preloaded lives as long as every kernel: freezing it keeps the kernels' garbage
    # collector from walking (and so copying, page by page) the objects they share with us. No
    # collection first: the holes it would leave get filled by the kernels, page copies again.
    gc.freeze()
    threads = native_threads()
    if threads != 1:  # a thread would be copied half-alive into every kernel
        raise RuntimeError(f"preloading left {threads - 1} other thread(s) running; cannot fork safely")


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
    except BaseException:  # a kernel that cannot start says why on the stderr it was given
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def serve(path: str, ready_fd: int | None = None, parent: int | None = None, names: list[str] = ()) -> None:
    """Preload `names`, listen on `path`, fork a kernel per request; exit when the parent dies or on
    SIGTERM."""
    _die_with_parent()
    if parent is not None and os.getppid() != parent:  # the batch died before prctl took hold
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's to handle
    # Listen first, preload second: the batch's workers warm up meanwhile, and a request that
    # comes early waits in the backlog. A preload that fails ends this process, and the requests
    # waiting fall back to ordinary kernels.
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    if ready_fd is not None:
        os.write(ready_fd, b"ready")
        os.close(ready_fd)
    try:
        preload(list(names))
    except BaseException:
        # no forks then: the socket goes first, so requests find no server and the provisioner
        # launches ordinary kernels; os._exit, so no thread preload started keeps us alive
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
    kernels: dict[int, socket.socket] = {}  # kernel pid → its requester's connection
    try:
        while not stop:
            for key, _ in sel.select(timeout=1.0):
                if key.data == "accept":
                    _accept(listener, sel, kernels, [listener, sel, wake_r, wake_w])
                elif key.data == "signal":
                    os.read(wake_r, 4096)
                else:  # a requester's connection: closed means it died, so its kernel goes too
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
    (a stalled or broken requester, a fork that fails) fails that request only: its provisioner
    then launches an ordinary kernel, and the kernels already running are untouched."""
    conn, _ = listener.accept()
    fds: list[int] = []
    pid = 0
    try:
        conn.settimeout(5)  # a requester that connects and says nothing must not stall the server
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
    """A running fork server (see `start_server`); `close()` stops it and its kernels and takes its
    variables out of this process's environment again."""
    def __init__(self, proc, path: str, tmp, saved: dict[str, str | None]) -> None:
        self.proc, self.path, self._tmp, self._saved = proc, path, tmp, saved

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except Exception:
                self.proc.kill()
                self.proc.wait()
        self._tmp.cleanup()
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


#: Each BLAS or OpenMP library starts a pool of threads when loaded unless told not to; the server
#: must have one thread when it forks, so it (and so each kernel) computes on one thread.
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def start_server(preload_names: list[str], timeout: float = 30, env: dict[str, str] | None = None) -> Server | None:
    """Start a fork server for this process and its workers (its socket in `ENV`, and `env` set
    too, until `Server.close`) that preloads `preload_names` (see `preload`); None where forked
    kernels are not available or it did not come up (ordinary kernels are used then)."""
    if not available():
        return None
    tmp = tempfile.TemporaryDirectory(prefix="selfeval-fork-", dir="/tmp" if os.path.isdir("/tmp") else None)
    path = os.path.join(tmp.name, "s")
    ready_r, ready_w = os.pipe()
    proc = subprocess.Popen([sys.executable, "-m", "selfeval.execution.forkserver", path, str(ready_w), str(os.getpid()),
                             json.dumps(list(preload_names))],
                            pass_fds=(ready_w,), stdin=subprocess.DEVNULL, env={**os.environ, **ONE_THREAD})
    os.close(ready_w)
    ok, _, _ = select.select([ready_r], [], [], timeout)
    got = os.read(ready_r, 16) if ok else b""
    os.close(ready_r)
    if got != b"ready":
        proc.kill()
        tmp.cleanup()
        return None
    settings = {ENV: path, **(env or {})}
    saved = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    return Server(proc, path, tmp, saved)


# --- the client side -------------------------------------------------------------------------

def running() -> str | None:
    """The socket of the fork server this process may ask, if one runs."""
    path = os.environ.get(ENV)
    return path if path and available() and Path(path).exists() else None


def _stream(value: Any, default: int, opened: list[int]) -> int | None:
    """A launch keyword for a standard stream (None, a descriptor, a file, DEVNULL) as a
    descriptor to send; None for what a forked kernel cannot take (PIPE)."""
    if value is None:
        return default
    if value == subprocess.DEVNULL:
        fd = os.open(os.devnull, os.O_RDWR)
        opened.append(fd)
        return fd
    if isinstance(value, int):
        return value if value >= 0 else None
    try:
        return value.fileno()
    except (AttributeError, OSError):
        return None


class ForkedKernel:
    """A kernel the server forked, held as `subprocess.Popen` holds a child: `pid`, `returncode`,
    `poll()`, `wait()`, `send_signal()`, `kill()`, `terminate()`. Its exit status comes from the
    server over the connection; a closed connection means the server died, and the kernel with it."""
    stdin = stdout = stderr = None  # nothing to close: the kernel's streams were sent, not piped

    def __init__(self, pid: int, sock: socket.socket) -> None:
        self.pid, self._sock, self.returncode = pid, sock, None

    def _finished(self, reply: dict[str, Any] | None) -> int:
        code = -signal.SIGKILL if reply is None else int(reply.get("exit", 1))
        self.returncode = code
        self._sock.close()
        return code

    def poll(self) -> int | None:
        if self.returncode is None:
            ready, _, _ = select.select([self._sock], [], [], 0)
            if ready:
                return self._finished(_receive(self._sock)[0])
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            ready, _, _ = select.select([self._sock], [], [], timeout)
            if not ready:
                raise subprocess.TimeoutExpired(f"forked kernel {self.pid}", timeout or 0)
            return self._finished(_receive(self._sock)[0])
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def request_kernel(path: str, args: list[str], *, env: dict[str, str] | None = None, cwd: str | None = None,
                   stdin: Any = None, stdout: Any = None, stderr: Any = None) -> ForkedKernel | None:
    """Ask the server at `path` for a kernel started with `args` (`-f CONNECTION_FILE …`, what
    follows `python -m ipykernel_launcher`), in `cwd` with `env` and the streams given (as
    `subprocess.Popen` takes them; stdin defaults to /dev/null). None when the server cannot
    answer or a stream cannot be sent: the caller launches an ordinary kernel then."""
    from importlib.util import find_spec

    opened: list[int] = []
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        fds = [_stream(stdin if stdin is not None else subprocess.DEVNULL, 0, opened),
               _stream(stdout, 1, opened), _stream(stderr, 2, opened)]
        if None in fds:
            raise OSError("a standard stream the fork server cannot take")
        launcher = find_spec("ipykernel_launcher")
        sock.settimeout(REPLY_TIMEOUT)  # a server still preloading answers within seconds
        sock.connect(path)
        _send(sock, {"cwd": os.fspath(cwd) if cwd else os.getcwd(), "env": dict(os.environ if env is None else env),
                     "args": list(args), "argv0": launcher.origin if launcher else "ipykernel_launcher"},
              fds=fds)  # type: ignore[arg-type]
        reply, _ = _receive(sock)
        if reply is None or "pid" not in reply:
            raise OSError("the fork server did not start a kernel")
        sock.settimeout(None)
    except OSError:  # (socket.timeout is one)
        sock.close()
        return None
    finally:
        for fd in opened:
            os.close(fd)
    return ForkedKernel(reply["pid"], sock)


def main(argv: list[str]) -> int:
    """`python -m selfeval.execution.forkserver PATH READY_FD PARENT_PID PRELOAD_JSON` (as `start_server` runs it)."""
    serve(argv[0], int(argv[1]), int(argv[2]), json.loads(argv[3]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
