"""Filling vector outlines with exact anti-aliasing, in plain numpy (no Qt, no native library).

One rasteriser for everything the logo exports draw from vectors: the typeset name of a
wordmark (the same outlines that go into its SVG) and icons rendered from the traced SVG. Each
pixel gets the exact share of its area the shape covers (the accumulation method of font-rs and
stb_truetype), with the non-zero fill rule SVG and fonts use. Pixel (x, y) is the square
[x, x+1) x [y, y+1), as in an SVG viewBox.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

import numpy as np
from fontTools.misc.transform import Transform
from fontTools.pens.basePen import BasePen
from fontTools.pens.transformPen import TransformPen
from fontTools.svgLib.path import parse_path
from PIL import Image

from desktop.palette import hex_to_rgb

TOLERANCE = 0.05  # px: the most a curve may stray from the straight pieces that replace it


class FlattenPen(BasePen):
    """A fontTools pen that collects outlines as closed polygons (arrays of points), curves cut
    into straight pieces no more than ``tolerance`` px from the curve."""

    def __init__(self, tolerance: float = TOLERANCE) -> None:
        super().__init__(None)
        self.tolerance = tolerance
        self.polygons: list[np.ndarray] = []
        self._points: list[tuple[float, float]] = []

    def _moveTo(self, pt):
        self._finish()
        self._points = [pt]

    def _lineTo(self, pt):
        self._points.append(pt)

    def _curveToOne(self, pt1, pt2, pt3):
        p = np.array([self._getCurrentPoint(), pt1, pt2, pt3], dtype=np.float64)
        bend = max(np.abs(p[0] - 2 * p[1] + p[2]).max(), np.abs(p[1] - 2 * p[2] + p[3]).max())
        t = self._steps(0.75 * bend)[:, None]
        u = 1 - t
        points = u**3 * p[0] + 3 * u * u * t * p[1] + 3 * u * t * t * p[2] + t**3 * p[3]
        self._points.extend(map(tuple, points))

    def _qCurveToOne(self, pt1, pt2):
        p = np.array([self._getCurrentPoint(), pt1, pt2], dtype=np.float64)
        t = self._steps(0.25 * np.abs(p[0] - 2 * p[1] + p[2]).max())[:, None]
        u = 1 - t
        points = u * u * p[0] + 2 * u * t * p[1] + t * t * p[2]
        self._points.extend(map(tuple, points))

    def _steps(self, error_at_one_step: float) -> np.ndarray:
        # A curve cut into n pieces strays at most error_at_one_step / n² from them.
        n = int(np.clip(np.ceil(np.sqrt(error_at_one_step / self.tolerance)), 1, 256))
        return np.linspace(0, 1, n + 1)[1:]

    def _closePath(self):
        self._finish()

    def _endPath(self):
        self._finish()  # filling closes an open subpath, as SVG does

    def _finish(self):
        if len(self._points) > 2:
            self.polygons.append(np.asarray(self._points, dtype=np.float64))
        self._points = []


def coverage(polygons: list[np.ndarray], width: int, height: int) -> np.ndarray:
    """How much of each pixel of a ``width`` x ``height`` image the polygons cover (0-1,
    float64, shape (height, width)), filled with the non-zero rule."""
    if not polygons or width <= 0 or height <= 0:
        return np.zeros((max(height, 0), max(width, 0)))
    start = np.concatenate(polygons)
    end = np.concatenate([np.roll(polygon, -1, axis=0) for polygon in polygons])
    x0, y0, x1, y1 = start[:, 0], start[:, 1], end[:, 0], end[:, 1]
    keep = (y0 != y1) & (np.maximum(y0, y1) > 0) & (np.minimum(y0, y1) < height) & (np.minimum(x0, x1) < width)
    x0, y0, x1, y1 = x0[keep], y0[keep], x1[keep], y1[keep]
    dx, dy = x1 - x0, y1 - y0
    # The part of each edge inside 0 <= y <= height, as a range of the edge's parameter t.
    t_top, t_bottom = -y0 / dy, (height - y0) / dy
    t_start = np.maximum(0.0, np.minimum(t_top, t_bottom))
    t_end = np.minimum(1.0, np.maximum(t_top, t_bottom))
    # Cut every edge where it crosses a pixel row or column, so each piece lies in one pixel.
    cuts = [np.arange(len(dy)), np.arange(len(dy))]
    ts = [t_start, t_end]
    ya, yb = y0 + dy * t_start, y0 + dy * t_end
    xa, xb = x0 + dx * t_start, x0 + dx * t_end
    for low, high, origin, delta, limit in (
        (np.minimum(ya, yb), np.maximum(ya, yb), y0, dy, height),
        (np.minimum(xa, xb), np.maximum(xa, xb), x0, dx, width),
    ):
        first = np.maximum(np.floor(low) + 1, 0)
        last = np.minimum(np.ceil(high) - 1, limit)
        count = np.maximum(last - first + 1, 0).astype(np.int64)
        edge = np.repeat(np.arange(len(count)), count)
        within = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        cuts.append(edge)
        ts.append((first[edge] + within - origin[edge]) / delta[edge])
    edge, t = np.concatenate(cuts), np.concatenate(ts)
    order = np.lexsort((t, edge))
    edge, t = edge[order], t[order]
    same = edge[:-1] == edge[1:]
    edge, ta, tb = edge[:-1][same], t[:-1][same], t[1:][same]
    pxa, pxb = x0[edge] + dx[edge] * ta, x0[edge] + dx[edge] * tb
    pya, pyb = y0[edge] + dy[edge] * ta, y0[edge] + dy[edge] * tb
    area = pyb - pya  # signed: the direction of the edge gives the winding
    row = np.clip(np.floor((pya + pyb) / 2), 0, height - 1).astype(np.int64)
    middle = (pxa + pxb) / 2
    column = np.floor(middle)
    right = np.where(column < 0, 0.0, middle - column)  # left of the image: covers all of it
    column = np.maximum(column, 0).astype(np.int64)
    inside = column < width
    row, column, area, right = row[inside], column[inside], area[inside], right[inside]
    stride = width + 1
    index = np.concatenate([row * stride + column, row * stride + column + 1])
    weights = np.concatenate([area * (1 - right), area * right])
    accumulated = np.bincount(index, weights, minlength=height * stride).reshape(height, stride)
    return np.minimum(np.abs(np.cumsum(accumulated, axis=1)[:, :width]), 1.0)


def polygons_of(draw, transform: Transform | None = None, tolerance: float = TOLERANCE) -> list[np.ndarray]:
    """The polygons of what ``draw(pen)`` draws, through ``transform`` (none: as drawn)."""
    pen = FlattenPen(tolerance)
    draw(pen if transform is None else TransformPen(pen, transform))
    return pen.polygons


def fill_layer(polygons: list[np.ndarray], size: tuple[int, int], color: str) -> Image.Image:
    """An RGBA image of ``size``: ``color`` where the polygons are, anti-aliased, else transparent."""
    alpha = np.round(coverage(polygons, *size) * 255).astype(np.uint8)
    layer = Image.new("RGBA", size, color)
    layer.putalpha(Image.fromarray(alpha, "L"))
    return layer


def render_svg(
    svg: str, size: tuple[int, int], transform: Transform | None = None, background: str = ""
) -> Image.Image:
    """Paint the filled paths (and rects) of ``svg`` into an RGBA image of ``size``.

    Enough of SVG for what this package writes (vtracer's traces and wordmarks): ``path`` and
    ``rect`` with solid ``fill``, ``fill-opacity`` and ``opacity``, inside ``g`` elements, with
    translate / scale / matrix transforms. ``transform`` maps SVG user units to pixels.
    """
    canvas = np.zeros((size[1], size[0], 4), dtype=np.float32)  # premultiplied RGBA, 0-1
    if background:
        canvas[...] = (*np.array(hex_to_rgb(background)) / 255, 1.0)
    for fill, opacity, polygons in filled_shapes(svg, transform):
        _composite(canvas, polygons, fill, opacity)
    alpha = canvas[..., 3:].copy()
    np.divide(canvas[..., :3], alpha, out=canvas[..., :3], where=alpha > 0)
    canvas *= 255
    canvas += 0.5
    np.clip(canvas, 0, 255, out=canvas)
    return Image.fromarray(canvas.astype(np.uint8), "RGBA")


def filled_shapes(svg: str, transform: Transform | None = None):
    """The filled shapes of ``svg`` in painting order, as (fill ``#rrggbb``, opacity, polygons
    through ``transform``): the SVG subset :func:`render_svg` paints, for any painter."""
    yield from _shapes(ElementTree.fromstring(svg), Transform() if transform is None else transform, 1.0)


def _shapes(element, transform: Transform, opacity: float):
    transform = transform.transform(_parse_transform(element.get("transform", "")))
    opacity *= float(element.get("opacity", 1))
    tag = element.tag.rsplit("}", 1)[-1]
    if tag in ("path", "rect"):
        fill = element.get("fill", "#000000")
        if fill == "none":
            return
        if tag == "path":
            polygons = polygons_of(lambda pen: parse_path(element.get("d", ""), pen), transform)
        else:
            x, y = float(element.get("x", 0)), float(element.get("y", 0))
            w, h = float(element.get("width", 0)), float(element.get("height", 0))
            corners = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
            polygons = [np.array([transform.transformPoint(point) for point in corners])]
        yield fill, opacity * float(element.get("fill-opacity", 1)), polygons
    elif tag in ("svg", "g"):
        for child in element:
            yield from _shapes(child, transform, opacity)


def _composite(canvas: np.ndarray, polygons: list[np.ndarray], fill: str, opacity: float) -> None:
    if not polygons:
        return
    height, width = canvas.shape[:2]
    points = np.concatenate(polygons)
    left, top = np.clip(np.floor(points.min(axis=0)).astype(int), 0, [width, height])
    right, bottom = np.clip(np.ceil(points.max(axis=0)).astype(int), 0, [width, height])
    if right <= left or bottom <= top:
        return
    covered = coverage([polygon - (left, top) for polygon in polygons], right - left, bottom - top)
    covered = (covered * opacity).astype(np.float32)[..., None]
    color = np.array([*hex_to_rgb(fill), 255], dtype=np.float32) / 255
    region = canvas[top:bottom, left:right]
    region *= 1 - covered
    region += color * covered


_TRANSFORM = re.compile(r"(matrix|translate|scale)\s*\(([^)]*)\)")


def _parse_transform(text: str) -> Transform:
    result = Transform()
    for name, arguments in _TRANSFORM.findall(text):
        values = [float(value) for value in re.split(r"[\s,]+", arguments.strip()) if value]
        if name == "matrix":
            step = Transform(*values)
        elif name == "translate":
            step = Transform().translate(values[0], values[1] if len(values) > 1 else 0)
        else:
            step = Transform().scale(values[0], values[1] if len(values) > 1 else values[0])
        result = result.transform(step)
    return result
