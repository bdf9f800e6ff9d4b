"""The report as a reviewer sees it: headless Chromium, a screenshot, and no network requests."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from selfeval.report import render_report

ROOT = Path(__file__).parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian package `chromium`; .ci/run installs it)"
)


def chromium(args: list[str], tmp: Path) -> subprocess.CompletedProcess:
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp / 'profile'}"]
    return subprocess.run(base + args, capture_output=True, text=True, timeout=120, check=False)


def page_requests(netlog: Path) -> list[str]:
    """URLs the page asked the network for, from Chromium's net-log.

    The browser itself also phones home (update checks, network time); those requests have no
    page origin ("not an origin") and are not the report's doing.
    """
    data = json.loads(netlog.read_text(encoding="utf-8"))
    start_job = data["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for e in data.get("events", []):
        params = e.get("params") or {}
        if e.get("type") == start_job and "url" in params and params.get("initiator") != "not an origin":
            urls.append(params["url"])
    return urls


def test_the_network_check_can_fail(tmp_path):
    # Positive control: a page that loads an external image is caught by page_requests.
    page = tmp_path / "leaky.html"
    page.write_text('<html><body><img src="http://127.0.0.1:9/x.png"></body></html>', encoding="utf-8")
    netlog = tmp_path / "netlog.json"
    chromium([f"--log-net-log={netlog}", "--dump-dom", page.as_uri()], tmp_path)
    assert "http://127.0.0.1:9/x.png" in page_requests(netlog)


def test_seed_report_in_chromium(tmp_path):
    out = tmp_path / "reports"
    html_path = render_report(ROOT / "params" / "seed.yaml", out).html_path
    shot = out / "seed.png"
    netlog = tmp_path / "netlog.json"
    proc = chromium([f"--log-net-log={netlog}", "--window-size=1200,3000", f"--screenshot={shot}",
                     html_path.as_uri()], tmp_path)
    assert shot.exists(), proc.stderr[-2000:]
    assert shot.stat().st_size > 50_000  # a real page, not a blank one
    external = [u for u in page_requests(netlog) if not u.startswith(("file:", "data:"))]
    assert external == [], external
    dom = chromium(["--dump-dom", html_path.as_uri()], tmp_path).stdout
    assert "79.43" in dom and "电子政务项目运行维护资金" in dom
