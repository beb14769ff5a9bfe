"""Wordmarks: the generated mark plus the brand name typeset in a real font.

Diffusion models draw letters badly, so the name is set in type: PNG through Pillow, SVG with the
letters converted to paths (fontTools), so the SVG needs no font installed to look right.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

from desktop.errors import InvalidParameters

HORIZONTAL = "horizontal"
STACKED = "stacked"
LAYOUTS = (HORIZONTAL, STACKED)
BUNDLED_FONT = "DejaVu Sans Bold"
FONT_SUFFIXES = (".ttf", ".otf", ".ttc")  # .ttc: collections (macOS system fonts); the first face is used


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


def bundled_font() -> Path:
    return Path(str(resources.files("desktop.resources").joinpath("fonts/DejaVuSans-Bold.ttf")))


@functools.lru_cache(maxsize=64)
def find_font(family: str = "") -> Path:
    """The font file for ``family`` (a family name or a .ttf/.otf path); '' means the bundled font."""
    family = family.strip()
    if not family or family.lower() == BUNDLED_FONT.lower():
        return bundled_font()
    path = Path(family).expanduser()
    if path.suffix.lower() in FONT_SUFFIXES and path.is_file():
        return path
    found = _fontconfig_match(family) or _search_font_folders(family)
    if found is None:
        raise InvalidParameters(
            "font",
            f"The font {family!r} could not be found on this computer. Pick an installed font, give the path "
            f"of a .ttf/.otf file, or leave it empty for {BUNDLED_FONT}.",
        )
    return found


def _fontconfig_match(family: str) -> Path | None:
    if not shutil.which("fc-match"):
        return None
    try:
        result = subprocess.run(
            ["fc-match", "-f", "%{family}\t%{file}", family], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    families, _, file = result.stdout.partition("\t")
    # fc-match always answers with something; accept it only if it is the family asked for.
    if family.lower() in (name.strip().lower() for name in families.split(",")) and Path(file).is_file():
        return Path(file)
    return None


def _search_font_folders(family: str) -> Path | None:
    wanted = re.sub(r"[^a-z0-9]", "", family.lower())
    folders = [
        Path.home() / ".fonts",
        Path.home() / ".local/share/fonts",
        Path("/usr/share/fonts"),
        Path("/Library/Fonts"),
        Path.home() / "Library/Fonts",
        Path("/System/Library/Fonts"),
    ]
    if sys.platform == "win32":
        folders.append(Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts")
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in FONT_SUFFIXES and re.sub(r"[^a-z0-9]", "", path.stem.lower()) == wanted:
                return path
    return None


@dataclass(frozen=True)
class _Layout:
    size: tuple[int, int]
    mark_at: tuple[int, int]
    baseline_at: tuple[float, float]
    font_px: int


def _layout(mark_size: tuple[int, int], style: WordmarkStyle, font: ImageFont.FreeTypeFont) -> _Layout:
    mark_w, mark_h = mark_size
    padding = round(0.08 * mark_h)
    gap = style.spacing * mark_h
    ascent, descent = font.getmetrics()
    # The ink can reach past the advance width (italics, a "y" tail): take whichever is wider.
    text_w = max(font.getlength(style.text), font.getbbox(style.text, anchor="ls")[2])
    if style.layout == HORIZONTAL:
        width = round(padding * 2 + mark_w + gap + text_w)
        height = mark_h + padding * 2
        baseline = padding + mark_h / 2 + (ascent - descent) / 2 - descent * 0.1
        return _Layout((width, height), (padding, padding), (padding + mark_w + gap, baseline), font.size)
    width = round(max(mark_w, text_w) + padding * 2)
    height = round(padding * 2 + mark_h + gap + ascent + descent)
    return _Layout(
        (width, height),
        ((width - mark_w) // 2, padding),
        ((width - text_w) / 2, padding + mark_h + gap + ascent),
        font.size,
    )


def _font_px(mark_size: tuple[int, int], style: WordmarkStyle) -> int:
    reference = mark_size[1] if style.layout == HORIZONTAL else mark_size[0]
    return max(8, round(reference * style.scale))


def _open_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(str(path), size)
    except OSError as error:
        raise InvalidParameters("font", f"The font file {path.name} could not be loaded ({error}).") from error


def trim(mark: Image.Image, background: str = "") -> Image.Image:
    """``mark`` cropped to what is visible: its opaque pixels, or those unlike ``background``,
    so the chosen spacing is the real gap between the mark and the name."""
    if mark.mode == "RGBA" and mark.getchannel("A").getextrema()[0] < 255:
        box = mark.getchannel("A").point(lambda a: 255 if a > 16 else 0).getbbox()
    elif background:
        difference = ImageChops.difference(mark.convert("RGB"), Image.new("RGB", mark.size, background))
        box = difference.convert("L").point(lambda v: 255 if v > 24 else 0).getbbox()
    else:
        box = None
    return mark.crop(box) if box else mark


def compose_wordmark(mark: Image.Image, style: WordmarkStyle, background: str = "") -> Image.Image:
    """The (trimmed) mark and the name side by side or stacked, as RGBA (transparent unless
    ``background``)."""
    mark = trim(mark, background)
    font = _open_font(find_font(style.font), _font_px(mark.size, style))
    layout = _layout(mark.size, style, font)
    canvas = Image.new("RGBA", layout.size, background or (0, 0, 0, 0))
    mark = mark.convert("RGBA")
    canvas.alpha_composite(mark, layout.mark_at)
    ImageDraw.Draw(canvas).text(layout.baseline_at, style.text, font=font, fill=style.color, anchor="ls")
    return canvas


def wordmark_svg(
    mark_svg: str, mark_size: tuple[int, int], style: WordmarkStyle, background: str = "", metadata: str = ""
) -> str:
    """The wordmark as SVG: the traced mark's paths plus the name as outlines."""
    from xml.sax.saxutils import escape

    font_path = find_font(style.font)
    font = _open_font(font_path, _font_px(mark_size, style))
    layout = _layout(mark_size, style, font)
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
    parts.append(_text_paths(font_path, style.text, layout.font_px, layout.baseline_at, style.color))
    parts.append("</svg>")
    return "\n".join(parts)


def _text_paths(font_path: Path, text: str, font_px: int, origin: tuple[float, float], color: str) -> str:
    from fontTools.pens.svgPathPen import SVGPathPen
    from fontTools.ttLib import TTFont

    font = TTFont(str(font_path), fontNumber=0)
    glyphs = font.getGlyphSet()
    cmap = font.getBestCmap()
    scale = font_px / font["head"].unitsPerEm
    x, baseline = origin
    paths = []
    for char in text:
        name = cmap.get(ord(char), ".notdef")
        pen = SVGPathPen(glyphs)
        glyphs[name].draw(pen)
        if pen.getCommands():
            paths.append(
                f'<path transform="translate({x:.2f},{baseline:.2f}) scale({scale:.5f},{-scale:.5f})" '
                f'd="{pen.getCommands()}"/>'
            )
        x += glyphs[name].width * scale
    return f'<g fill="{color}">{"".join(paths)}</g>'
