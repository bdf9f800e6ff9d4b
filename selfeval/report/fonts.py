"""Chinese-capable, reproducible matplotlib set-up for the report charts.

Three problems are solved here, once, so the notebook and the tests do not each reinvent them:

* **Glyphs.** matplotlib's bundled DejaVu Sans has no CJK glyphs; Chinese titles render as
  boxes plus a ``Glyph ... missing from font(s)`` warning per character.  We register the
  Noto Sans SC shipped in the ``pylopdf_fonts_zh_cn`` wheel (so no system font is required
  and every machine draws the *same* glyphs) and put it first in the sans-serif list.
* **Byte-identical PNGs.** Agg rendering is deterministic, but ``savefig`` stamps a
  ``Software: Matplotlib version…`` text chunk into every PNG; it changes with each matplotlib
  upgrade and spoils golden-file comparisons.  :func:`fig_to_png_bytes` strips it.
* **Quiet first run.** Building the font cache prints ``Matplotlib is building the font
  cache`` (through *logging*, after 5 s) which, inside a notebook kernel, lands in stderr and
  therefore in the report.  :func:`warm_font_cache` builds it ahead of time (CI calls it).
"""

from __future__ import annotations

import io
import os
from importlib import resources
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "CJK_FAMILY",
    "configure_matplotlib",
    "fig_to_png_bytes",
    "font_path",
    "register_cjk_font",
    "save_png",
    "show_figure",
    "warm_font_cache",
]

#: Family name matplotlib reads from the bundled font's name table.
CJK_FAMILY = "Noto Sans SC"
_FONT_PACKAGE = "pylopdf_fonts_zh_cn"
_FONT_FILE = "NotoSansSC-Regular.otf"

#: Fixed salt for SVG element ids; without it ids are random per process.
SVG_HASHSALT = "selfeval"

#: Metadata keys matplotlib fills in by itself; ``None`` tells it to omit the key.
#: PNG only writes Software; the others matter for SVG/PDF and are harmless for PNG.
_STRIP_METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
}


def font_path() -> Path:
    """Return the filesystem path of the bundled Noto Sans SC font."""
    # files() keeps working if the font package is relocated or installed as a zip-less wheel in
    # an unusual prefix; we only need a real path because FreeType opens the file itself.
    path = resources.files(_FONT_PACKAGE).joinpath(_FONT_FILE)
    return Path(os.fspath(path))  # type: ignore[arg-type]


def register_cjk_font() -> str:
    """Make matplotlib draw Chinese with the bundled Noto Sans SC; return the family name.

    Idempotent: calling it again neither re-adds the font (``addfont`` would append a
    duplicate entry each time) nor changes anything else.
    """
    from matplotlib import font_manager, rcParams

    path = font_path()
    if not path.is_file():  # a broken wheel should fail here, not as tofu in a report
        raise FileNotFoundError(f"bundled CJK font missing: {path}")
    fm = font_manager.fontManager
    if not any(Path(f.fname) == path for f in fm.ttflist):
        fm.addfont(str(path))

    # Only Noto Sans SC (CJK + Latin) and DejaVu Sans (always shipped with matplotlib, covers
    # symbols such as ✗ that Noto SC lacks) — never machine-dependent system fonts, so charts
    # are the same everywhere and findfont never logs "font family not found".
    # Per-glyph fallback walks the *font.family* list only; a generic "sans-serif" entry
    # resolves to one font, so the chain must be spelled out here, not in font.sans-serif.
    chain = [CJK_FAMILY, "DejaVu Sans"]
    rcParams["font.family"] = chain
    rcParams["font.sans-serif"] = [
        *chain,
        *(f for f in rcParams["font.sans-serif"] if f not in chain),
    ]
    # Noto Sans SC does have U+2212, but many CJK fonts don't; ASCII '-' is safe with any
    # family and matches how the report's tables print negative numbers.
    rcParams["axes.unicode_minus"] = False
    return CJK_FAMILY


def configure_matplotlib(*, dpi: int = 120) -> str:
    """Register the CJK font and pin every setting that affects chart bytes.

    Does not select a backend: in a kernel the inline backend must stay active, and
    :func:`fig_to_png_bytes` renders through Agg whatever the backend is.  Returns the
    family name like :func:`register_cjk_font`.
    """
    from matplotlib import rcParams

    family = register_cjk_font()
    rcParams.update(
        {
            "figure.dpi": dpi,
            "savefig.dpi": dpi,
            "savefig.bbox": "tight",  # deterministic and trims the white margin
            "savefig.facecolor": "white",  # no transparency surprises on dark viewers / print
            "svg.hashsalt": SVG_HASHSALT,
        }
    )
    return family


#: zlib level of every chart PNG: the same pixels as Pillow's default 6, written in two thirds of the
#: time, and no larger for the report's charts (measured on the examples).
PNG_COMPRESSION = 3


def _png_options(savefig_kw: dict[str, Any]) -> dict[str, Any]:
    """The metadata and Pillow options of every chart PNG, with the caller's (taken out of
    `savefig_kw`) on top."""
    return {"metadata": {**_STRIP_METADATA["png"], **savefig_kw.pop("metadata", {})},
            "pil_kwargs": {"compress_level": PNG_COMPRESSION, **savefig_kw.pop("pil_kwargs", {})}}


def save_png(fig: Figure, target: str | os.PathLike[str] | IO[bytes], **savefig_kw: Any) -> None:
    """Save *fig* as a PNG without the version-dependent ``Software`` text chunk."""
    options = _png_options(savefig_kw)
    fig.savefig(target, format="png", **options, **savefig_kw)


def fig_to_png_bytes(fig: Figure, **savefig_kw: Any) -> bytes:
    """Render *fig* to PNG bytes that are identical for identical figures (a figure made by
    `canvas.new_figure` is drawn once where that gives the same pixels, see `canvas`)."""
    # deferred: canvas imports matplotlib, which this module loads only when a chart is drawn
    from selfeval.report.canvas import one_pass_png

    if not savefig_kw:
        data = one_pass_png(fig, **_png_options({}))
        if data is not None:
            return data
    buf = io.BytesIO()
    save_png(fig, buf, **savefig_kw)
    return buf.getvalue()


#: Where a chart keeps the words that describe it (the image's alt text).
ALT_ATTRIBUTE = "selfeval_alt"


def show_figure(fig: Figure, *, close: bool = True, alt: str | None = None, **savefig_kw: Any) -> None:
    """Display *fig* in a notebook as a reproducible PNG (instead of the inline backend).

    With alt text (`alt`, or the chart's own description set by `selfeval.report.charts`) the image is
    shown as HTML with that text, so a screen reader, a broken image or a text-only mail client
    says what the chart shows. The inline backend adds its own metadata and would also display
    the figure a second time at the end of the cell; closing it prevents that.
    """
    import base64
    import html

    from IPython.display import HTML, Image, display
    from matplotlib import pyplot as plt

    data = fig_to_png_bytes(fig, **savefig_kw)
    alt = alt or getattr(fig, ALT_ATTRIBUTE, None)
    if alt:
        src = base64.b64encode(data).decode("ascii")
        display(HTML(f'<img class="se-chart" alt="{html.escape(alt)}" src="data:image/png;base64,{src}">'))
    else:
        display(Image(data=data, format="png"))
    if close:
        plt.close(fig)


def warm_font_cache() -> Path:
    """Build (or load) matplotlib's font cache now and return the cache file path.

    Use before running notebooks in a fresh environment, e.g.
    ``python -c "from selfeval.report.fonts import warm_font_cache; print(warm_font_cache())"``.
    The cache lives in ``matplotlib.get_cachedir()`` (``$MPLCONFIGDIR`` or
    ``~/.cache/matplotlib``); if that is not writable matplotlib falls back to a temporary
    directory and rebuilds (and warns) in every process, so set ``MPLCONFIGDIR`` in CI.
    """
    import matplotlib
    from matplotlib import font_manager  # importing builds/loads the cache

    register_cjk_font()
    font_manager.findfont(CJK_FAMILY, fallback_to_default=False)  # proves the font resolves
    version = font_manager.FontManager.__version__
    return Path(matplotlib.get_cachedir()) / f"fontlist-v{version}.json"
