"""Run a parameterised report notebook with papermill, safely in parallel.

What this wrapper adds to ``papermill.execute_notebook``:

* **IPC transport.**  With the default TCP transport jupyter_client picks five free ports by
  binding and releasing them, then the kernel binds them again; kernels started in parallel
  can grab the same port in between.  We use Unix-domain sockets (``transport="ipc"``) in a
  private temporary directory per run.  The directory matters: jupyter_client's default IPC
  socket path is the *relative* ``kernel-ipc-N`` in the current directory, picked by an
  unlocked "first N whose file does not exist" scan, so parallel kernels sharing a cwd
  could still collide.
* **No process-wide chdir.**  papermill's ``cwd=`` does ``os.chdir`` in the calling process
  (racy across threads).  We pass the directory to nbclient instead, which starts the kernel
  process there, and resolve all paths to absolute ones up front.
* **One retry for kernel start-up failures only.**  A cell that raises is a bug in the
  notebook or its data and is reported at once, never retried.
* **One exception type**, :class:`NotebookRunError`, with the failing cell's details.

Threads: jupyter_core gives every calling thread its own asyncio loop and never closes it
(a few file descriptors, a ResourceWarning when the thread ends), so prefer a thread *pool*
over one new thread per notebook.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
import papermill
from jupyter_client.kernelspec import NoSuchKernel
from papermill.exceptions import PapermillExecutionError
from traitlets.config import Config

from selfeval.errors import SelfevalError
from selfeval.execution.kernels import kernel_for

__all__ = ["NotebookRunError", "execute_notebook"]

#: Command-line options for every report kernel (see `_run_once`). A report kernel runs its cells
#: once and ends: IPython's input history (an SQLite file and a thread writing every cell to it;
#: `In` stays) would cost 2 ms a cell and keep nothing anyone reads.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.enabled=False"]
#: Seconds to wait before the single retry of a failed kernel start.
RETRY_DELAY = 1.0
#: Longest temp-dir path that leaves room for "/selfeval-ipc-XXXXXXXX/k-NNNNN" in 104 bytes.
_MAX_SOCKET_PARENT = 70


class NotebookRunError(SelfevalError):
    """A report notebook could not be executed.

    ``kind`` says why: ``"cell"`` (a cell raised; see ``ename``/``evalue``/``traceback``),
    ``"input"`` (notebook or working directory missing), ``"parameters"`` (a parameter
    value papermill cannot pass faithfully),
    ``"timeout"`` (a cell exceeded the time limit), ``"kernel-start"`` (no kernel could be
    started, even after a retry), ``"no-kernel"`` (unknown kernel name) or ``"kernel-died"``
    (the kernel process vanished mid-run, e.g. out of memory).
    """

    def __init__(
        self,
        notebook: str | Path,
        kind: str,
        message: str,
        *,
        cell_index: int | None = None,
        exec_count: int | None = None,
        ename: str = "",
        evalue: str = "",
        traceback: str = "",
    ):
        self.notebook = str(notebook)
        self.kind = kind
        self.cell_index = cell_index
        self.exec_count = exec_count
        self.ename = ename
        self.evalue = evalue
        self.traceback = traceback
        super().__init__(f"{self.notebook}: {message}")


def _ipc_config(socket_dir: str) -> Config:
    config = Config()
    # KernelManager section also configures nbclient's AsyncKernelManager subclass.
    config.KernelManager.transport = "ipc"
    # ip is the socket path prefix for ipc (sockets are "<ip>-<n>"); keep it short:
    # AF_UNIX paths are limited to ~107 bytes.
    config.KernelManager.ip = os.path.join(socket_dir, "k")
    config.KernelManager.connection_file = os.path.join(socket_dir, "kernel.json")
    return config


def _plain_parameters(parameters: Mapping[str, Any], notebook: Path) -> dict[str, Any]:
    """Check *parameters* survive papermill's translation to Python source unchanged.

    papermill writes None/str/bool/int/float/list/dict as literals but silently turns any
    other value into a *string* (a tuple becomes ``"(1, 2)"``).  Paths are converted to str
    here on purpose; anything else is refused rather than mangled.
    """

    def plain(value: Any, where: str) -> Any:
        if value is None or isinstance(value, str | bool | int | float):
            return value
        if isinstance(value, os.PathLike):
            return os.fspath(value)
        if isinstance(value, list):
            return [plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return {k: plain(v, f"{where}[{k!r}]") for k, v in value.items()}
        raise NotebookRunError(
            notebook,
            "parameters",
            f"parameter {where} has unsupported type {type(value).__name__}; "
            "use None, str, bool, int, float, list or dict with str keys",
        )

    return {name: plain(value, name) for name, value in parameters.items()}


def _literal_path(path: Path | None) -> str | None:
    # papermill runs str.format(**parameters) on both paths; braces in a real file name
    # (or a project id used as one) must not be read as placeholders.
    return None if path is None else str(path).replace("{", "{{").replace("}", "}}")


def _socket_parent() -> str | None:
    # AF_UNIX socket paths are limited to 104-108 bytes; a deep $TMPDIR (macOS, CI runners)
    # plus "selfeval-ipc-xxxxxxxx/k-NNNNN" could overflow it. /tmp is short and always there.
    parent = tempfile.gettempdir()
    too_long = len(os.fsencode(parent)) > _MAX_SOCKET_PARENT and os.path.isdir("/tmp")
    return "/tmp" if too_long else None


def _strip_ansi(text: str) -> str:
    from nbconvert.filters import strip_ansi

    return strip_ansi(text)


def _run_once(
    input_path: Path,
    output_path: Path | None,
    parameters: Mapping[str, Any],
    cwd: Path,
    kernel_name: str,
    timeout: float | None,
    start_timeout: float,
    started: list[bool],
    manager: type | None = None,
) -> nbformat.NotebookNode:
    def on_notebook_start(**_: Any) -> None:
        # nbclient calls this once the kernel answered kernel_info: start-up succeeded.
        started.append(True)

    with tempfile.TemporaryDirectory(prefix="selfeval-ipc-", dir=_socket_parent()) as socket_dir:
        config = _ipc_config(socket_dir)
        if manager is None:  # a forked kernel while the batch's fork server runs (`kernels`)
            kernel_name = kernel_for(kernel_name, config)
        return papermill.execute_notebook(
            _literal_path(input_path),
            _literal_path(output_path),
            parameters=dict(parameters),
            kernel_name=kernel_name,
            progress_bar=False,
            log_output=False,
            # The executed notebook is written when the run ends (and when a cell fails), not after
            # every cell: 29 writes of a notebook carrying four PNGs cost 0.35 s a report.
            request_save_on_cell_execute=False,
            start_timeout=start_timeout,
            cwd=None,  # see module docstring: papermill would os.chdir the whole process
            # Everything below is forwarded by papermill to nbclient's NotebookClient.
            execution_timeout=timeout,
            resources={"metadata": {"path": str(cwd)}},  # kernel process cwd
            config=config,
            # jupyter_client interrupts (SIGINT) every kernel it shuts down; a kernel caught mid-
            # message logs "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel" on the
            # terminal it inherited. Its log says nothing a report needs (cell errors and a dead
            # kernel come back through the protocol), so only critical lines are let through.
            extra_arguments=KERNEL_ARGUMENTS,
            on_notebook_start=on_notebook_start,
            **({"kernel_manager_class": manager} if manager is not None else {}),
        )


def execute_notebook(
    input_path: str | Path,
    output_path: str | Path | None,
    parameters: Mapping[str, Any],
    cwd: str | Path,
    kernel_name: str = "python3",
    timeout: float | None = 600,
    *,
    start_timeout: float = 60,
    kernel_manager_class: type | None = None,
) -> nbformat.NotebookNode:
    """Execute *input_path* with *parameters* injected; return the executed notebook.

    The executed notebook is also written to *output_path* (unless ``None``), including
    when a cell fails, so the traceback can be inspected.  The kernel runs in *cwd*.
    *timeout* limits each cell (seconds, ``None`` for no limit); *start_timeout* limits
    kernel start-up; *kernel_manager_class* overrides the kernel manager (papermill's default).
    While a batch's fork server runs, a notebook for ``python3`` runs on the ``selfeval-fork``
    kernel spec, whose provisioner forks the kernel (`kernels`).  Safe to call from several threads or processes at once.

    Raises :class:`NotebookRunError` for every failure.  Only kernel start-up failures are
    retried (once); cell errors and timeouts are raised immediately.
    """
    input_path = Path(input_path).resolve()
    output_path = Path(output_path).resolve() if output_path is not None else None
    cwd = Path(cwd).resolve()
    if not cwd.is_dir():
        raise NotebookRunError(input_path, "input", f"working directory missing: {cwd}")
    if not input_path.is_file():
        raise NotebookRunError(input_path, "input", "notebook file not found")
    if output_path is not None and not output_path.parent.is_dir():
        # checked here: papermill's failed first save would look like a kernel-start failure
        raise NotebookRunError(input_path, "input", f"output directory missing: {output_path.parent}")

    parameters = _plain_parameters(parameters, input_path)

    for attempt in (1, 2):
        started: list[bool] = []
        try:
            return _run_once(
                input_path,
                output_path,
                parameters,
                cwd,
                kernel_name,
                timeout,
                start_timeout,
                started,
                kernel_manager_class,
            )
        except PapermillExecutionError as exc:
            raise NotebookRunError(
                input_path,
                "cell",
                f"cell [{exc.exec_count}] raised {exc.ename}: {exc.evalue}",
                cell_index=exc.cell_index,
                exec_count=exc.exec_count,
                ename=exc.ename,
                evalue=exc.evalue,
                traceback=_strip_ansi("\n".join(exc.traceback)),
            ) from exc
        except NoSuchKernel as exc:
            raise NotebookRunError(
                input_path, "no-kernel", f"no Jupyter kernel named {kernel_name!r}"
            ) from exc
        except TimeoutError as exc:
            if started:  # nbclient's CellTimeoutError is a TimeoutError
                raise NotebookRunError(input_path, "timeout", f"a cell ran longer than {timeout} s") from exc
            failure: Exception = exc
        except Exception as exc:
            if started:  # e.g. DeadKernelError: the kernel died while running cells
                raise NotebookRunError(
                    input_path, "kernel-died", f"kernel failed during execution: {exc}"
                ) from exc
            failure = exc
        if attempt == 1:
            time.sleep(RETRY_DELAY)  # a start-up hiccup (load spike, slow disk) may pass
    raise NotebookRunError(
        input_path,
        "kernel-start",
        f"kernel {kernel_name!r} failed to start twice: {type(failure).__name__}: {failure}",
    ) from failure
