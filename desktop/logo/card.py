"""Business cards as print-ready PDF, painted with Qt: front and back, the colour running 3 mm
past the cut (bleed) and crop marks outside it, the logo as vectors."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QPointF, QRectF, QSizeF
from PySide6.QtGui import QColor, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen

from desktop import __version__
from desktop.logo.artwork import MARK, STACKED, treatment_for
from desktop.logo.brand import BrandAssets
from desktop.logo.card_sizes import BLEED_MM, MARKS_MM, CardSize
from desktop.logo.qt_paint import draw_svg, fit
from desktop.logo.sheet import ensure_app

POINTS_PER_MM = 72 / 25.4
SAFE_MM = 4.0  # the logo stays this far inside the cut


def card_pdf(assets: BrandAssets, card: CardSize) -> bytes:
    """A two-page PDF for ``card``: the front (the stacked logo on the brand's background) and
    the back (the mark on the primary colour)."""
    ensure_app()
    outside = (BLEED_MM + MARKS_MM) * POINTS_PER_MM
    trim = QRectF(outside, outside, card.width_mm * POINTS_PER_MM, card.height_mm * POINTS_PER_MM)
    page = QSizeF(trim.width() + 2 * outside, trim.height() + 2 * outside)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setPageLayout(
        QPageLayout(QPageSize(page, QPageSize.Unit.Point), QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0))
    )
    writer.setResolution(72)
    writer.setTitle(f"{assets.request.name} business card {card.label}")
    writer.setCreator(f"Logo Studio {__version__}")
    painter = QPainter(writer)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    background, primary = assets.background, assets.primary
    _side(painter, assets, trim, STACKED, background, 0.5)
    writer.newPage()
    _side(painter, assets, trim, MARK, primary if primary != background else background, 0.45)
    painter.end()
    buffer.close()
    return bytes(buffer.data())


def _side(painter: QPainter, assets: BrandAssets, trim: QRectF, layout: str, color: str, share: float) -> None:
    bleed = BLEED_MM * POINTS_PER_MM
    painter.fillRect(trim.adjusted(-bleed, -bleed, bleed, bleed), QColor(color))
    art = assets.variant(layout, treatment_for(color, assets.mark, assets.treatments))
    safe = SAFE_MM * POINTS_PER_MM
    box = trim.adjusted(safe, safe, -safe, -safe)
    box = QRectF(box.left(), box.center().y() - box.height() * share, box.width(), 2 * box.height() * share)
    draw_svg(painter, art.svg(), (art.width, art.height), fit(art.width, art.height, box))
    _crop_marks(painter, trim)


def _crop_marks(painter: QPainter, trim: QRectF) -> None:
    """Thin black lines in line with the cut, outside the bleed, at each corner."""
    gap, length = (BLEED_MM + 2) * POINTS_PER_MM, 4 * POINTS_PER_MM
    painter.save()
    painter.setPen(QPen(QColor("#000000"), 0.25))
    for x in (trim.left(), trim.right()):
        for y, direction in ((trim.top(), -1), (trim.bottom(), 1)):
            painter.drawLine(QPointF(x, y + direction * gap), QPointF(x, y + direction * (gap + length)))
    for y in (trim.top(), trim.bottom()):
        for x, direction in ((trim.left(), -1), (trim.right(), 1)):
            painter.drawLine(QPointF(x + direction * gap, y), QPointF(x + direction * (gap + length), y))
    painter.restore()
