"""SVG export: trace a (palette-locked) logo into compact vector paths with vtracer."""

from __future__ import annotations

import io
import re
from xml.sax.saxutils import escape

import numpy as np
from PIL import Image

from desktop.logo.background import detect_background
from desktop.palette import hex_to_rgb

COLOR = "color"
SINGLE = "single"
_FILL = re.compile(r'fill="#([0-9A-Fa-f]{6})"')
FLAT_SHARE = 0.002  # a colour on this share of the opaque pixels (or more) is a flat area
SNAP_DISTANCE = 12  # a traced colour this close (0-255, per channel) to a flat one is that one


def trace_svg(
    image: Image.Image,
    *,
    mode: str = COLOR,
    palette: list[str] | tuple[str, ...] = (),
    single_color: str = "#000000",
    speckle: int = 4,
    metadata: str = "",
) -> str:
    """The SVG text of ``image`` traced to paths.

    ``mode`` COLOR traces every colour region (transparent pixels are left out); with a
    ``palette``, every fill is snapped to its nearest palette colour so the SVG uses exactly
    the brand colours; without one, a fill close to a colour that covers a flat area of the
    image becomes exactly that colour (tracing averages in the anti-aliased edge pixels, so a
    #1428A0 area would come out #192DA2). SINGLE traces the logo's silhouette (opaque pixels, or pixels that differ
    from the detected background) in ``single_color``. ``speckle`` drops patches smaller than
    that many pixels. ``metadata`` (e.g. the generation parameters as JSON) goes into
    ``<metadata>``.
    """
    import vtracer

    if mode == SINGLE:
        source = _silhouette(image)
        svg = vtracer.convert_raw_image_to_svg(
            _png_bytes(source), img_format="png", colormode="binary", filter_speckle=speckle, path_precision=2
        )
        svg = _FILL.sub(f'fill="{single_color}"', svg)
    else:
        svg = vtracer.convert_raw_image_to_svg(
            _png_bytes(image.convert("RGBA")),
            img_format="png",
            colormode="color",
            hierarchical="stacked",
            filter_speckle=speckle,
            color_precision=8,
            layer_difference=8,
            path_precision=2,
        )
        if palette:
            svg = _FILL.sub(lambda match: f'fill="{_nearest(match.group(1), palette)}"', svg)
        else:
            flats = _flat_colors(image)
            svg = _FILL.sub(lambda match: f'fill="{_snap(match.group(1), flats)}"', svg)
    svg = re.sub(r"<!--.*?-->\n?", "", svg)
    width, height = image.size
    svg = svg.replace(
        f'width="{width}" height="{height}">', f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">', 1
    )
    if metadata:
        after_svg_tag = svg.index(">", svg.index("<svg")) + 1
        svg = f"{svg[:after_svg_tag]}\n<metadata>{escape(metadata)}</metadata>{svg[after_svg_tag:]}"
    return svg


def _silhouette(image: Image.Image) -> Image.Image:
    """Black where the logo is, white elsewhere."""
    if image.mode == "RGBA" and image.getchannel("A").getextrema()[0] < 255:
        solid = np.asarray(image.getchannel("A")) > 127
    else:
        rgb = np.asarray(image.convert("RGB"), dtype=np.int16)
        background = np.array(hex_to_rgb(detect_background(image)), dtype=np.int16)
        solid = np.abs(rgb - background).max(axis=2) > 48
    return Image.fromarray(np.where(solid, 0, 255).astype(np.uint8), "L").convert("RGB")


def _flat_colors(image: Image.Image) -> list[str]:
    """The colours of the image's flat areas: those of many fully opaque pixels."""
    rgba = np.asarray(image.convert("RGBA"))
    opaque = rgba[rgba[..., 3] == 255][:, :3].astype(np.uint32)
    if not len(opaque):
        return []
    values, counts = np.unique(opaque[:, 0] << 16 | opaque[:, 1] << 8 | opaque[:, 2], return_counts=True)
    return [f"#{value:06x}" for value in values[counts >= max(16, FLAT_SHARE * len(opaque))]]


def _snap(hex_color: str, flats: list[str]) -> str:
    own = "#" + hex_color.lower()
    if not flats:
        return own
    nearest = _nearest(hex_color, flats)
    return nearest if np.abs(np.subtract(hex_to_rgb(nearest), hex_to_rgb(own))).max() <= SNAP_DISTANCE else own


def _nearest(hex_color: str, palette) -> str:
    target = np.array(hex_to_rgb("#" + hex_color.lower()))
    return min(palette, key=lambda color: int(((np.array(hex_to_rgb(color)) - target) ** 2).sum())).lower()


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
