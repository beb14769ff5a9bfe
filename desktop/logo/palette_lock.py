"""Palette lock: every pixel becomes exactly one of the logo's colours, without dithering and
without stray colours at the edges (no Qt). :func:`desktop.logo.cleanup.clean_logo` applies it.

A pixel well inside a colour area takes that colour. A pixel on an edge (an anti-aliasing
shade) takes the nearest of the colours found within two pixels of it, so the shade between red
and blue never becomes a purple that happens to be in the palette.
"""

from __future__ import annotations

import numpy as np

from desktop.logo.analysis import CLUSTER, max_difference
from desktop.logo.background import grow
from desktop.palette import hex_to_rgb

REACH = 2  # px: an edge pixel takes a colour found this close to it
_FAR = np.int32(1 << 28)


def nearest_indices(pixels: np.ndarray, colors: list[str] | tuple[str, ...]) -> np.ndarray:
    """For each pixel of ``pixels`` (h, w, 3 or 4 uint8), the index of the colour of ``colors``
    it takes (uint8, shape (h, w)): the nearest among those found within REACH pixels."""
    references = np.array([hex_to_rgb(color) for color in colors], dtype=np.int32)
    rgb = pixels[..., :3]
    height, width = rgb.shape[:2]
    allowed = []
    for reference in references:
        core = max_difference(rgb, reference.astype(np.uint8)[None, None, :]) <= CLUSTER
        allowed.append(grow(core, REACH) if core.any() else core)
    anywhere = np.logical_or.reduce(allowed)
    best = np.zeros((height, width), dtype=np.uint8)
    best_distance = np.full((height, width), np.iinfo(np.int32).max, dtype=np.int32)
    for index, reference in enumerate(references):
        distance = np.zeros((height, width), dtype=np.int32)
        for channel in range(3):
            difference = rgb[..., channel].astype(np.int32) - reference[channel]
            distance += difference * difference
        distance[anywhere & ~allowed[index]] += _FAR
        closer = distance < best_distance
        best[closer] = index
        best_distance[closer] = distance[closer]
    return best
