"""Wordmarks: the generated mark plus the brand name typeset in a real font.

Diffusion models draw letters badly, so the name is set in type. The text is shaped once with
HarfBuzz (kerning, ligatures, joined and right-to-left scripts) and both files are drawn from
those same glyph outlines: the PNG by rasterising them, the SVG as paths (no font needs to be
installed to see it). One layout places the mark and the name, from the name's real ink, so
both files have the same size and nothing is cut off.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from PIL import Image, ImageChops

from desktop.errors import InvalidParameters
from desktop.logo.fonts import BUNDLED_FONT, FontFace, bundled_font, find_font
from desktop.logo.raster import fill_layer, polygons_of
from desktop.logo.shaping import ShapedText, shape_text

__all__ = [
    "BUNDLED_FONT",
    "HORIZONTAL",
    "LAYOUTS",
    "STACKED",
    "WordmarkStyle",
    "bundled_font",
    "compose_wordmark",
    "find_font",
    "trim",
    "wordmark_svg",
]

HORIZONTAL = "horizontal"
STACKED = "stacked"
LAYOUTS = (HORIZONTAL, STACKED)


@dataclass(frozen=True)
class WordmarkStyle:
    """How the name is set: ``text_scale`` is the font size relative to the mark's height
    (horizontal) or width (stacked); ``spacing`` the gap relative to the mark's height."""

    text: str
    font: str = ""
    color: str = "#000000"
    layout: str = HORIZONTAL
    text_scale: float | None = None
    spacing: float = 0.12

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise InvalidParameters("wordmark", "Type the brand name for the wordmark.")
        if self.layout not in LAYOUTS:
            raise InvalidParameters("layout", f"Layout must be horizontal or stacked, not {self.layout!r}.")
        if not 0 <= self.spacing <= 2:
            raise InvalidParameters("spacing", "Spacing must be between 0 and 2 (times the mark's height).")
        if self.text_scale is not None and not 0.05 <= self.text_scale <= 2:
            raise InvalidParameters("text_scale", "Text size must be between 0.05 and 2 (times the mark's size).")

    @property
    def scale(self) -> float:
        return self.text_scale or (0.42 if self.layout == HORIZONTAL else 0.2)


@dataclass(frozen=True)
class _Layout:
    size: tuple[int, int]
    mark_at: tuple[int, int]
    text_at: tuple[float, float]  # where the text's pen starts, on the baseline
    text: ShapedText


def _layout(mark_size: tuple[int, int], style: WordmarkStyle, text: ShapedText) -> _Layout:
    """Place the mark and the name; the canvas is their ink plus a margin on every side."""
    mark_w, mark_h = mark_size
    padding = round(0.08 * mark_h)
    gap = style.spacing * mark_h
    left, top, right, bottom = text.ink or (0.0, -text.ascent, text.advance, text.descent)
    mark_x = 0.0
    if style.layout == HORIZONTAL:
        # The gap is measured to the first letter's ink; the line box is centred on the mark.
        x = mark_w + gap - left
        y = mark_h / 2 + (text.ascent - text.descent) / 2 - text.descent * 0.1
        if text.rtl:  # read from the right: the mark first, on the right
            x = -left
            mark_x = right - left + gap
    else:
        x = (mark_w - (right - left)) / 2 - left
        y = mark_h + gap - top
    x0, y0 = min(mark_x, x + left), min(0.0, y + top)
    x1, y1 = max(mark_x + mark_w, x + right), max(mark_h, y + bottom)
    dx, dy = padding - math.floor(x0), padding - math.floor(y0)
    size = (math.ceil(x1 + dx + padding), math.ceil(y1 + dy + padding))
    return _Layout(size, (round(mark_x + dx), dy), (x + dx, y + dy), text)


def _font_px(mark_size: tuple[int, int], style: WordmarkStyle) -> int:
    reference = mark_size[1] if style.layout == HORIZONTAL else mark_size[0]
    return max(8, round(reference * style.scale))


def _set_text(mark_size: tuple[int, int], style: WordmarkStyle) -> _Layout:
    face: FontFace = find_font(style.font)
    return _layout(mark_size, style, shape_text(face, style.text, _font_px(mark_size, style)))


def ink_box(mark: Image.Image, background: str = "") -> tuple[int, int, int, int] | None:
    """The box of what is visible in ``mark``: its opaque pixels, or those unlike ``background``."""
    if mark.mode == "RGBA" and mark.getchannel("A").getextrema()[0] < 255:
        return mark.getchannel("A").point(lambda a: 255 if a > 16 else 0).getbbox()
    if background:
        difference = ImageChops.difference(mark.convert("RGB"), Image.new("RGB", mark.size, background))
        return difference.convert("L").point(lambda v: 255 if v > 24 else 0).getbbox()
    return None


def trim(mark: Image.Image, background: str = "") -> Image.Image:
    """``mark`` cropped to what is visible (:func:`ink_box`), so the chosen spacing is the real
    gap between the mark and the name."""
    box = ink_box(mark, background)
    return mark.crop(box) if box else mark


def compose_wordmark(mark: Image.Image, style: WordmarkStyle, background: str = "") -> Image.Image:
    """The (trimmed) mark and the name side by side or stacked, as RGBA (transparent unless
    ``background``)."""
    mark = trim(mark, background)
    layout = _set_text(mark.size, style)
    canvas = Image.new("RGBA", layout.size, background or (0, 0, 0, 0))
    canvas.alpha_composite(mark.convert("RGBA"), layout.mark_at)
    polygons = polygons_of(lambda pen: layout.text.draw(pen, *layout.text_at))
    canvas.alpha_composite(fill_layer(polygons, layout.size, style.color))
    return canvas


def wordmark_svg(
    mark_svg: str, mark_size: tuple[int, int], style: WordmarkStyle, background: str = "", metadata: str = ""
) -> str:
    """The wordmark as SVG: the traced mark's paths plus the name as outlines, laid out exactly
    as :func:`compose_wordmark` lays out the PNG of a mark of ``mark_size``."""
    from xml.sax.saxutils import escape

    layout = _set_text(mark_size, style)
    width, height = layout.size
    inner = re.search(r"<svg[^>]*>(.*)</svg>", mark_svg, re.S).group(1)
    inner = re.sub(r"<metadata>.*?</metadata>", "", inner, flags=re.S)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg version="1.1" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
    ]
    if metadata:
        parts.append(f"<metadata>{escape(metadata)}</metadata>")
    if background:
        parts.append(f'<rect width="{width}" height="{height}" fill="{background}"/>')
    parts.append(f'<g transform="translate({layout.mark_at[0]},{layout.mark_at[1]})">{inner}</g>')
    parts.append(f'<path fill="{style.color}" d="{layout.text.svg_path(*layout.text_at)}"/>')
    parts.append("</svg>")
    return "\n".join(parts)
