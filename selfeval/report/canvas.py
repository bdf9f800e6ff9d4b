"""Charts drawn once: a figure on its own Agg canvas (`new_figure`), and its PNG cut out of one
drawing (`one_pass_png`) wherever the cut equals what ``savefig(bbox_inches="tight")`` writes.

Why: ``savefig`` with a tight box lays a figure out three times after ``tight_layout`` did once
(a drawing with output switched off, the tight box, the real drawing at the cropped size), the
last on a new renderer, so every text is measured again. A figure made by `new_figure` keeps its
Agg canvas, whose renderer ``tight_layout`` already used; one drawing on it, the tight box from
that drawing, and a crop give savefig's pixels whenever the box starts on a whole pixel (the crop
then moves nothing by a fraction of a pixel) and nothing is placed against the figure's own edge
(a figure legend or frame, which savefig places against the cropped box). Where the box is off
whole pixels or beyond the figure, the figure is saved through ``savefig`` with the box found;
where the figure or the settings are of another kind, `one_pass_png` returns None and the caller
saves as before. The tests compare charts both ways, pixel by pixel.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from matplotlib.backends.backend_agg import FigureCanvasAgg

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["ChartCanvas", "new_figure", "one_pass_png"]

#: How far from a whole pixel a box edge may be and still count as on it (Agg places shapes to
#: 1/256 of a pixel, so a shift below this draws the same pixels).
_ON_PIXEL = 1e-6


class ChartCanvas(FigureCanvasAgg):
    """Agg's canvas, named: the canvas of a chart made by `new_figure`, the only figures
    `one_pass_png` saves from one drawing."""


def new_figure(**kwargs: Any) -> Figure:
    """A `Figure` (`kwargs` as for its constructor) on a `ChartCanvas`, so laying it out and
    drawing it share one renderer."""
    from matplotlib.figure import Figure

    fig = Figure(**kwargs)
    ChartCanvas(fig)
    return fig


def _whole(value: float) -> int | None:
    nearest = round(value)
    return nearest if abs(value - nearest) < _ON_PIXEL else None


def _size(value: float) -> int:
    # as FigureCanvasBase.get_width_height: truncate, except a hair below a whole pixel
    nearest = round(value)
    return nearest if abs(value - nearest) < 1e-8 else int(value)


def _plain(fig: Figure) -> bool:
    """A chart of `new_figure` whose drawing does not depend on the figure's own edge: only axes
    at the top (no figure legend, text, patch or image, which savefig places against the cropped
    box), no frame drawn round the figure, and nothing animated (savefig draws animated artists,
    a canvas' drawing leaves them out)."""
    if not isinstance(fig.canvas, ChartCanvas):
        return False
    if fig.legends or fig.texts or fig.artists or fig.patches or fig.lines or fig.images or fig.subfigs:
        return False
    if fig.patch.get_linewidth() > 0 and fig.patch.get_edgecolor()[3] > 0:
        return False
    return not fig.findobj(lambda artist: artist.get_animated())


def one_pass_png(fig: Figure, metadata: dict[str, Any], pil_kwargs: dict[str, Any]) -> bytes | None:
    """The PNG ``fig.savefig(format="png", metadata=metadata, pil_kwargs=pil_kwargs)`` would write
    under the current rcParams, cut from one drawing. A box that does not start on a whole pixel,
    or reaches beyond the figure, is saved through ``savefig`` with that box instead. None where
    the figure or the settings would make savefig's pixels differ from the drawing's (not a
    plain `new_figure` chart, see `_plain`; a box that is not tight; other colours or dpi for
    saving than for drawing): the caller saves."""
    import numpy as np
    from matplotlib import colors, rcParams
    from matplotlib.image import imsave

    canvas = fig.canvas
    if not _plain(fig) or rcParams["savefig.bbox"] != "tight" or rcParams["savefig.transparent"]:
        return None
    pad = rcParams["savefig.pad_inches"]
    if rcParams["savefig.dpi"] != fig.dpi or not isinstance(pad, int | float):
        return None
    for mine, saved in ((fig.get_facecolor(), "savefig.facecolor"), (fig.get_edgecolor(), "savefig.edgecolor")):
        if rcParams[saved] != "auto" and colors.to_rgba(rcParams[saved]) != colors.to_rgba(mine):
            return None
    canvas.draw()
    box = fig.get_tightbbox(canvas.renderer).padded(pad)  # after drawing, as savefig measures it
    left, bottom = _whole(box.x0 * fig.dpi), _whole(box.y0 * fig.dpi)
    width, height = _size(box.width * fig.dpi), _size(box.height * fig.dpi)
    pixels = np.asarray(canvas.buffer_rgba())
    out = io.BytesIO()
    if left is None or bottom is None or left < 0 or bottom < 0 or left + width > pixels.shape[1] \
            or bottom + height > pixels.shape[0]:
        # a fraction of a pixel to move, or content beyond the figure: savefig with the box found
        fig.savefig(out, format="png", bbox_inches=box, pad_inches=0, metadata=metadata, pil_kwargs=pil_kwargs)
        return out.getvalue()
    top = pixels.shape[0] - bottom - height  # rows run top-down, the box's y upwards
    imsave(out, pixels[top:top + height, left:left + width], format="png", origin="upper", dpi=fig.dpi,
           metadata=metadata, pil_kwargs=pil_kwargs)
    return out.getvalue()
