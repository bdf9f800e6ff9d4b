"""Charts drawn once: a figure on a canvas that keeps one renderer (`new_figure`), and its PNG cut
out of one drawing (`one_pass_png`) wherever the cut equals what ``savefig(bbox_inches="tight")``
writes.

Why: ``savefig`` with a tight box lays a figure out three times after ``tight_layout`` did once
(a drawing with output switched off, the tight box, the real drawing at the cropped size), and the
last on a renderer of its own, so every text is measured again. A figure made by `new_figure`
keeps one Agg renderer (`ChartCanvas`), which ``tight_layout`` already used; one drawing on it, the
tight box from that same drawing, and a crop give the same pixels whenever the box starts on a
whole pixel (the crop then moves nothing by a fraction of a pixel). Where it does not, the figure
is saved through ``savefig`` with that box, still on the same renderer. Where the settings differ
from the report's, `one_pass_png` returns None and the caller saves as before. The tests compare
the report's charts both ways, pixel by pixel.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["ChartCanvas", "new_figure", "one_pass_png"]

#: How far from a whole pixel a box edge may be and still count as on it (Agg places shapes to
#: 1/256 of a pixel, so a shift below this draws the same pixels).
_ON_PIXEL = 1e-6


class ChartCanvas(FigureCanvasAgg):
    """An Agg canvas that keeps its renderer while the figure fits in it (Agg's own canvas makes a
    new one whenever the size changes, as ``savefig`` does when it crops), so texts measured once
    are not measured again. A smaller figure is drawn into the bottom-left corner of the kept
    renderer (Agg counts rows from the renderer's top), and `buffer_rgba` returns that corner."""

    def get_renderer(self) -> RendererAgg:
        width, height = self.get_width_height(physical=True)
        kept = getattr(self, "renderer", None)
        if kept is None or kept.dpi != self.figure.dpi or kept.width < width or kept.height < height:
            self.renderer = RendererAgg(width, height, self.figure.dpi)
        return self.renderer

    def buffer_rgba(self) -> Any:
        import numpy as np

        width, height = self.get_width_height(physical=True)
        pixels = np.asarray(self.renderer.buffer_rgba())
        return pixels[pixels.shape[0] - height:, :width]


def new_figure(**kwargs: Any) -> Figure:
    """A `Figure` (`kwargs` as for its constructor) on a `ChartCanvas`, so laying it out and saving
    it share one renderer."""
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


def one_pass_png(fig: Figure, metadata: dict[str, Any], pil_kwargs: dict[str, Any]) -> bytes | None:
    """The PNG ``fig.savefig(format="png", metadata=metadata, pil_kwargs=pil_kwargs)`` would write
    under the current rcParams, cut from one drawing. A box that does not start on a whole pixel,
    or reaches beyond the figure, is saved through ``savefig`` with that box instead. None where
    the settings would make savefig's pixels differ from the drawing's (no `ChartCanvas`, a box
    that is not tight, other colours or dpi for saving than for drawing): the caller saves."""
    from matplotlib import colors, rcParams
    from matplotlib.image import imsave

    canvas = fig.canvas
    if not isinstance(canvas, ChartCanvas) or rcParams["savefig.bbox"] != "tight" or rcParams["savefig.transparent"]:
        return None
    dpi = rcParams["savefig.dpi"]
    pad = rcParams["savefig.pad_inches"]
    if (dpi != "figure" and dpi != fig.dpi) or not isinstance(pad, int | float):
        return None
    for mine, saved in ((fig.get_facecolor(), "savefig.facecolor"), (fig.get_edgecolor(), "savefig.edgecolor")):
        if rcParams[saved] != "auto" and colors.to_rgba(rcParams[saved]) != colors.to_rgba(mine):
            return None
    canvas.draw()
    box = fig.get_tightbbox(canvas.renderer).padded(pad)  # after drawing, as savefig measures it
    left, bottom = _whole(box.x0 * fig.dpi), _whole(box.y0 * fig.dpi)
    width, height = _size(box.width * fig.dpi), _size(box.height * fig.dpi)
    pixels = canvas.buffer_rgba()
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
