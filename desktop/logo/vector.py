"""SVG export: trace a logo into compact vector paths with vtracer (no Qt).

The trace is made from the logo's flat image (:class:`desktop.logo.cleanup.CleanLogo.flat`):
every visible pixel exactly one of its colours, alpha 0 or 255. So vtracer sees only the
logo's own colours and clusters nothing else: one path per colour region, no stray colours,
and the fills are the exact colours. The settings in :data:`TRACE` were chosen by measuring
the test logos of ``tests/logo_corpus.py`` (``bench/logo_files.py --sweep``): circles round
within 1 % of their radius, straight edges straight, the fewest paths and bytes.
"""

from __future__ import annotations

import io
import math
import re
from xml.sax.saxutils import escape

import numpy as np
from PIL import Image

COLOR = "color"
SINGLE = "single"
_FILL = re.compile(r'fill="#([0-9A-Fa-f]{6})"')
# vtracer settings (see the module's docstring). color_precision 8 and layer_difference 1: the
# flat image's colours are exact, so nothing may be merged or split; filter_speckle drops
# patches smaller than that many pixels a side (squared).
TRACE = {
    "mode": "spline",
    "filter_speckle": 4,
    "color_precision": 8,
    "layer_difference": 1,
    "corner_threshold": 60,
    "length_threshold": 4.0,
    "max_iterations": 10,
    "splice_threshold": 45,
    "path_precision": 2,
}
TRACE_SIDE = 1024  # the flat image is made at this size on its longer side, and scaled back in the SVG


def trace_svg(
    flat: Image.Image,
    *,
    mode: str = COLOR,
    single_color: str = "#000000",
    metadata: str = "",
    title: str = "",
    size: tuple[int, int] | None = None,
    settings: dict | None = None,
) -> str:
    """The SVG text of the flat image ``flat`` (RGBA, alpha 0 or 255, few exact colours).

    ``mode`` COLOR traces every colour region (transparent pixels are left out); SINGLE traces
    the silhouette (every visible pixel) in ``single_color``. ``size`` is the SVG's size in
    user units (default: the image's). ``title`` goes into ``<title>``, ``metadata`` (e.g.
    the generation parameters as JSON) into ``<metadata>``.
    """
    import vtracer

    width, height = size or flat.size
    traced = flat
    options = {**TRACE, **(settings or {})}
    if mode == SINGLE:
        alpha = np.asarray(traced.getchannel("A"))
        silhouette = Image.fromarray(np.where(alpha >= 128, 0, 255).astype(np.uint8), "L").convert("RGB")
        svg = vtracer.convert_raw_image_to_svg(_png_bytes(silhouette), img_format="png", colormode="binary", **options)
        svg = _FILL.sub(f'fill="{single_color}"', svg)
    else:
        colors = _colors(traced)
        svg = vtracer.convert_raw_image_to_svg(
            _png_bytes(traced), img_format="png", colormode="color", hierarchical="stacked", **options
        )
        svg = _FILL.sub(lambda match: f'fill="{_nearest(match.group(1), colors)}"', svg)
    body = re.search(r"<svg[^>]*>(.*)</svg>", svg, re.S).group(1)
    body = re.sub(r"<!--.*?-->\n?", "", body).strip()
    scale = width / traced.width
    if not math.isclose(scale, 1.0):
        body = f'<g transform="scale({scale:.6g})">\n{body}\n</g>'
    head = f'<svg version="1.1" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
    head += f'viewBox="0 0 {width} {height}">'
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', head]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    if metadata:
        parts.append(f"<metadata>{escape(metadata)}</metadata>")
    parts += [body, "</svg>"]
    return "\n".join(parts) + "\n"


def _colors(flat: Image.Image) -> list[str]:
    pixels = np.asarray(flat)
    visible = pixels[pixels[..., 3] > 0][:, :3].astype(np.int32)
    values = np.unique(visible[:, 0] << 16 | visible[:, 1] << 8 | visible[:, 2])
    return [f"#{value:06x}" for value in values]


def _nearest(hex_color: str, palette: list[str]) -> str:
    if not palette:
        return "#" + hex_color.lower()
    target = np.array([int(hex_color[i : i + 2], 16) for i in (0, 2, 4)])
    references = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in palette])
    return palette[int(((references - target) ** 2).sum(axis=1).argmin())]


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()
