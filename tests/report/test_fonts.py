"""Tests for selfeval.report.fonts: CJK glyphs without warnings, byte-identical PNGs, cache warm-up."""

from __future__ import annotations

import gc
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from matplotlib import font_manager, rcParams
from matplotlib.figure import Figure

from selfeval.report import fonts

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _chinese_figure() -> Figure:
    # Figure() without pyplot: no backend/global figure registry involved.
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.bar(["产出指标", "效益指标", "满意度（％）"], [-12.5, 30, 95])
    ax.set_title("项目绩效自评得分——复核对比 ✗")  # ✗ is not in Noto Sans SC → DejaVu fallback
    ax.set_xlabel("一级指标")
    ax.set_ylabel("得分（分）")
    return fig


def test_register_is_idempotent_and_returns_family():
    fonts.register_cjk_font()
    n = len(font_manager.fontManager.ttflist)
    assert fonts.register_cjk_font() == "Noto Sans SC"
    assert len(font_manager.fontManager.ttflist) == n
    assert rcParams["font.family"][0] == "Noto Sans SC"
    assert rcParams["font.sans-serif"][0] == "Noto Sans SC"
    before = list(rcParams["font.sans-serif"])
    fonts.register_cjk_font()
    assert rcParams["font.sans-serif"] == before
    assert rcParams["axes.unicode_minus"] is False
    resolved = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    assert Path(resolved) == fonts.font_path()


def test_font_located_through_package():
    path = fonts.font_path()
    assert path.is_file()
    assert path.name == "NotoSansSC-Regular.otf"


def test_chinese_figure_renders_without_any_warning(caplog):
    fonts.configure_matplotlib()
    gc.collect()  # let garbage from earlier tests emit its ResourceWarnings now, not below
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.DEBUG):
        warnings.simplefilter("always")
        png = fonts.fig_to_png_bytes(_chinese_figure())
    assert png.startswith(PNG_MAGIC)
    # A ResourceWarning here would come from a collected object of another test.
    messages = [str(w.message) for w in caught if not issubclass(w.category, ResourceWarning)]
    assert not [m for m in messages if "missing from font" in m or "Glyph" in m], messages
    assert messages == []
    # findfont complains through logging, not warnings
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert logged == []


def test_same_figure_twice_gives_identical_bytes():
    fonts.configure_matplotlib()
    a = fonts.fig_to_png_bytes(_chinese_figure())
    b = fonts.fig_to_png_bytes(_chinese_figure())
    assert a == b
    assert b"Software" not in a  # version-dependent tEXt chunk is stripped
    assert b"Matplotlib" not in a


def test_save_png_to_path(tmp_path):
    fonts.configure_matplotlib()
    target = tmp_path / "chart.png"
    fonts.save_png(_chinese_figure(), target)
    assert target.read_bytes() == fonts.fig_to_png_bytes(_chinese_figure())


def test_svg_is_reproducible_with_fixed_hashsalt():
    fonts.configure_matplotlib()

    def svg() -> bytes:
        import io

        buf = io.BytesIO()
        _chinese_figure().savefig(buf, format="svg", metadata={"Date": None})
        return buf.getvalue()

    assert svg() == svg()


@pytest.mark.skipif(os.name == "nt", reason="env handling is POSIX-specific here")
def test_warm_font_cache_in_fresh_config_dir(tmp_path):
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path)}
    code = "from selfeval.report.fonts import warm_font_cache; print(warm_font_cache())"
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    cache = Path(first.stdout.strip())
    assert cache.parent == tmp_path
    assert cache.is_file()
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert second.stderr == ""  # cache reused: no "building the font cache" message
