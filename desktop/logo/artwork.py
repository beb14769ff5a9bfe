"""Logo variants as vector artwork (no Qt): the mark alone, or with the name beside it
(horizontal) or below it (stacked); in full colour, one colour dark or one colour light; with
clear space around it. Each :class:`Artwork` is written as SVG and rendered from that same SVG
into PNGs of any size, so the two always match.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from fontTools.misc.transform import Transform
from PIL import Image

from desktop.logo.brand_mark import BrandMark, inner, recolor
from desktop.logo.colors import contrast_ratio, name_color, relative_luminance
from desktop.logo.raster import render_svg
from desktop.logo.wordmark import HORIZONTAL, STACKED, WordmarkStyle, wordmark_svg

FULL_COLOR, ONE_COLOR_DARK, ONE_COLOR_LIGHT = "full-color", "one-color-dark", "one-color-light"
BLACK, WHITE, GRAYSCALE = "black", "white", "grayscale"
TREATMENTS = (FULL_COLOR, ONE_COLOR_DARK, ONE_COLOR_LIGHT, BLACK, WHITE, GRAYSCALE)
COLORED = (FULL_COLOR, GRAYSCALE)  # the others are one ink: the same shape filled in one colour
MARK = "mark"
LAYOUTS = (MARK, HORIZONTAL, STACKED)
CLEAR_SPACE = 0.25  # free space on every side, as a share of the mark's height
WORDMARK_MARGIN = 0.08  # the margin desktop.logo.wordmark leaves around a wordmark (of the mark's height)
GRAPHICS_CONTRAST = 3.0  # WCAG 1.4.11: graphics need 3:1 against what is around them


@dataclass(frozen=True)
class Artwork:
    """SVG elements spanning (0, 0) to (width, height) in SVG units (pixels at scale 1)."""

    body: str
    width: int
    height: int

    def svg(self, metadata: str = "", background: str = "", title: str = "") -> str:
        """The complete SVG document, with ``title`` and ``metadata`` (e.g. the generation
        parameters as JSON)."""
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg version="1.1" xmlns="http://www.w3.org/2000/svg" width="{self.width}" height="{self.height}" '
            f'viewBox="0 0 {self.width} {self.height}">',
        ]
        if title:
            parts.append(f"<title>{escape(title)}</title>")
        if metadata:
            parts.append(f"<metadata>{escape(metadata)}</metadata>")
        if background:
            parts.append(f'<rect width="{self.width}" height="{self.height}" fill="{background}"/>')
        parts += [self.body, "</svg>"]
        return "\n".join(parts)

    def render(self, scale: float, background: str = "") -> Image.Image:
        """The artwork as an RGBA image ``scale`` pixels per unit (transparent unless ``background``)."""
        size = (max(1, math.ceil(self.width * scale)), max(1, math.ceil(self.height * scale)))
        return render_svg(self.svg(), size, Transform().scale(scale), background)

    def fit_scale(self, box: tuple[float, float]) -> float:
        """The largest scale at which the artwork fits in a ``box`` (width, height)."""
        return min(box[0] / self.width, box[1] / self.height)

    def placed(
        self, canvas: tuple[int, int], scale: float, center: tuple[float, float] | None = None, background: str = ""
    ) -> Image.Image:
        """A ``canvas``-sized RGBA image with the artwork at ``scale``, its centre on ``center``
        (default: the canvas's centre), over ``background`` (default: transparent)."""
        cx, cy = center or (canvas[0] / 2, canvas[1] / 2)
        left, top = cx - self.width * scale / 2, cy - self.height * scale / 2
        # Rendered in its own box (whole pixels around it), then pasted: a big canvas stays cheap.
        x0, y0 = max(0, math.floor(left)), max(0, math.floor(top))
        x1 = min(canvas[0], math.ceil(left + self.width * scale))
        y1 = min(canvas[1], math.ceil(top + self.height * scale))
        result = Image.new("RGBA", canvas, background or (0, 0, 0, 0))
        if x1 <= x0 or y1 <= y0:
            return result
        transform = Transform().translate(left - x0, top - y0).scale(scale)
        result.alpha_composite(render_svg(self.svg(), (x1 - x0, y1 - y0), transform), (x0, y0))
        return result


@dataclass(frozen=True)
class Treatment:
    """The colours of the variants: the name's colour in full colour, and the one-colour inks."""

    text: str
    dark: str
    light: str

    def ink(self, treatment: str) -> str:
        """The colour of the name (and of the whole logo, for the one-ink treatments)."""
        inks = {FULL_COLOR: self.text, ONE_COLOR_DARK: self.dark, ONE_COLOR_LIGHT: self.light, BLACK: "#000000"}
        return {**inks, WHITE: "#ffffff", GRAYSCALE: grey(self.text)}[treatment]


def grey(color: str) -> str:
    """The grey of the same WCAG luminance as ``color`` (so contrasts between colours stay)."""
    level = relative_luminance(color)
    channel = level * 12.92 if level <= 0.0031308 else 1.055 * level ** (1 / 2.4) - 0.055
    value = round(channel * 255)
    return f"#{value:02x}{value:02x}{value:02x}"


def _greyscale(body: str) -> str:
    return re.sub(r'fill="(#[0-9a-fA-F]{6})"', lambda match: f'fill="{grey(match.group(1).lower())}"', body)


def mark_artwork(mark: BrandMark, treatment: str, treatments: Treatment) -> Artwork:
    """The mark alone, tight to its ink (no clear space)."""
    if treatment == FULL_COLOR:
        body = inner(mark.color_svg)
    elif treatment == GRAYSCALE:
        body = _greyscale(inner(mark.color_svg))
    else:
        body = inner(recolor(mark.one_color_svg, treatments.ink(treatment)))
    return Artwork(body, *mark.size)


def variant(
    mark: BrandMark, layout: str, treatment: str, treatments: Treatment, name: str = "", font: str = ""
) -> Artwork:
    """One logo variant with clear space (CLEAR_SPACE of the mark's height) on every side."""
    art = mark_artwork(mark, treatment, treatments)
    clear = round(CLEAR_SPACE * mark.size[1])
    if layout == MARK:
        return Artwork(
            f'<g transform="translate({clear},{clear})">{art.body}</g>', art.width + 2 * clear, art.height + 2 * clear
        )
    style = WordmarkStyle(name, font=font, color=treatments.ink(treatment), layout=layout)
    document = wordmark_svg(art.svg(), mark.size, style)
    width, height = (int(re.search(rf'{key}="(\d+)"', document).group(1)) for key in ("width", "height"))
    margin = round(WORDMARK_MARGIN * mark.size[1])
    shift = clear - margin
    body = f'<g transform="translate({shift},{shift})">{inner(document)}</g>'
    return Artwork(body, width + 2 * shift, height + 2 * shift)


def choose_treatments(mark: BrandMark) -> Treatment:
    """The variants' colours: the name in the brand colour that reads best on the background
    (black or white if none reaches 4.5:1); one colour dark in the darkest brand colour if it
    is as dark as body text needs on white (7:1), else black; one colour light in the lightest
    brand colour if it is nearly white (15:1 on black), else white."""
    colors = (*mark.palette, mark.background)
    text = name_color(mark.palette, mark.background)
    dark = min(colors, key=lambda color: contrast_ratio(color, "#000000"))
    dark = dark if contrast_ratio(dark, "#ffffff") >= 7 else "#000000"
    light = max(colors, key=lambda color: contrast_ratio(color, "#000000"))
    light = light if contrast_ratio(light, "#000000") >= 15 else "#ffffff"
    return Treatment(text, dark, light)


def treatment_for(background: str, mark: BrandMark, treatments: Treatment) -> str:
    """The variant to show on ``background``: full colour where the mark's main colour and the
    name both stand out from it (3:1), else the one-colour variant with more contrast."""
    if min(contrast_ratio(mark.dominant, background), contrast_ratio(treatments.text, background)) >= GRAPHICS_CONTRAST:
        return FULL_COLOR
    if contrast_ratio(treatments.dark, background) >= contrast_ratio(treatments.light, background):
        return ONE_COLOR_DARK
    return ONE_COLOR_LIGHT


def in_circle(mark: BrandMark, art: Artwork, side: int, radius_share: float, background: str = "") -> Image.Image:
    """A ``side`` px square with the mark ``art`` (no clear space) centred and scaled so its ink
    reaches at most ``radius_share`` of the side from the centre (and fits in the square)."""
    scale = min(radius_share * side / mark.radius, art.fit_scale((side * 0.9, side * 0.9)))
    return art.placed((side, side), scale, background=background)
