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
from desktop.logo.cleanup import clean_logo
from desktop.logo.vector import COLOR, SINGLE, trace_svg
from desktop.metadata import read_params
from desktop.palette import hex_to_rgb
from desktop.params import GenerationParams

PLACEHOLDER = "#000000"  # the one-colour trace's fill, replaced by the colour of each variant
KNOCKOUT_SHARE = 0.15  # a colour whose edge touches the outside less than this becomes a knockout


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
    warnings: tuple[str, ...] = ()

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size


def prepare_mark(source: Path, palette: tuple[str, ...] = (), background: str = "") -> BrandMark:
    """Open ``source`` and clean it up (see the module's docstring) with the colour analysis
    export uses (:func:`desktop.logo.cleanup.clean_logo`).

    ``palette`` defaults to the colours stored with the image, else the colours found in it
    (brand colours not in the image are listed too); ``background`` to the stored background,
    else the flat colour around the mark. An image with transparency keeps its own alpha.
    InvalidParameters when there is no logo to find or no background to remove.
    """
    opened = open_image(Path(source), "input")
    try:
        params = read_params(opened)
    except MetadataError:
        params = None
    given = tuple(dict.fromkeys(palette or (params.colors if params else ())))
    clean = clean_logo(opened, palette=given, background=background, lock=True, transparent=True)
    ground = background or (params.background if params and params.background else "") or clean.found_background
    ground = ground or "#ffffff"
    listed = tuple(color for color in dict.fromkeys((*given, *clean.colors)) if color != ground) or clean.colors
    flat = np.asarray(clean.flat)
    ink = flat[..., 3] == 255
    if not ink.any():
        raise InvalidParameters("input", "The image shows nothing but its background: there is no logo to use.")
    top, bottom = np.nonzero(ink.any(axis=1))[0][[0, -1]]
    left, right = np.nonzero(ink.any(axis=0))[0][[0, -1]]
    flat, ink = flat[top : bottom + 1, left : right + 1], ink[top : bottom + 1, left : right + 1]
    scale = clean.image.width / clean.flat.width  # working pixels per traced pixel
    size = (max(1, round(flat.shape[1] * scale)), max(1, round(flat.shape[0] * scale)))
    inks = tuple(dict.fromkeys((*clean.colors, ground)))
    colors = _color_indices(flat[..., :3], ink, inks)
    dominant = inks[int(np.bincount(colors[ink], minlength=len(inks)).argmax())]
    cropped = Image.fromarray(np.ascontiguousarray(flat), "RGBA")
    one_color = ink & ~knockouts(colors, ink, len(inks))
    silhouette = Image.new("RGBA", cropped.size, PLACEHOLDER)
    silhouette.putalpha(Image.fromarray(np.where(one_color, 255, 0).astype(np.uint8), "L"))
    return BrandMark(
        image=cropped.resize(size, Image.Resampling.NEAREST),
        palette=listed,
        background=ground,
        color_svg=trace_svg(cropped, mode=COLOR, size=size),
        one_color_svg=trace_svg(silhouette, mode=SINGLE, single_color=PLACEHOLDER, size=size),
        dominant=dominant,
        radius=_ink_radius(ink) * scale,
        params=params,
        warnings=clean.warnings,
    )


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
