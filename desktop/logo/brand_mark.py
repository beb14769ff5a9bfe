"""The chosen logo, cleaned up once for a brand kit: locked to its palette, background removed,
cropped to its ink, and traced twice: in colour and as one-colour artwork (no Qt).

Every file of the kit is drawn from these two traces, so every size is crisp and the flat brand
colours are exact. The one-colour artwork is not just the silhouette: a colour region that sits
inside the mark (enclosed by other colours, touching the outside hardly at all) becomes a
knockout, a hole, so a navy letter inside a red disc stays readable as a letter-shaped hole in a
one-colour disc, as a printer would cut it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from desktop.errors import InvalidParameters, MetadataError
from desktop.imageops import open_image
from desktop.logo.background import detect_background
from desktop.logo.palette_lock import lock_to_palette
from desktop.logo.vector import COLOR, SINGLE, trace_svg
from desktop.metadata import read_params
from desktop.palette import hex_to_rgb
from desktop.params import GenerationParams

PLACEHOLDER = "#000000"  # the one-colour trace's fill, replaced by the colour of each variant
KNOCKOUT_SHARE = 0.15  # a colour whose edge touches the outside less than this becomes a knockout
MAX_EXTRACTED = 4  # colours taken from an image that has no palette
MIN_SHARE = 0.03  # an extracted colour covers at least this share of the mark
DISTINCT = 40  # extracted colours differ by more than this (0-255, in some channel)
TRACE_SIZE = 768  # images up to this size are traced from a smooth 2x enlargement


@dataclass(frozen=True)
class BrandMark:
    """The mark ready for every kit file.

    ``image`` is RGBA, cropped to the ink, each opaque pixel exactly a ``palette`` colour;
    ``color_svg`` and ``one_color_svg`` are its traces (the one-colour fill is PLACEHOLDER);
    ``dominant`` is the colour covering most of the mark; ``radius`` is how far the ink
    reaches from the centre of the image, in its pixels (for fitting into circles).
    """

    image: Image.Image
    palette: tuple[str, ...]
    background: str
    color_svg: str
    one_color_svg: str
    dominant: str
    radius: float
    params: GenerationParams | None

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size


def prepare_mark(source: Path, palette: tuple[str, ...] = (), background: str = "") -> BrandMark:
    """Open ``source`` and clean it up (see the module's docstring).

    ``palette`` defaults to the colours stored with the image, else the colours found in it;
    ``background`` to the stored background, else the flat colour around the mark. An image
    with transparency keeps its own alpha. InvalidParameters when nothing can be told apart.
    """
    opened = open_image(Path(source), "input")
    try:
        params = read_params(opened)
    except MetadataError:
        params = None
    rgba = opened.convert("RGBA")
    if max(rgba.size) <= TRACE_SIZE:
        # Snapping a 2x bicubic enlargement to the palette puts the edges where the anti-aliasing
        # says they are, to half a pixel, so the trace follows a curve instead of a staircase.
        rgba = rgba.resize((rgba.width * 2, rgba.height * 2), Image.Resampling.BICUBIC)
    alpha = np.asarray(rgba.getchannel("A"))
    transparent = alpha.min() < 255
    background = background or (params.background if params else "")
    if not transparent:
        background = background or detect_background(rgba)
    background = background or "#ffffff"
    palette = tuple(dict.fromkeys(palette or (params.colors if params else ())))
    if transparent:
        ink = alpha > 127
        palette = palette or extract_palette(rgba, ink)
    else:
        ink = None
        palette = palette or extract_palette(rgba, _unlike(rgba, background))
    palette = tuple(color for color in palette if color != background) or palette
    lock = list(palette) + ([] if transparent else [background])
    if len(dict.fromkeys(lock)) < 2:  # a one-colour mark on transparency: nothing to snap between
        lock.append("#ffffff" if palette[0] != "#ffffff" else PLACEHOLDER)
    locked = np.asarray(lock_to_palette(rgba.convert("RGB"), lock))
    if ink is None:
        ink = np.any(locked != np.array(hex_to_rgb(background), dtype=np.uint8), axis=2)
    if not ink.any():
        raise InvalidParameters("input", "The image shows nothing but its background: there is no logo to use.")
    top, bottom = np.nonzero(ink.any(axis=1))[0][[0, -1]]
    left, right = np.nonzero(ink.any(axis=0))[0][[0, -1]]
    locked, ink = locked[top : bottom + 1, left : right + 1], ink[top : bottom + 1, left : right + 1]
    image = Image.fromarray(np.dstack([locked, np.where(ink, 255, 0).astype(np.uint8)]), "RGBA")
    colors = _color_indices(locked, ink, palette)
    dominant = palette[int(np.bincount(colors[ink], minlength=len(palette)).argmax())]
    one_color = ink & ~knockouts(colors, ink, len(palette))
    cutout = Image.fromarray(np.where(one_color, 255, 0).astype(np.uint8), "L")
    silhouette = Image.new("RGBA", image.size, PLACEHOLDER)
    silhouette.putalpha(cutout)
    return BrandMark(
        image=image,
        palette=palette,
        background=background,
        color_svg=trace_svg(image, mode=COLOR, palette=palette),
        one_color_svg=trace_svg(silhouette, mode=SINGLE, single_color=PLACEHOLDER),
        dominant=dominant,
        radius=_ink_radius(ink),
        params=params,
    )


def _unlike(image: Image.Image, background: str, distance: int = 48) -> np.ndarray:
    rgb = np.asarray(image.convert("RGB"), dtype=np.int16)
    return np.abs(rgb - np.array(hex_to_rgb(background), dtype=np.int16)).max(axis=2) > distance


def extract_palette(image: Image.Image, ink: np.ndarray, count: int = MAX_EXTRACTED) -> tuple[str, ...]:
    """Up to ``count`` flat colours of the pixels where ``ink`` is set, most used first.

    Colours are counted in coarse bins (32 levels a channel) so that the noise of a generated
    flat area falls into one or two bins; the busiest bins far enough from the colours already
    chosen win, each giving the median of the pixels near it. Anti-aliased edge pixels are too
    few to count.
    """
    pixels = np.asarray(image.convert("RGB"))[ink].astype(np.int32)
    if not len(pixels):
        raise InvalidParameters("input", "No logo found in the image: it is all one flat colour.")
    bins = pixels >> 3
    keys, counts = np.unique(bins[:, 0] << 10 | bins[:, 1] << 5 | bins[:, 2], return_counts=True)
    found: list[np.ndarray] = []
    for order in np.argsort(-counts):
        if len(found) == count or counts[order] < MIN_SHARE * len(pixels):
            break
        key = int(keys[order])
        center = np.array([key >> 10, (key >> 5) & 31, key & 31]) * 8 + 4
        if any(np.abs(center - other).max() <= DISTINCT for other in found):
            continue
        near = pixels[np.abs(pixels - center).max(axis=1) <= DISTINCT // 2]
        found.append(np.median(near, axis=0).round().astype(int))
    return tuple(f"#{r:02x}{g:02x}{b:02x}" for r, g, b in found)


def _color_indices(rgb: np.ndarray, ink: np.ndarray, palette: tuple[str, ...]) -> np.ndarray:
    """For each pixel, the index of its palette colour (the nearest one); 0 where there is no ink."""
    references = np.array([hex_to_rgb(color) for color in palette], dtype=np.int32)
    distance = ((rgb[:, :, None, :].astype(np.int32) - references[None, None]) ** 2).sum(axis=3)
    return np.where(ink, distance.argmin(axis=2), 0)


def _neighbours(mask: np.ndarray) -> np.ndarray:
    """``mask`` grown by one pixel in the four directions."""
    grown = mask.copy()
    grown[1:] |= mask[:-1]
    grown[:-1] |= mask[1:]
    grown[:, 1:] |= mask[:, :-1]
    grown[:, :-1] |= mask[:, 1:]
    return grown


def knockouts(colors: np.ndarray, ink: np.ndarray, count: int) -> np.ndarray:
    """Where the one-colour artwork has holes: the pixels of every colour whose edge touches the
    outside (transparency) for less than KNOCKOUT_SHARE of its length."""
    outside = np.pad(~ink, 1, constant_values=True)
    near_outside = _neighbours(outside)[1:-1, 1:-1]
    holes = np.zeros_like(ink)
    for index in range(count):
        region = ink & (colors == index)
        if not region.any():
            continue
        edge = region & _neighbours(~region | ~ink)
        touching = (edge & near_outside).sum()
        if touching < KNOCKOUT_SHARE * max(edge.sum(), 1):
            holes |= region
    if not (ink & ~holes).any():  # cannot happen (some colour touches the outside), but never blank
        return np.zeros_like(ink)
    return holes


def _ink_radius(ink: np.ndarray) -> float:
    """The distance from the centre of the image to its farthest inked pixel corner."""
    ys, xs = np.nonzero(ink)
    height, width = ink.shape
    dx = np.maximum(np.abs(xs - width / 2), np.abs(xs + 1 - width / 2))
    dy = np.maximum(np.abs(ys - height / 2), np.abs(ys + 1 - height / 2))
    return float(np.sqrt(dx * dx + dy * dy).max())


def recolor(svg: str, color: str) -> str:
    """The one-colour trace ``svg`` filled with ``color``."""
    return svg.replace(f'fill="{PLACEHOLDER}"', f'fill="{color}"')


def inner(svg: str) -> str:
    """What is inside ``<svg>...</svg>``, without ``<metadata>``."""
    body = re.search(r"<svg[^>]*>(.*)</svg>", svg, re.S).group(1)
    return re.sub(r"<metadata>.*?</metadata>", "", body, flags=re.S).strip()
