"""Transparent background without a model: key out the flat background around the mark.

Only the background is keyed out: pixels near the background colour **connected to the image's
border**. A region of that colour enclosed by the mark (a white dot in a teal disc, the inside
of a letter O) is part of the logo and stays filled unless ``clear_holes`` asks otherwise. The
anti-aliased edge between the background and the mark becomes soft alpha: each edge pixel is
taken apart into the mark colour it blends with and how much of it covers the pixel, so the
colour of the edge is the mark's own and the mark over the old background looks as before.
An image with its own transparency keeps it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from desktop.logo.analysis import max_difference
from desktop.palette import hex_to_rgb

KEY_DISTANCE = 24  # 0-255, max over channels: how far a background pixel may be from its colour
EDGE = 2  # px on each side of the background's edge that get soft alpha
MAX_PASSES = 32  # row-and-column passes that find the background connected to the border
UNMIX_RESIDUAL = 48.0  # an edge pixel further than this from every blend is kept opaque as it is


@dataclass(frozen=True)
class Keyed:
    """The result of keying out: ``alpha`` (uint8, h x w), and for the soft edge, ``edge``
    (bool, h x w) with ``edge_color`` (index into the mark colours, where ``edge``)."""

    alpha: np.ndarray
    edge: np.ndarray
    edge_color: np.ndarray


def key_out(pixels: np.ndarray, background: str, colors: tuple[str, ...], clear_holes: bool = False) -> Keyed:
    """Key the ``background`` out of ``pixels`` (h, w, 4 uint8, opaque) whose mark is made of
    ``colors`` (see the module's docstring)."""
    near = max_difference(pixels, np.array(hex_to_rgb(background), dtype=np.uint8)[None, None, :]) <= KEY_DISTANCE
    keyed = near if clear_holes else border_connected(near)
    edge = (grow(~keyed, EDGE) & keyed) | (grow(keyed, EDGE) & ~keyed)
    alpha = np.where(keyed, 0, 255).astype(np.uint8)
    edge_color = np.zeros(alpha.shape, dtype=np.uint8)
    if colors and edge.any():
        found_alpha, found_color = _unmix(pixels[edge][:, :3], background, colors)
        alpha[edge] = found_alpha
        edge_color[edge] = found_color
    return Keyed(alpha, edge, edge_color)


def grow(mask: np.ndarray, reach: int) -> np.ndarray:
    """``mask`` grown by ``reach`` pixels in every direction (a square: diagonals count), along
    rows and then along columns."""
    grown = mask.copy()
    rows = mask.copy()
    for step in range(1, reach + 1):
        rows[:, step:] |= mask[:, :-step]
        rows[:, :-step] |= mask[:, step:]
    grown[...] = rows
    for step in range(1, reach + 1):
        grown[step:] |= rows[:-step]
        grown[:-step] |= rows[step:]
    return grown


def border_connected(mask: np.ndarray, passes: int = MAX_PASSES) -> np.ndarray:
    """The pixels of ``mask`` connected to the image's border through ``mask`` (4-neighbours).

    Each pass spreads along whole rows of ``mask``, then along whole columns, so a background
    around a logo is filled in one or two passes. A path needing more than ``passes`` turns (a
    maze, a noisy photo) stops there: what it has not reached is kept, not keyed out.
    """
    reached = np.zeros_like(mask)
    for edge in (np.s_[0, :], np.s_[-1, :], np.s_[:, 0], np.s_[:, -1]):
        reached[edge] = mask[edge]
    columns = np.ascontiguousarray(mask.T)
    count = int(reached.sum())
    for _ in range(passes):
        reached = _spread_along_rows(reached, mask)
        reached = np.ascontiguousarray(_spread_along_rows(np.ascontiguousarray(reached.T), columns).T)
        now = int(reached.sum())
        if now == count:
            break
        count = now
    return reached


def _spread_along_rows(reached: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Every horizontal run of ``mask`` that holds a ``reached`` pixel, all reached."""
    flat = mask.reshape(-1)
    starts = flat.copy()
    starts[1:] &= ~flat[:-1]
    starts[:: mask.shape[1]] = flat[:: mask.shape[1]]  # each row starts its own runs
    runs = np.cumsum(starts, dtype=np.int32)
    runs[~flat] = 0
    hit = np.zeros(int(runs.max(initial=0)) + 1, dtype=bool)
    hit[runs[reached.reshape(-1) & flat]] = True
    hit[0] = False
    return hit[runs].reshape(mask.shape)


def _unmix(rgb: np.ndarray, background: str, colors: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """For edge pixels ``rgb`` (n, 3): how much of a mark colour covers each (0-255) and which
    colour, as the blend ``background + t (colour - background)`` nearest to the pixel."""
    base = np.array(hex_to_rgb(background), dtype=np.float32)
    pixels = rgb.astype(np.float32) - base
    best_t = np.zeros(len(rgb), dtype=np.float32)
    best_index = np.zeros(len(rgb), dtype=np.uint8)
    best_residual = np.full(len(rgb), np.inf, dtype=np.float32)
    for index, color in enumerate(colors):
        direction = np.array(hex_to_rgb(color), dtype=np.float32) - base
        length = float(direction @ direction)
        if length == 0:
            continue
        t = np.clip(pixels @ direction / length, 0, 1)
        residual = np.linalg.norm(pixels - t[:, None] * direction, axis=1)
        better = residual < best_residual
        best_t[better], best_index[better], best_residual[better] = t[better], index, residual[better]
    # Far from every blend (a colour of its own at the edge): keep it, opaque.
    best_t[best_residual > UNMIX_RESIDUAL] = 1.0
    return np.round(best_t * 255).astype(np.uint8), best_index


def checkerboard(size: tuple[int, int], cell: int = 12) -> Image.Image:
    """A light grey checkerboard, the usual backdrop for showing transparency."""
    y, x = np.indices((size[1], size[0]))
    tiles = ((x // cell + y // cell) % 2).astype(np.uint8)
    return Image.fromarray(np.where(tiles[..., None], 204, 255).repeat(3, axis=2).astype(np.uint8), "RGB")


def on_backdrop(image: Image.Image, backdrop: str) -> Image.Image:
    """``image`` (RGBA) shown over 'checkerboard', 'light' (white) or 'dark' (near black)."""
    base = {
        "checkerboard": lambda: checkerboard(image.size),
        "light": lambda: Image.new("RGB", image.size, "#ffffff"),
        "dark": lambda: Image.new("RGB", image.size, "#1e1e1e"),
    }[backdrop]().convert("RGBA")
    return Image.alpha_composite(base, image.convert("RGBA")).convert("RGB")
