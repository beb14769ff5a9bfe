"""The one colour analysis of a logo, shared by logo files, the brand kit and their dialogs (no Qt).

A logo is a few flat colours with anti-aliased edges between them. :func:`analyse` finds:

- the **flat colours**, exactly: colours of pixels that equal their neighbours (in a row, a
  column or both) over a meaningful area. Anti-aliasing shades are thin bands whose colour lies
  between two flat colours; a band-like colour that is such a blend is never a flat colour.
- the **background**: transparency when the image has its own, else the flat colour that
  covers most of the border (alpha is taken into account: transparent pixels never count).

It works on at most :data:`MAX_SIDE` pixels a side; larger images are scaled down first by
:func:`working_image`, which says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from desktop.errors import InvalidParameters
from desktop.palette import hex_to_rgb

MAX_SIDE = 4096  # larger inputs are scaled down to this first (memory and time stay bounded)
SMALL_SIDE = 256  # smaller inputs are enlarged into stepped or soft big icons: warn
NEIGHBOUR = 6  # 0-255, max over channels: neighbours this close are the same flat colour (generated noise)
CLUSTER = 20  # a flat pixel this close to a flat colour belongs to it
MIN_AREA = 0.0005  # a flat colour covers at least this share of the image
MAX_COLORS = 8
FLAT_CORE = 0.5  # a flat colour has at least this share of its pixels within NEIGHBOUR of it
BORDER_SHARE = 0.6  # the background covers at least this share of the (opaque) border
BLEND_RESIDUAL = 8.0  # a colour this close (RGB distance) to a mix of two others is that mix
OVERSHOOT = 1.25  # ... or to a little past one of them, in line with the other (ringing at edges)
MIN_PIXELS = 24  # and a flat colour covers at least this many pixels
SHADING_SHARE = 0.1  # more of the mark than this in no flat colour: gradients or shading
SAMPLE = 2_000_000  # flat pixels counted at most (a regular subsample beyond)


@dataclass(frozen=True)
class ColorAnalysis:
    """What a logo is made of.

    ``colors``: the flat colours of the mark (``#rrggbb``, most area first), background
    excluded; ``areas``: the share of the image each covers; ``background``: the flat colour
    around the mark ('' when it could not be found or the image is transparent);
    ``transparent``: the image has its own transparency; ``border_share``: how much of the
    border the background covers; ``shading``: the share of the mark in no flat colour.
    """

    colors: tuple[str, ...]
    areas: tuple[float, ...]
    background: str
    transparent: bool
    border_share: float
    shading: float

    def require_background(self) -> str:
        """The background colour; InvalidParameters (field ``background``) when there is none."""
        if self.background:
            return self.background
        raise InvalidParameters(
            "background",
            f"No flat background found: only {self.border_share:.0%} of the border is one colour. Generate on a "
            "plain background, or give the background colour.",
        )

    def warnings(self) -> list[str]:
        """Sentences about what the logo files will lose (gradients flattened)."""
        if self.shading <= SHADING_SHARE:
            return []
        listed = ", ".join(c.upper() for c in self.colors)
        return [
            f"About {self.shading:.0%} of the logo is shading or gradient, not flat colour: palette lock, SVG and "
            f"the brand kit flatten it to {listed}."
        ]


def working_image(image: Image.Image) -> tuple[Image.Image, list[str]]:
    """``image`` as RGBA, scaled down to MAX_SIDE a side if larger; and what to tell the user
    (scaled down, or too small for large files)."""
    notes = []
    width, height = image.size
    if max(width, height) > MAX_SIDE:
        factor = max(1, max(width, height) // MAX_SIDE)
        if factor > 1 and image.mode in ("RGB", "RGBA", "L", "LA"):
            image = image.reduce(factor)  # cheap box averaging first: memory stays small
        scale = MAX_SIDE / max(width, height)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = image.convert("RGBA").resize(size, Image.Resampling.BOX)
        notes.append(f"The image is {width}×{height} px: it was scaled down to {size[0]}×{size[1]} first.")
    elif max(width, height) < SMALL_SIDE:
        notes.append(
            f"The image is only {width}×{height} px: larger files made from it (icons up to 1024 px) are "
            "enlarged and may look stepped or soft. Use an image of at least 512 px."
        )
    return image.convert("RGBA"), notes


def analyse(image: Image.Image, background: str = "") -> ColorAnalysis:
    """The colour analysis of ``image`` (see the module's docstring); ``background`` given is
    taken as it is. InvalidParameters when the image shows no flat colour at all."""
    pixels = np.asarray(image.convert("RGBA"))
    alpha = pixels[..., 3]
    transparent = bool(alpha.min() < 255)
    opaque = alpha == 255
    same_h, same_v = _flat_neighbours(pixels)
    flat1 = (same_h | same_v) & opaque
    flat2 = same_h & same_v & opaque
    clusters = _clusters(pixels, flat1, flat2, opaque.size)
    border_share = 0.0
    if transparent:
        background = ""
    elif not background:
        background, border_share = _border_background(pixels, clusters)
    else:
        border_share = 1.0
    colors = _mark_colors(clusters, background, opaque.size)
    if not colors:
        raise InvalidParameters(
            "input",
            "No flat colours found: the image looks like a photo or a painting, or shows nothing but its "
            "background. Logo files need a flat logo (a few solid colours).",
        )
    shading = _shading(pixels, opaque, flat2, [c for c, _ in colors], background)
    return ColorAnalysis(
        colors=tuple(color for color, _ in colors),
        areas=tuple(area for _, area in colors),
        background=background,
        transparent=transparent,
        border_share=border_share,
        shading=shading,
    )


def max_difference(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The largest channel difference (RGB) of two pixel arrays, as uint8."""
    out = np.zeros(first.shape[:-1], dtype=np.uint8)
    for channel in range(3):
        np.maximum(out, _absdiff(first[..., channel], second[..., channel]), out=out)
    return out


def _absdiff(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """|first - second| of two uint8 arrays, as uint8, without a wider copy."""
    return np.maximum(first, second) - np.minimum(first, second)


def _flat_neighbours(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixels equal (within NEIGHBOUR) to both horizontal neighbours, and to both vertical ones."""
    height, width = pixels.shape[:2]
    horizontal = max_difference(pixels[:, 1:], pixels[:, :-1]) <= NEIGHBOUR  # (h, w-1): x vs x+1
    vertical = max_difference(pixels[1:], pixels[:-1]) <= NEIGHBOUR
    same_h = np.zeros((height, width), dtype=bool)
    same_v = np.zeros((height, width), dtype=bool)
    same_h[:, 1:-1] = horizontal[:, :-1] & horizontal[:, 1:]
    same_v[1:-1] = vertical[:-1] & vertical[1:]
    return same_h, same_v


@dataclass
class _Cluster:
    rgb: np.ndarray  # int, the colour
    area: int  # flat pixels (row or column)
    area2: int  # pixels flat in both directions


def _pack(rgb: np.ndarray) -> np.ndarray:
    rgb = rgb.astype(np.int32)
    return rgb[..., 0] << 16 | rgb[..., 1] << 8 | rgb[..., 2]


def _clusters(pixels: np.ndarray, flat1: np.ndarray, flat2: np.ndarray, total: int) -> list[_Cluster]:
    """Flat pixels grouped around their most frequent exact colours, busiest first."""
    index = np.flatnonzero(flat1)
    step = max(1, len(index) // SAMPLE)
    index = index[::step]
    rgb = pixels[..., :3].reshape(-1, 3)[index]
    values, inverse, counts = np.unique(_pack(rgb), return_inverse=True, return_counts=True)
    counts2 = np.bincount(inverse, weights=flat2.reshape(-1)[index], minlength=len(values))
    colors = np.stack([values >> 16, (values >> 8) & 255, values & 255], axis=1)
    remaining = np.ones(len(values), dtype=bool)
    minimum = max(MIN_AREA * total, MIN_PIXELS) / step
    clusters: list[_Cluster] = []
    for _ in range(4 * MAX_COLORS):
        if not remaining.any():
            break
        top = int(np.argmax(np.where(remaining, counts, -1)))
        members = remaining & (np.abs(colors - colors[top]).max(axis=1) <= CLUSTER)
        remaining &= ~members
        area = int(counts[members].sum())
        if area < minimum:
            if counts[top] < minimum / 8:
                break
            continue
        if counts[top] >= area / 2:
            center = colors[top]
        else:  # noisy: the weighted median of the members
            center = np.array([_weighted_median(colors[members, c], counts[members]) for c in range(3)])
        core = counts[members & (np.abs(colors - center).max(axis=1) <= NEIGHBOUR)].sum()
        if core < FLAT_CORE * area:  # spread evenly: a slice of a gradient, not a flat colour
            continue
        clusters.append(_Cluster(center.astype(int), area * step, int(counts2[members].sum()) * step))
    return clusters


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> int:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return int(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def _hex(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(v) for v in rgb))


def _border_background(pixels: np.ndarray, clusters: list[_Cluster]) -> tuple[str, float]:
    """The flat colour covering most of the border, and its share ('' if under BORDER_SHARE)."""
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])[:, :3].astype(np.int16)
    if not clusters:
        return "", 0.0
    shares = [float((np.abs(border - c.rgb).max(axis=1) <= CLUSTER).mean()) for c in clusters]
    best = int(np.argmax(shares))
    if shares[best] < BORDER_SHARE:
        return "", shares[best]
    return _hex(clusters[best].rgb), shares[best]


def _is_blend(rgb: np.ndarray, others: list[np.ndarray]) -> bool:
    """Whether ``rgb`` is a mix of two of ``others`` (an anti-aliasing shade between them, or
    the ringing just past one of them)."""
    for i, first in enumerate(others):
        for second in others[i + 1 :]:
            direction = (second - first).astype(float)
            length = float(direction @ direction)
            if length == 0:
                continue
            t = float((rgb - first) @ direction) / length
            # Past the end too: resampling overshoots an edge (ringing) a little beyond the colour.
            if 0.04 < t < OVERSHOOT and np.linalg.norm(rgb - (first + t * direction)) <= BLEND_RESIDUAL:
                return True
    return False


def _mark_colors(clusters: list[_Cluster], background: str, total: int) -> list[tuple[str, float]]:
    """The clusters that are the mark's flat colours: not the background, not a blend of two
    stronger colours unless they are flat in both directions over a large area."""
    accepted: list[np.ndarray] = []
    if background:
        accepted.append(np.array(hex_to_rgb(background)))
    result = []
    for cluster in sorted(clusters, key=lambda c: -c.area2):
        if background and np.abs(cluster.rgb - accepted[0]).max() <= CLUSTER:
            continue
        if any(np.abs(cluster.rgb - other).max() <= CLUSTER for other in accepted):
            continue
        solid = cluster.area2 >= 4 * max(MIN_AREA * total, MIN_PIXELS)
        if not solid and _is_blend(cluster.rgb, accepted):
            continue
        accepted.append(cluster.rgb)
        result.append((_hex(cluster.rgb), cluster.area / total))
        if len(result) == MAX_COLORS:
            break
    return sorted(result, key=lambda item: -item[1])


def _shading(pixels: np.ndarray, opaque: np.ndarray, smooth: np.ndarray, colors: list[str], background: str) -> float:
    """The share of the mark's smooth pixels (flat in both directions: not anti-aliasing) that
    are in no flat colour: gradients, shading."""
    references = [*colors, *([background] if background else [])]
    smooth = smooth & opaque
    step = max(1, int(smooth.sum()) // SAMPLE)
    rgb = pixels[..., :3][smooth][::step].astype(np.int16)
    if not len(rgb):
        return 0.0
    near = np.zeros(len(rgb), dtype=bool)
    near_background = np.zeros(len(rgb), dtype=bool)
    for color in references:
        close = np.abs(rgb - np.array(hex_to_rgb(color), dtype=np.int16)).max(axis=1) <= CLUSTER
        near |= close
        if color == background:
            near_background = close
    mark = ~near_background
    return float((~near & mark).sum() / max(1, mark.sum()))
