"""A small Chrome DevTools Protocol client over `--remote-debugging-pipe` (no websocket library):
open a page at an exact viewport (a phone's 390×844 too, which a window size cannot give in
headless mode), evaluate JavaScript in it, print it to PDF."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    """One headless Chromium, spoken to through file descriptors 3 (in) and 4 (out)."""

    def __init__(self) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="selfeval-cdp-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # the child must see the pipe ends as fds 3 and 4
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={self._profile.name}", "about:blank"],
            pass_fds=(3, 4), preexec_fn=lambda: (os.dup2(to_chrome_r, 3), os.dup2(from_chrome_w, 4)),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []

    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def _wait(self, method: str, session: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, e in enumerate(self.events):
                if e.get("method") == method and e.get("sessionId") == session:
                    del self.events[i]
                    return
            self.events.append(self._read())
        raise TimeoutError(method)

    def open(self, url: str, width: int, height: int, mobile: bool = False) -> str:
        """A new tab showing `url` at a `width`×`height` CSS-pixel viewport; returns its session."""
        target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self._send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self._send("Page.enable", session=session)
        self._send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                          "mobile": mobile}, session=session)
        self._send("Page.navigate", {"url": url}, session=session)
        self._wait("Page.loadEventFired", session)
        return session

    def evaluate(self, session: str, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = self._send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)
        return result["result"].get("value")

    def pdf(self, session: str) -> bytes:
        """The page printed as a reviewer's browser prints it (CSS page size, backgrounds)."""
        data = self._send("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True},
                          session=session)["data"]
        return base64.b64decode(data)

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError):  # already gone is closed too
            self._send("Browser.close")
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        for fd in (self._to_chrome, self._from_chrome):
            os.close(fd)
        self._profile.cleanup()


#: What a layout check measures: sideways overflow of the page, and where the verdict is.
MEASURE = """(() => {
  const d = document.documentElement, iw = window.innerWidth;
  const v = document.getElementById("se-verdict"), r = v && v.getBoundingClientRect();
  const over = [], scrolls = [];
  const name = e => e.tagName + (e.className ? "." + String(e.className).split(" ")[0] : "");
  document.querySelectorAll("body *").forEach(e => {
    const b = e.getBoundingClientRect();
    if (b.width && b.right > iw + 1) over.push(name(e));
    // a box of its own that scrolls sideways is sideways scrolling too
    const x = getComputedStyle(e).overflowX;
    if ((x === "auto" || x === "scroll") && e.scrollWidth > e.clientWidth + 1) scrolls.push(name(e));
  });
  return {scrollWidth: d.scrollWidth, width: iw, height: window.innerHeight,
          verdictTop: r ? r.top : null, verdictBottom: r ? r.bottom : null, overflowing: over.slice(0, 8),
          scrolling: scrolls.slice(0, 8)};
})()"""


def page_path(path: Path) -> str:
    return path.resolve().as_uri()
