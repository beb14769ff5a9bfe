"""Flat test logos drawn in code, with what is known about each: the colours drawn, each
colour's exact area, the circles and straight edges in them. Drawn 4x larger and reduced by box
averaging, so edges are anti-aliased exactly as their coverage and flat areas keep their exact
colour. Used by the logo tests and by bench/logo_files.py (which chose the tracing settings).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from desktop.logo.background import border_connected
from desktop.logo.fonts import bundled_font

SUPER = 4


@dataclass
class Case:
    """``image`` (RGB, or RGBA for a transparent input); ``colors``: every colour drawn, with
    its exact area in pixels; ``background_area``: the background's, but for ``hole_area``, the
    background enclosed by the mark; ``background`` ('' when transparent); ``circles``: (centre
    x, centre y, radius, colour) in pixels; ``squares``: (left, top, right, bottom, colour);
    ``regions``: how many separate areas each colour has."""

    name: str
    image: Image.Image
    colors: dict[str, float]
    background: str
    background_area: float
    hole_area: float
    circles: list[tuple[float, float, float, str]] = field(default_factory=list)
    regions: dict[str, int] = field(default_factory=dict)
    squares: list[tuple[float, float, float, float, str]] = field(default_factory=list)


def _rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))


class _Canvas:
    """Draws at SUPER times the size; layers record each colour's pixels for exact areas."""

    def __init__(self, size: int, background: str) -> None:
        self.size = size
        self.background = background
        big = size * SUPER
        self.index = Image.new("L", (big, big), 0)  # 0: background, n: the nth colour
        self.draw = ImageDraw.Draw(self.index)
        self.colors: list[str] = []

    def ink(self, color: str) -> int:
        if color not in self.colors:
            self.colors.append(color)
        return self.colors.index(color) + 1

    def s(self, *values: float) -> list[float]:
        return [v * self.size * SUPER for v in values]

    def finish(self, name: str, **extra) -> Case:
        index = np.asarray(self.index)
        table = [self.background or "#000000", *self.colors]
        rgb = np.array([_rgb(c) for c in table], dtype=np.float64)[index]
        alpha = np.where(index > 0, 255.0, 0.0 if not self.background else 255.0)
        if not self.background:
            # Colours averaged over covered sub-pixels only (premultiplied), as real tools do.
            premultiplied = rgb * alpha[..., None]
            image = np.dstack([premultiplied, alpha])
        else:
            image = np.dstack([rgb, alpha])
        small = image.reshape(self.size, SUPER, self.size, SUPER, 4).mean(axis=(1, 3))
        if not self.background:
            covered = small[..., 3:]
            small[..., :3] = np.divide(small[..., :3], covered, out=np.zeros_like(small[..., :3]), where=covered > 0)
        pixels = np.round(small).astype(np.uint8)
        areas = {}
        counts = np.bincount(index.reshape(-1), minlength=len(table)) / SUPER**2
        for number, color in enumerate(table[1:], start=1):
            areas[color] = areas.get(color, 0.0) + float(counts[number])
        background = index == 0
        holes = float((background & ~border_connected(background, passes=1000)).sum()) / SUPER**2
        mode = "RGB" if self.background else "RGBA"
        image = Image.fromarray(pixels if mode == "RGBA" else pixels[..., :3], mode)
        return Case(name, image, areas, self.background, float(counts[0]) - holes, holes, **extra)


def circle_square(size: int = 512) -> Case:
    """A red disc and a navy square on white."""
    canvas = _Canvas(size, "#ffffff")
    canvas.draw.ellipse(canvas.s(0.08, 0.08, 0.48, 0.48), fill=canvas.ink("#e02020"))
    canvas.draw.rectangle(canvas.s(0.55, 0.55, 0.9, 0.9), fill=canvas.ink("#1b2a4a"))
    return canvas.finish(
        "circle-square",
        circles=[(0.28 * size, 0.28 * size, 0.2 * size, "#e02020")],
        squares=[(0.55 * size, 0.55 * size, 0.9 * size, 0.9 * size, "#1b2a4a")],
        regions={"#e02020": 1, "#1b2a4a": 1},
    )


def rounded_square(size: int = 512) -> Case:
    """A teal rounded square on cream."""
    canvas = _Canvas(size, "#fdf6ec")
    canvas.draw.rounded_rectangle(
        canvas.s(0.15, 0.15, 0.85, 0.85), radius=0.15 * size * SUPER, fill=canvas.ink("#0f4c5c")
    )
    return canvas.finish("rounded-square", regions={"#0f4c5c": 1})


def thin_lines(size: int = 512) -> Case:
    """Three horizontal bars, a diagonal stroke and a ring, navy on white."""
    canvas = _Canvas(size, "#ffffff")
    ink = canvas.ink("#1b2a4a")
    for top in (0.15, 0.3, 0.45):
        canvas.draw.rectangle(canvas.s(0.1, top, 0.9, top + 0.025), fill=ink)
    canvas.draw.line(canvas.s(0.1, 0.9, 0.45, 0.6), fill=ink, width=round(0.025 * size * SUPER))
    canvas.draw.ellipse(canvas.s(0.55, 0.58, 0.87, 0.9), outline=ink, width=round(0.03 * size * SUPER))
    return canvas.finish("thin-lines", regions={"#1b2a4a": 5, "#ffffff": 1})


def letters(size: int = 1024) -> Case:
    """'Ag' in a bold typeface, deep purple on white."""
    canvas = _Canvas(size, "#ffffff")
    font = ImageFont.truetype(str(bundled_font()), round(0.55 * size * SUPER))
    canvas.draw.text(canvas.s(0.08, 0.12), "Ag", font=font, fill=canvas.ink("#4a1c6b"))
    return canvas.finish("letters", regions={"#4a1c6b": 2, "#ffffff": 2})


def cream_on_red(size: int = 512) -> Case:
    """A cream letter T inside a red disc, on white: cream is close to the background."""
    canvas = _Canvas(size, "#ffffff")
    canvas.draw.ellipse(canvas.s(0.1, 0.1, 0.9, 0.9), fill=canvas.ink("#c1121f"))
    cream = canvas.ink("#fdf0d5")
    canvas.draw.rectangle(canvas.s(0.3, 0.3, 0.7, 0.4), fill=cream)
    canvas.draw.rectangle(canvas.s(0.45, 0.4, 0.55, 0.72), fill=cream)
    return canvas.finish(
        "cream-on-red", circles=[(0.5 * size, 0.5 * size, 0.4 * size, "#c1121f")], regions={"#c1121f": 1, "#fdf0d5": 1}
    )


def teal_dot(size: int = 512) -> Case:
    """A white dot inside a teal disc, on white: the dot is part of the mark."""
    canvas = _Canvas(size, "#ffffff")
    canvas.draw.ellipse(canvas.s(0.1, 0.1, 0.9, 0.9), fill=canvas.ink("#0f4c5c"))
    dot = canvas.ink("#ffffff")
    canvas.draw.ellipse(canvas.s(0.4, 0.4, 0.6, 0.6), fill=dot)
    return canvas.finish(
        "teal-dot",
        circles=[(0.5 * size, 0.5 * size, 0.4 * size, "#0f4c5c"), (0.5 * size, 0.5 * size, 0.1 * size, "#ffffff")],
        regions={"#0f4c5c": 1, "#ffffff": 1},
    )


def transparent_purple(size: int = 512) -> Case:
    """A purple disc on transparency (soft alpha at its edge)."""
    canvas = _Canvas(size, "")
    canvas.draw.ellipse(canvas.s(0.15, 0.15, 0.85, 0.85), fill=canvas.ink("#6a4c93"))
    return canvas.finish(
        "transparent-purple", circles=[(0.5 * size, 0.5 * size, 0.35 * size, "#6a4c93")], regions={"#6a4c93": 1}
    )


def transparent_two(size: int = 512) -> Case:
    """An orange disc and a navy rounded bar on transparency."""
    canvas = _Canvas(size, "")
    canvas.draw.ellipse(canvas.s(0.1, 0.1, 0.5, 0.5), fill=canvas.ink("#f77f00"))
    canvas.draw.rounded_rectangle(canvas.s(0.1, 0.6, 0.9, 0.85), radius=0.05 * size * SUPER, fill=canvas.ink("#003049"))
    return canvas.finish(
        "transparent-two",
        circles=[(0.3 * size, 0.3 * size, 0.2 * size, "#f77f00")],
        regions={"#f77f00": 1, "#003049": 1},
    )


CASES = (
    circle_square,
    rounded_square,
    thin_lines,
    letters,
    cream_on_red,
    teal_dot,
    transparent_purple,
    transparent_two,
)
