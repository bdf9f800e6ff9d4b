"""The report as a reviewer sees it: headless Chromium, a screenshot, and no network requests."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from selfeval.report.render import render_report

ROOT = Path(__file__).parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian package `chromium`; .ci/run installs it)"
)]


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


# --- every bundled report at desktop and phone width, and printed -----------------------------------

VIEWPORTS = [(1280, 800, False), (390, 844, True)]


@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> Path:
    from selfeval.batch.run import run_batch

    out = tmp_path_factory.mktemp("bundled")
    assert run_batch(ROOT / "params", out, jobs=2).failed == 0
    return out


@pytest.fixture(scope="module")
def browser():
    from cdp import Browser

    b = Browser()
    yield b
    b.close()


def test_the_layout_check_can_fail(tmp_path, browser):
    # Positive control: a page wider than a phone, and a verdict below the fold, are both caught.
    from cdp import MEASURE

    page = tmp_path / "wide.html"
    page.write_text('<html><head><meta name="viewport" content="width=device-width"></head><body><div style="width:900px">x</div><div style="height:2000px"></div>'
                    '<p id="se-verdict">结论</p></body></html>', encoding="utf-8")
    m = browser.evaluate(browser.open(page.as_uri(), 390, 844, True), MEASURE)
    assert m["scrollWidth"] > 390 and m["verdictTop"] > 844  # (a phone widens its viewport to the content)


@pytest.mark.parametrize(("width", "height", "mobile"), VIEWPORTS, ids=["desktop", "phone"])
def test_every_page_fits_the_width_and_the_conclusion_is_on_the_first_screen(bundled, browser, width, height,
                                                                             mobile):
    from cdp import MEASURE

    pages = sorted(bundled.glob("*.html"))
    assert len(pages) == len(list((ROOT / "params").glob("*.yaml"))) + 2  # reports, index, portfolio
    for page in pages:
        m = browser.evaluate(browser.open(page.as_uri(), width, height, mobile), MEASURE)
        assert m["width"] == width and m["height"] == height
        assert m["scrollWidth"] <= width and not m["overflowing"], (page.name, m)
        if page.stem not in ("index", "portfolio"):
            assert m["verdictTop"] is not None and 0 < m["verdictBottom"] <= height, (page.name, m)


def test_every_report_prints_on_a4_with_a_running_header(bundled, browser, tmp_path):
    import shutil as sh

    if sh.which("pdftotext") is None:
        pytest.skip("poppler-utils is not installed (.ci/run installs it)")
    for page in sorted(bundled.glob("*.html")):
        if page.stem in ("index", "portfolio"):
            continue
        pdf = tmp_path / f"{page.stem}.pdf"
        pdf.write_bytes(browser.pdf(browser.open(page.as_uri(), 1280, 800)))
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        assert pages >= 2 and "(A4)" in info
        name = re.search(r"<h1>([^<]+)</h1>", page.read_text(encoding="utf-8")).group(1)
        for n in range(1, pages + 1):
            text = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],
                                  capture_output=True, text=True, check=True).stdout
            assert text.strip().splitlines()[0].strip().startswith(name), (page.name, n)
            if n == 1:
                assert ("复核结论" in text and "复核得分" in text and "主要问题" in text) or "复核未发现" in text


@pytest.fixture(scope="module")
def unsettled(tmp_path_factory) -> Path:
    """The report of a form with one indicator waiting whose full score would change the band."""
    from builders import clean_form, with_indicator

    from selfeval.batch.run import run_batch
    from selfeval.loaders import dump_yaml

    root = tmp_path_factory.mktemp("unsettled")
    (root / "params").mkdir()
    form = with_indicator(clean_form(), "驻场运维周期", actual="情况复杂")
    (root / "pending.form.yaml").write_text(dump_yaml(form), encoding="utf-8")
    (root / "params" / "pending.yaml").write_text("form: ../pending.form.yaml\n", encoding="utf-8")
    assert run_batch(root / "params", root / "out", jobs=1).failed == 0
    return root / "out" / "pending.html"


@pytest.mark.parametrize(("width", "height", "mobile"), VIEWPORTS, ids=["desktop", "phone"])
def test_an_unsettled_rating_leads_the_first_screen(unsettled, browser, width, height, mobile):
    session = browser.open(unsettled.as_uri(), width, height, mobile)
    verdict = browser.evaluate(session, """(() => { const v = document.getElementById("se-verdict");
        const r = v.getBoundingClientRect(); return {text: v.innerText, bottom: r.bottom}; })()""")
    assert "评级 待定（良或优）" in verdict["text"] and "64.38–76.88 / 80" in verdict["text"], verdict
    assert 0 < verdict["bottom"] <= height, verdict
    body = browser.evaluate(session, "document.body.innerText")
    assert "下调" not in body and "上调" not in body and "暂计0分" not in body
