"""Measuring a traced SVG against the logo it was traced from, with an independent renderer
(resvg, through resvg-py) and the path geometry itself. Used by the logo tests and by
bench/logo_files.py."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ElementTree

import numpy as np
from fontTools.misc.transform import Transform
from fontTools.svgLib.path import parse_path
from PIL import Image

from desktop.logo.raster import FlattenPen
from desktop.logo.raster import _parse_transform as parse_transform  # noqa: F401  (same SVG subset)

SVG = "{http://www.w3.org/2000/svg}"


def render(svg: str, size: tuple[int, int]) -> np.ndarray:
    """``svg`` rendered by resvg at ``size``, as an RGBA uint8 array."""
    import resvg_py

    data = resvg_py.svg_to_bytes(svg_string=svg, width=size[0], height=size[1], skip_system_fonts=True)
    with Image.open(io.BytesIO(bytes(data))) as image:
        return np.asarray(image.convert("RGBA"))


def rgb(color: str) -> np.ndarray:
    return np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])


def color_areas(pixels: np.ndarray, colors: list[str]) -> dict[str, float]:
    """The area of each of ``colors`` in an RGBA array: alpha-weighted pixels nearest to it."""
    references = np.array([rgb(c) for c in colors])
    distance = ((pixels[..., None, :3].astype(np.int32) - references[None, None]) ** 2).sum(axis=-1)
    nearest = distance.argmin(axis=-1)
    weight = pixels[..., 3] / 255
    return {color: float(weight[nearest == index].sum()) for index, color in enumerate(colors)}


def paths(svg: str) -> list[tuple[str, list[np.ndarray]]]:
    """Every path of ``svg`` as (fill, polygons in SVG user units)."""
    root = ElementTree.fromstring(svg)
    found = []

    def walk(element, transform):
        transform = transform.transform(parse_transform(element.get("transform", "")))
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "path":
            pen = FlattenPen(0.02)
            from fontTools.pens.transformPen import TransformPen

            parse_path(element.get("d", ""), TransformPen(pen, transform))
            found.append((element.get("fill", "#000000").lower(), [_dense(p) for p in pen.polygons]))
        for child in element:
            walk(child, transform)

    walk(root, Transform())
    return found


def fills(svg: str) -> set[str]:
    return {fill.lower() for fill in re.findall(r'fill="(#[0-9a-fA-F]{6})"', svg)}


def roundness(svg: str, circle: tuple[float, float, float, str]) -> float:
    """The largest distance between the outline of the circle ``circle`` (cx, cy, r, fill) in
    ``svg`` and the true circle, as a share of its radius."""
    cx, cy, radius, fill = circle
    worst = None
    for path_fill, polygons in paths(svg):
        if path_fill != fill.lower():
            continue
        for polygon in polygons:
            distance = np.hypot(polygon[:, 0] - cx, polygon[:, 1] - cy)
            near = np.abs(distance - radius) < 0.1 * radius
            if near.sum() < 0.8 * len(distance) or len(distance) < 8:
                continue
            error = float(np.abs(distance[near] - radius).max() / radius)
            worst = error if worst is None else min(worst, error)
    return worst if worst is not None else float("inf")


def straightness(svg: str, square: tuple[float, float, float, float, str]) -> float:
    """The largest distance (in px) of the outline of the square ``square`` (left, top, right,
    bottom, fill) from its four straight sides, corners excluded."""
    left, top, right, bottom, fill = square
    worst = float("inf")
    for path_fill, polygons in paths(svg):
        if path_fill != fill.lower():
            continue
        for polygon in polygons:
            x, y = polygon[:, 0], polygon[:, 1]
            side = np.minimum.reduce([np.abs(x - left), np.abs(x - right), np.abs(y - top), np.abs(y - bottom)])
            inner = (x > left + 4) & (x < right - 4) | (y > top + 4) & (y < bottom - 4)
            if (side < 3).mean() < 0.8:
                continue
            worst = min(worst, float(side[inner].max()) if inner.any() else 0.0)
    return worst


def _dense(polygon: np.ndarray, step: float = 0.5) -> np.ndarray:
    """``polygon`` with points every ``step`` units along its edges, so straight pieces that cut
    a curve are measured between their ends too."""
    closed = np.vstack([polygon, polygon[:1]])
    points = []
    for start, end in zip(closed[:-1], closed[1:], strict=True):
        count = max(1, int(np.ceil(np.hypot(*(end - start)) / step)))
        t = np.arange(count)[:, None] / count
        points.append(start + t * (end - start))
    return np.concatenate(points)
