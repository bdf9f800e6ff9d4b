"""The jupyter_client classes for forked report kernels (`forkserver`): a kernel manager that
launches the stand-in instead of `ipykernel_launcher`, and a client that notices a ready kernel
sooner.

Kept apart from `forkserver`, whose stand-in must start without importing jupyter_client.
"""

from __future__ import annotations

import os
import sys
import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.utils import ensure_async
from traitlets import DottedObjectName, Type


class QuickReadyClient(AsyncKernelClient):
    """`wait_for_ready` as jupyter_client does it (a kernel_info reply, then a message on IOPub to
    show that channel is connected), polling IOPub for 20 ms instead of 200 ms: the first IOPub
    messages of a kernel that started in a few milliseconds are often sent before the subscription
    is up, and each miss cost 0.2 s."""

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
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
                    self._handle_kernel_info_reply(msg)
                    break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.time() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
        while True:  # flush IOPub, as jupyter_client does
            try:
                await ensure_async(self.iopub_channel.get_msg(timeout=0.02))
            except Empty:
                break

    wait_for_ready = _async_wait_for_ready  # AsyncKernelClient binds the name at class creation


class ForkKernelManager(AsyncKernelManager):
    """Launches `python -m selfeval.batch.forkserver` where the kernel spec says `python -m
    ipykernel_launcher`; the stand-in gets the kernel from the batch's fork server."""

    client_class = DottedObjectName("selfeval.batch.kernels.QuickReadyClient")
    client_factory = Type(klass=QuickReadyClient, default_value=QuickReadyClient)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        # only a kernel of this very interpreter is forked (the server preloaded this one's
        # modules); a kernel spec naming another Python starts as it says
        if not cmd or os.path.realpath(cmd[0]) != os.path.realpath(sys.executable):
            return cmd
        for i in range(len(cmd) - 1):
            if cmd[i] == "-m" and cmd[i + 1] == "ipykernel_launcher":
                return [*cmd[:i], "-m", "selfeval.batch.forkserver", *cmd[i + 2:]]
        return cmd


__all__ = ["ForkKernelManager", "QuickReadyClient"]
