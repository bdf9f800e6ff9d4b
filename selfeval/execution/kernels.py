"""Report kernels through jupyter_client's public extension points: the kernel spec selfeval ships
(`data/kernels/selfeval-fork/kernel.json`), the kernel provisioner it names (`ForkProvisioner`,
registered by the entry point `jupyter_client.kernel_provisioners: selfeval-fork`) and a kernel
client class set by configuration (`QuickReadyClient`).

While a batch's fork server runs (`forkserver`), `execute` runs a report notebook written for
`python3` on the `selfeval-fork` kernel spec instead: same interpreter, same launch command, and
the provisioner gets the kernel from the server rather than starting Python again. Without a
server, or for a launch the server cannot take, the provisioner launches the kernel exactly as
jupyter_client's own `LocalProvisioner` does.
"""

from __future__ import annotations

import json
import os
import sys
import time
from functools import cache
from importlib import resources
from pathlib import Path
from queue import Empty
from typing import Any

from jupyter_client import protocol_version_info
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning import LocalProvisioner
from jupyter_client.utils import ensure_async
from traitlets.config import Config

from selfeval.execution import forkserver

#: The kernel spec selfeval ships for forked report kernels.
KERNEL_NAME = "selfeval-fork"


def kernels_dir() -> Path:
    """The folder holding selfeval's kernel specs (one folder per spec, as Jupyter lays them out)."""
    return Path(str(resources.files("selfeval").joinpath("data", "kernels")))


@cache
def kernel_spec() -> dict[str, Any]:
    """The `selfeval-fork` kernel spec as written (its `metadata.selfeval.preload` lists what the
    fork server imports)."""
    return json.loads((kernels_dir() / KERNEL_NAME / "kernel.json").read_text(encoding="utf-8"))


def preload_names() -> list[str]:
    """What the fork server imports before forking (module, or module:function to call)."""
    return list(kernel_spec()["metadata"]["selfeval"]["preload"])


def start_fork_server() -> forkserver.Server | None:
    """Start the batch's fork server with what the kernel spec names preloaded, and make the
    kernel spec findable for this process and its workers (Jupyter's documented `JUPYTER_PATH`)
    until the server is closed; None where forked kernels are not available."""
    jupyter_path = os.pathsep.join(p for p in (str(kernels_dir().parent), os.environ.get("JUPYTER_PATH")) if p)
    return forkserver.start_server(preload_names(), env={"JUPYTER_PATH": jupyter_path})


def kernel_for(kernel_name: str, config: Config) -> str:
    """The kernel spec to run a notebook written for `kernel_name` on: `selfeval-fork` (with its
    client set in `config`) for `python3` while a fork server runs, else `kernel_name`."""
    if kernel_name != "python3" or forkserver.running() is None:
        return kernel_name
    config.KernelManager.client_class = f"{QuickReadyClient.__module__}.{QuickReadyClient.__name__}"
    return KERNEL_NAME


def forkable(cmd: list[str]) -> list[str] | None:
    """The kernel's arguments when `cmd` is `<this python> -m ipykernel_launcher ARGS…`; None for
    any other command (a kernel of another interpreter is started as it says)."""
    if len(cmd) >= 3 and cmd[1:3] == ["-m", "ipykernel_launcher"] and \
            os.path.realpath(cmd[0]) == os.path.realpath(sys.executable):
        return cmd[3:]
    return None


class ForkProvisioner(LocalProvisioner):
    """A kernel provisioner that gets its kernel from the batch's fork server.

    The kernel it holds (`forkserver.ForkedKernel`) answers poll, wait, send_signal, kill and
    terminate as the `subprocess.Popen` of `LocalProvisioner` does, so shutting down, interrupting
    (SIGINT to the kernel's process group: the forked kernel leads its own session) and restarts
    behave as for any local kernel."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        path, args = forkserver.running(), forkable(cmd)
        if path is not None and args is not None:
            kernel = forkserver.request_kernel(path, args, env=kwargs.get("env"), cwd=kwargs.get("cwd"),
                                               stdin=kwargs.get("stdin"), stdout=kwargs.get("stdout"),
                                               stderr=kwargs.get("stderr"))
            if kernel is not None:
                self.process = kernel  # type: ignore[assignment]
                self.pid = self.pgid = kernel.pid  # the kernel called setsid: its pid is its group
                self.cwd = kwargs.get("cwd", Path.cwd())
                return self.connection_info
        return await super().launch_kernel(cmd, **kwargs)


class QuickReadyClient(AsyncKernelClient):
    """`wait_for_ready` as jupyter_client does it (a kernel_info reply, then a message on IOPub to
    show that channel is connected), polling IOPub for 20 ms instead of 200 ms: the first IOPub
    messages of a kernel that started in a few milliseconds are often sent before the subscription
    is up, and each miss cost 0.2 s."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.time() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                msg = await ensure_async(self.shell_channel.get_msg(timeout=1))
            except Empty:
                msg = None
            if msg is not None and msg["msg_type"] == "kernel_info_reply":
                try:
                    await ensure_async(self.iopub_channel.get_msg(timeout=0.02))
                except Empty:
                    pass
                else:
                    # as jupyter_client does on a kernel_info reply: speak the kernel's protocol
                    major = int(msg["content"]["protocol_version"].split(".")[0])
                    if major != protocol_version_info[0]:
                        self.session.adapt_version = major
                    break
            if not await self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.time() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
        while True:  # flush IOPub, as jupyter_client does
            try:
                await ensure_async(self.iopub_channel.get_msg(timeout=0.02))
            except Empty:
                break


__all__ = ["KERNEL_NAME", "ForkProvisioner", "QuickReadyClient", "forkable", "kernel_for", "kernel_spec",
           "kernels_dir", "preload_names", "start_fork_server"]
