"""Text set once, with HarfBuzz: which glyphs, where (kerning, ligatures, joined and
right-to-left scripts), and their outlines in pixels.

The wordmark's PNG and SVG are both drawn from the one :class:`ShapedText` this returns, so the
two files have the same letters in the same places.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

from fontTools.pens.boundsPen import BoundsPen
from fontTools.pens.recordingPen import RecordingPen, replayRecording
from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen

from desktop.errors import InvalidParameters
from desktop.logo.fonts import FontFace

_RTL = ("R", "AL")
_LTR = ("L", "EN", "AN")  # numbers read left to right, also inside right-to-left text


@dataclass(frozen=True)
class ShapedText:
    """Text set in one line, in pixels, y down, the pen starting at (0, 0) on the baseline.

    ``outline`` is a fontTools recording (moveTo / lineTo / qCurveTo / curveTo / closePath);
    ``ink`` is (left, top, right, bottom) of what is drawn, None for blank text; ``ascent`` and
    ``descent`` are the font's line box above and below the baseline.
    """

    outline: tuple
    advance: float
    ink: tuple[float, float, float, float] | None
    ascent: float
    descent: float
    rtl: bool = False  # the line reads right to left (its first strong letter is right-to-left)

    def draw(self, pen, x: float = 0.0, y: float = 0.0) -> None:
        """Draw the outlines into a fontTools ``pen`` with the pen start at (x, y)."""
        replayRecording(self.outline, TransformPen(pen, (1, 0, 0, 1, x, y)) if x or y else pen)

    def svg_path(self, x: float = 0.0, y: float = 0.0) -> str:
        """The outlines as SVG path data, with the pen start at (x, y)."""
        pen = SVGPathPen(None, ntos=_number)
        self.draw(pen, x, y)
        return pen.getCommands()


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


@functools.lru_cache(maxsize=16)
def _hb_font(path: str, index: int):
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(path), index)
    return hb.Font(face), face.upem


@functools.lru_cache(maxsize=4096)
def _glyph(path: str, index: int, glyph: int) -> tuple:
    font, _ = _hb_font(path, index)
    pen = RecordingPen()
    font.draw_glyph_with_pen(glyph, pen)
    return tuple(pen.value)


def shape_text(face: FontFace, text: str, size_px: float) -> ShapedText:
    """``text`` set in ``face`` at ``size_px`` pixels per em.

    Raises InvalidParameters naming the characters the font has no glyphs for (they would
    show as empty boxes in the logo).
    """
    import uharfbuzz as hb

    font, upem = _hb_font(str(face.path), face.index)
    scale = size_px / upem
    extents = font.get_font_extents("ltr")
    recording = RecordingPen()
    missing: list[str] = []
    pen_x = 0.0
    for run, direction in _visual_runs(text):
        buffer = hb.Buffer()
        buffer.add_str(run)
        buffer.guess_segment_properties()
        buffer.direction = direction
        hb.shape(font, buffer, {})
        for info, position in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True):
            if info.codepoint == 0 and not run[info.cluster].isspace():
                missing.append(run[info.cluster])
            x = pen_x + position.x_offset * scale
            y = -position.y_offset * scale
            replayRecording(
                _glyph(str(face.path), face.index, info.codepoint),
                TransformPen(recording, (scale, 0, 0, -scale, x, y)),
            )
            pen_x += position.x_advance * scale
    if missing:
        letters = "".join(dict.fromkeys(missing))
        raise InvalidParameters(
            "font", f"The font {face.label} has no letters for {letters!r}. Pick a font that covers them."
        )
    bounds = BoundsPen(None)
    replayRecording(recording.value, bounds)
    return ShapedText(
        tuple(recording.value),
        pen_x,
        bounds.bounds,
        extents.ascender * scale,
        -extents.descender * scale,
        base_direction(text) == "rtl",
    )


def base_direction(text: str) -> str:
    """'rtl' when the first strong letter of ``text`` is right-to-left, else 'ltr'."""
    for kind in map(unicodedata.bidirectional, text):
        if kind in _RTL:
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def _visual_runs(text: str) -> list[tuple[str, str]]:
    """``text`` cut where it changes between left-to-right and right-to-left letters, the runs
    in the order they are seen, left to right (enough of the Unicode bidi rules for one line of
    a name; each run is shaped in its own direction)."""
    strong = [
        "rtl" if kind in _RTL else "ltr" if kind in _LTR else None for kind in map(unicodedata.bidirectional, text)
    ]
    base = base_direction(text)
    directions = []
    for i, direction in enumerate(strong):
        if direction is None:  # spaces and punctuation: as their neighbours, else as the line
            before = next((d for d in reversed(strong[:i]) if d), base)
            after = next((d for d in strong[i + 1 :] if d), base)
            direction = before if before == after else base
        directions.append(direction)
    runs: list[tuple[str, str]] = []
    for char, direction in zip(text, directions, strict=True):
        if runs and runs[-1][1] == direction:
            runs[-1] = (runs[-1][0] + char, direction)
        else:
            runs.append((char, direction))
    return runs[::-1] if base == "rtl" else runs
