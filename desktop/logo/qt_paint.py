"""Painting logo artwork with Qt as vectors: an SVG drawn into a PDF stays paths, not pixels.

The SVG is read by :func:`desktop.logo.raster.filled_shapes`, the same reading the PNGs are
rendered from, so the PDF and the PNGs show the same shapes.
"""

from __future__ import annotations

from fontTools.misc.transform import Transform
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPolygonF

from desktop.logo.raster import filled_shapes


def draw_svg(painter: QPainter, svg: str, size: tuple[float, float], target: QRectF) -> None:
    """Draw the SVG document ``svg`` (``size`` in its user units) filling ``target``."""
    transform = Transform(target.width() / size[0], 0, 0, target.height() / size[1], target.left(), target.top())
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    for fill, opacity, polygons in filled_shapes(svg, transform):
        path = QPainterPath()
        path.setFillRule(Qt.FillRule.WindingFill)
        for polygon in polygons:
            path.addPolygon(QPolygonF([QPointF(x, y) for x, y in polygon]))
            path.closeSubpath()
        color = QColor(fill)
        color.setAlphaF(opacity)
        painter.fillPath(path, color)
    painter.restore()


def fit(width: float, height: float, box: QRectF) -> QRectF:
    """The largest rectangle of ``width``:``height`` centred in ``box``."""
    scale = min(box.width() / width, box.height() / height)
    rect = QRectF(0, 0, width * scale, height * scale)
    rect.moveCenter(box.center())
    return rect
