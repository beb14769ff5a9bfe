"""The brand sheet painted with Qt: one A4 landscape page, as PDF (Qt's own PDF writer; the text
stays real, selectable text) and as PNG, both from the same painting code.

The only module of ``desktop.logo`` that imports Qt. It works without a window: when no
QApplication exists (the command line), one is made on the offscreen platform on Linux.
Painting needs no GUI thread: the window renders previews and writes files on worker threads.
"""

from __future__ import annotations

import functools
import sys
import threading
from xml.sax.saxutils import escape

from PIL import Image
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
)

from desktop import __version__
from desktop.logo.brand_sheet import SheetContent, Tile
from desktop.logo.colors import contrast_ratio, text_color_on
from desktop.logo.fonts import bundled_font
from desktop.logo.qt_paint import draw_svg, fit

PAGE = (842.0, 595.0)  # A4 landscape, in points: every coordinate below is in points
MARGIN = 36.0
LEFT_WIDTH = 494.0
RIGHT_X = 554.0
RIGHT_WIDTH = PAGE[0] - MARGIN - RIGHT_X
INK, MUTED, RULE = "#1f2328", "#5f6670", "#dfe2e6"
DO, DONT = "#15803d", "#b91c1c"
BODY_FAMILIES = ["Segoe UI", "Helvetica Neue", "Arial", "DejaVu Sans", "Noto Sans", "Liberation Sans"]
XMP_NS = "urn:logo-studio:parameters:1"
_owned_app: list = []  # the QApplication made here for a command-line run, kept for the process
_app_lock = threading.Lock()


def ensure_app() -> None:
    """Make sure Qt can paint text: reuse the running QApplication, or (on the main thread of a
    command-line run) start one, on the offscreen platform on Linux (no display needed)."""
    with _app_lock:
        if QGuiApplication.instance() is not None:
            return
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("The brand sheet needs a QApplication; start one on the main thread first.")
        from PySide6.QtWidgets import QApplication

        arguments = ["logo-studio"] + (["-platform", "offscreen"] if sys.platform.startswith("linux") else [])
        _owned_app.append(QApplication(arguments))


def sheet_pdf(content: SheetContent) -> bytes:
    """The sheet as a one-page PDF with real text, titled, with the generation parameters in
    its XMP metadata."""
    ensure_app()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setPageLayout(
        QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Landscape, QMarginsF(0, 0, 0, 0))
    )
    writer.setResolution(72)  # one device unit = one point, as the layout is written
    writer.setTitle(content.title)
    writer.setCreator(f"Logo Studio {__version__}")
    writer.setDocumentXmpMetadata(QByteArray(_xmp(content).encode("utf-8")))
    painter = QPainter(writer)
    _paint(painter, content, 1.0)
    painter.end()
    buffer.close()
    return bytes(buffer.data())


def sheet_image(content: SheetContent, width: int = 1754) -> Image.Image:
    """The sheet as an RGB image ``width`` px wide (1754 px is 150 dpi)."""
    ensure_app()
    scale = width / PAGE[0]
    image = QImage(width, round(width * 210 / 297), QImage.Format.Format_ARGB32_Premultiplied)  # A4
    image.setDotsPerMeterX(round(72 / 0.0254))  # points map to logical pixels 1:1 before scaling
    image.setDotsPerMeterY(round(72 / 0.0254))
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
    painter.scale(scale, scale)
    _paint(painter, content, scale)
    painter.end()
    converted = image.convertToFormat(QImage.Format.Format_RGB888)
    stride = converted.bytesPerLine()
    data = bytes(converted.constBits())[: stride * converted.height()]
    return Image.frombuffer("RGB", (converted.width(), converted.height()), data, "raw", "RGB", stride, 1).copy()


# -- fonts -------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _family(path: str) -> str:
    """The Qt family name of the font file ``path`` (added to the application's fonts), or ''."""
    families = QFontDatabase.applicationFontFamilies(QFontDatabase.addApplicationFont(path))
    return families[0] if families else ""


def _font(size: float, *, bold: bool = False, family: str = "") -> QFont:
    font = QFont()
    font.setFamilies([family] if family else [*BODY_FAMILIES, _family(str(bundled_font()))])
    font.setPointSizeF(size)
    font.setBold(bold)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font


def _brand_font(content: SheetContent, size: float) -> QFont:
    family = _family(content.font_file)
    font = _font(size, family=family) if family else _font(size, bold=True)
    if family:  # the very face: the family's file may hold several, or the family several files
        font.setWeight(QFont.Weight(content.font_weight))
        font.setItalic(content.font_italic)
    return font


# -- painting ----------------------------------------------------------------------------------


def _paint(painter: QPainter, content: SheetContent, scale: float) -> None:
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
    painter.fillRect(QRectF(0, 0, *PAGE), QColor("#ffffff"))
    _header(painter, content)
    _label(painter, "LOGO", MARGIN, 118)
    _tiles(painter, content.logos, MARGIN, 126, LEFT_WIDTH, 3, 96)
    _label(painter, "COLOURS", MARGIN, 372)
    _colors(painter, content, MARGIN, 380)
    _label(painter, "TYPEFACE", RIGHT_X, 118)
    _typeface(painter, content, RIGHT_X, 126)
    _label(painter, "CLEAR SPACE AND MINIMUM SIZE", RIGHT_X, 206)
    _clear_space(painter, content, RIGHT_X, 214)
    _label(painter, "DO AND DON'T", RIGHT_X, 372)
    _tiles(painter, content.rules, RIGHT_X, 380, RIGHT_WIDTH, 2, 64)
    _text(painter, content.footer, MARGIN, PAGE[1] - 24, _font(6.5), MUTED)
    right = "Files: logo/ · social/ · web/ · app-icons/ · colors/colors.json, colors.css"
    _text(painter, right, PAGE[0] - MARGIN, PAGE[1] - 24, _font(6.5), MUTED, align_right=True)


def _header(painter: QPainter, content: SheetContent) -> None:
    font = _brand_font(content, 26)
    available = RIGHT_X - MARGIN - 24
    width = QFontMetricsF(font, painter.device()).horizontalAdvance(content.name)
    if width > available:
        font.setPointSizeF(max(12.0, 26 * available / width))
    _text(painter, content.name, MARGIN, 68, font, INK)
    if content.tagline:
        _text(painter, content.tagline, MARGIN, 86, _font(10.5), MUTED, max_width=available)
    _text(painter, "BRAND SHEET", PAGE[0] - MARGIN, 58, _font(8, bold=True), MUTED, align_right=True)
    _text(painter, "Logo · colours · type · usage", PAGE[0] - MARGIN, 70, _font(7.5), MUTED, align_right=True)
    painter.setPen(QPen(QColor(RULE), 0.6))
    painter.drawLine(QPointF(MARGIN, 100), QPointF(PAGE[0] - MARGIN, 100))


def _label(painter: QPainter, text: str, x: float, y: float) -> None:
    font = _font(7, bold=True)
    font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 0.8)
    _text(painter, text, x, y, font, MUTED)


def _text(
    painter: QPainter,
    text: str,
    x: float,
    y: float,
    font: QFont,
    color: str,
    *,
    align_right: bool = False,
    max_width: float = 0.0,
) -> float:
    """Draw one line with its baseline at ``y``; returns its width."""
    metrics = QFontMetricsF(font, painter.device())  # measured for the page, not the screen
    if max_width:
        text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max_width)
    width = metrics.horizontalAdvance(text)
    painter.setFont(font)
    painter.setPen(QColor(color))
    painter.drawText(QPointF(x - width if align_right else x, y), text)
    return width


def _tiles(painter: QPainter, tiles: tuple[Tile, ...], x: float, y: float, width: float, columns: int, height: float):
    gap = 8.0
    tile_width = (width - gap * (columns - 1)) / columns
    for index, tile in enumerate(tiles):
        left = x + (index % columns) * (tile_width + gap)
        top = y + (index // columns) * (height + 22)
        box = QRectF(left, top, tile_width, height)
        path = QPainterPath()
        path.addRoundedRect(box, 4, 4)
        painter.fillPath(path, QColor(tile.backdrop))
        if contrast_ratio(tile.backdrop, "#ffffff") < 1.15:
            painter.setPen(QPen(QColor(RULE), 0.6))
            painter.drawPath(path)
        _picture(painter, tile, box.adjusted(10, 8, -10, -8))
        caption_x = left
        if tile.verdict:
            caption_x += _verdict(painter, tile.verdict == "do", left, top + height + 11)
        _text(
            painter, tile.caption, caption_x, top + height + 12, _font(7), INK, max_width=left + tile_width - caption_x
        )


def _verdict(painter: QPainter, ok: bool, x: float, y: float) -> float:
    """A small tick or cross centred on the caption's line; returns the room it takes."""
    painter.save()
    pen = QPen(QColor(DO if ok else DONT), 1.3)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    if ok:
        painter.drawPolyline([QPointF(x + 0.5, y - 3), QPointF(x + 2.8, y - 0.6), QPointF(x + 7, y - 6)])
    else:
        painter.drawLine(QPointF(x + 1, y - 6), QPointF(x + 6, y - 1))
        painter.drawLine(QPointF(x + 6, y - 6), QPointF(x + 1, y - 1))
    painter.restore()
    return 11.0


def _picture(painter: QPainter, tile: Tile, box: QRectF) -> None:
    """Draw the tile's picture as large as fits in ``box``, centred, distorted by its stretch:
    as vectors into a PDF (print-ready at any size), as its rendered image elsewhere."""
    if tile.art is not None and isinstance(painter.device(), QPdfWriter):
        art = tile.art
        target = fit(art.width * tile.stretch[0], art.height * tile.stretch[1], box)
        draw_svg(painter, art.svg(), (art.width, art.height), target)
        return
    image = tile.image
    painter.drawImage(fit(image.width * tile.stretch[0], image.height * tile.stretch[1], box), _qimage(image))


def _qimage(image: Image.Image) -> QImage:
    rgba = image.convert("RGBA")
    return QImage(rgba.tobytes(), rgba.width, rgba.height, rgba.width * 4, QImage.Format.Format_RGBA8888).copy()


def _colors(painter: QPainter, content: SheetContent, x: float, y: float) -> None:
    count = max(1, len(content.colors))
    gap = 8.0
    width = min(118.0, (LEFT_WIDTH - gap * (count - 1)) / count)
    for index, record in enumerate(content.colors):
        left = x + index * (width + gap)
        swatch = QPainterPath()
        swatch.addRoundedRect(QRectF(left, y, width, 50), 4, 4)
        painter.fillPath(swatch, QColor(record["hex"]))
        if contrast_ratio(record["hex"].lower(), "#ffffff") < 1.15:
            painter.setPen(QPen(QColor(RULE), 0.6))
            painter.drawPath(swatch)
        on_swatch = text_color_on(record["hex"].lower())
        _text(painter, record["hex"], left + 6, y + 44, _font(9, bold=True), on_swatch)
        room = width - 2
        lines = [
            (record["name"], _font(7.5, bold=True), INK),
            ("RGB {} {} {}".format(*record["rgb"]), _font(6.5), INK),
            ("CMYK {} {} {} {}".format(*record["cmyk"]), _font(6.5), INK),
            (f"{record['contrast']['on_white']:.2f}:1 on white", _font(6.5), INK),
            (f"{record['contrast']['on_black']:.2f}:1 on black", _font(6.5), INK),
        ]
        if record["name"] != "Background":
            lines.append((f"{record['contrast']['on_background']:.2f}:1 on background", _font(6.5), INK))
        for row, (text, font, color) in enumerate(lines):
            _text(painter, text, left, y + 62 + row * 9.5, font, color, max_width=room)
        if record["name"] != "Background":
            ok, large = record["aa_text_on_background"], record["aa_large_text_on_background"]
            verdict = "Fine for text" if ok else "Large text only" if large else "Not for text"
            verdict_y = y + 62 + len(lines) * 9.5 + 1
            shift = _verdict(painter, ok, left, verdict_y)
            color = DO if ok else DONT
            _text(painter, verdict, left + shift, verdict_y, _font(6.5, bold=True), color, max_width=room - shift)
    note = (
        "Contrast is the WCAG 2 ratio: AA asks for 4.5:1 for text and 3:1 for large text and graphics. "
        "CMYK is a naive conversion from RGB: ask your printer for a proof. "
        "All codes are in colors.json and colors.css."
    )
    painter.setFont(_font(6.5))
    painter.setPen(QColor(MUTED))
    painter.drawText(QRectF(x, y + 134, LEFT_WIDTH, 30), Qt.TextFlag.TextWordWrap, note)


def _typeface(painter: QPainter, content: SheetContent, x: float, y: float) -> None:
    sample = _brand_font(content, 24)
    _text(painter, content.sample, x, y + 26, sample, INK, max_width=RIGHT_WIDTH)
    _text(painter, content.font_label, x, y + 44, _font(9, bold=True), INK, max_width=RIGHT_WIDTH)
    _text(painter, "Used for the name in every logo file", x, y + 56, _font(7), MUTED, max_width=RIGHT_WIDTH)


def _clear_space(painter: QPainter, content: SheetContent, x: float, y: float) -> None:
    side = 96.0
    image = content.clear_space.image
    box = fit(image.width, image.height, QRectF(x, y, side, side))
    painter.fillRect(box, QColor(content.background))
    _picture(painter, content.clear_space, box)
    inset = box.height() * content.clear_share  # the clear space is the same on every side
    painter.save()
    painter.setPen(QPen(QColor("#4f7cff"), 0.6, Qt.PenStyle.DashLine))
    painter.drawRect(box)
    painter.drawRect(box.adjusted(inset, inset, -inset, -inset))
    painter.restore()
    _text(painter, "x", box.left() + inset / 2 - 2, box.center().y() + 2.5, _font(7, bold=True), "#4f7cff")
    left = x + side + 12
    width = RIGHT_WIDTH - side - 12
    painter.setFont(_font(7))
    painter.setPen(QColor(INK))
    rule = "Keep free space x, a quarter of the mark's height, on every side. The files include it."
    painter.drawText(QRectF(left, y - 1, width, 40), Qt.TextFlag.TextWordWrap, rule)
    row = y + 50
    for what, size in content.minimum_sizes:
        _text(painter, what, left, row, _font(7, bold=True), INK, max_width=width)
        _text(painter, f"at least {size}", left, row + 9, _font(7), MUTED, max_width=width)
        row += 21


def _xmp(content: SheetContent) -> str:
    """XMP metadata: the title, the creator tool, and the generation parameters."""
    parameters = ""
    if content.params_text:
        parameters += f"<ls:parameters>{escape(content.params_text)}</ls:parameters>"
    if content.params_json:
        parameters += f"<ls:logo_studio>{escape(content.params_json)}</ls:logo_studio>"
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        f'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:ls="{XMP_NS}">'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(content.title)}</rdf:li></rdf:Alt></dc:title>'
        f"<xmp:CreatorTool>Logo Studio {__version__}</xmp:CreatorTool>"
        f"{parameters}"
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )
