"""The canvas: shows the current image and lets the user paint the inpainting mask over it, or
draw on its sketch layer (desktop.ui.sketch_layer, the guide's shape): ``layer`` says which one the
pointer paints. The sketch is shown over the image, faint while the mask is painted.

The mask is a greyscale QImage the size of the image: white = repaint, black = keep. Every
stroke, clear and invert is one undoable step. While a job runs, the live preview is shown in
place of the image.
"""

from __future__ import annotations

from PIL import Image
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QUndoCommand, QUndoStack
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.ui.qtimage import pil_to_qimage, qimage_to_pil
from desktop.ui.sketch_layer import SketchLayer

BRUSH, ERASER = "brush", "eraser"
MASK, SKETCH = "mask", "sketch"  # what the pointer paints
MASK_COLOR = QColor(255, 0, 128)
SKETCH_HINT = "Draw the shape your logo should follow.\n\nOr drop a picture here: a sketch on paper, a logo, a letter."


class _MaskEdit(QUndoCommand):
    """Swap between the mask before and after one edit."""

    def __init__(self, canvas: MaskCanvas, before: QImage, after: QImage, text: str) -> None:
        super().__init__(text)
        self.canvas, self.before, self.after = canvas, before, after
        self._first = True

    def redo(self) -> None:
        if self._first:  # the edit is already on screen when it is pushed
            self._first = False
            return
        self.canvas._set_mask(self.after)

    def undo(self) -> None:
        self.canvas._set_mask(self.before)


class MaskCanvas(QWidget):
    """Image + mask painting. Emits maskChanged after every edit and imageDropped for files."""

    maskChanged = Signal()
    imageDropped = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("maskCanvas")
        self.setAccessibleName("Mask canvas")
        self.setToolTip("Paint over the part to regenerate (left button). [ and ] change the brush size.")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(256, 256)
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(100)
        self.brush_size = 32
        self.tool = BRUSH
        self.mask_opacity = 0.5
        self.source_item_id: str | None = None
        self.hint = ""  # drawn over an empty canvas: what to do first
        self.layer = MASK
        self.sketch = SketchLayer(self)
        self.sketch.changed.connect(self.update)
        self.show_sketch = False  # shown faintly while the mask is painted (the guide is on)
        self._image = QImage()
        self._mask = QImage()
        self._preview: QImage | None = None
        self._stroke_before: QImage | None = None
        self._last_point: QPointF | None = None
        self._cursor: QPointF | None = None
        self.set_blank(512, 512)

    # -- state -------------------------------------------------------------------------------

    def set_blank(self, width: int, height: int) -> None:
        """A white canvas of the given size with an empty mask."""
        self.set_image(Image.new("RGB", (width, height), "white"))

    def set_image(self, image: Image.Image, source_item_id: str | None = None) -> None:
        """Show ``image``; the mask is kept if the size matches, else cleared (history too)."""
        self._image = pil_to_qimage(image.convert("RGB"))
        self.source_item_id = source_item_id
        if self._mask.size() != self._image.size():
            self._mask = QImage(self._image.size(), QImage.Format.Format_Grayscale8)
            self._mask.fill(0)
            self.undo_stack.clear()
        self.sketch.fit_to(self._image.width(), self._image.height())
        self._preview = None
        self.update()
        self.maskChanged.emit()

    def image(self) -> Image.Image:
        return qimage_to_pil(self._image).convert("RGB")

    def mask(self) -> Image.Image:
        """The mask as a PIL "L" image: 255 = repaint."""
        return qimage_to_pil(self._mask).convert("L")

    def has_mask(self) -> bool:
        return self.mask().getextrema()[1] > 0

    def image_size(self) -> tuple[int, int]:
        return self._image.width(), self._image.height()

    def previewing(self) -> bool:
        """True while a live preview is shown in place of the image."""
        return self._preview is not None

    def show_preview(self, preview: Image.Image | None) -> None:
        """Show a live preview over the image (None goes back to the image)."""
        self._preview = pil_to_qimage(preview.convert("RGB")) if preview is not None else None
        self.update()

    # -- edits (each one undoable) -----------------------------------------------------------

    def clear_mask(self) -> None:
        self._edit("Clear mask", lambda mask: mask.fill(0))

    def invert_mask(self) -> None:
        self._edit("Invert mask", lambda mask: mask.invertPixels())

    def _edit(self, text: str, change) -> None:
        before = self._mask.copy()
        change(self._mask)
        self.undo_stack.push(_MaskEdit(self, before, self._mask.copy(), text))
        self.update()
        self.maskChanged.emit()

    def _set_mask(self, mask: QImage) -> None:
        self._mask = mask.copy()
        self.update()
        self.maskChanged.emit()

    # -- geometry ----------------------------------------------------------------------------

    def _target_rect(self) -> QRectF:
        """Where the image is drawn: as large as fits, centred, aspect kept."""
        width, height = self._image.width(), self._image.height()
        scale = min(self.width() / width, self.height() / height)
        return QRectF(
            (self.width() - width * scale) / 2, (self.height() - height * scale) / 2, width * scale, height * scale
        )

    def _to_image(self, point: QPointF) -> QPointF:
        rect = self._target_rect()
        scale = rect.width() / self._image.width()
        return QPointF((point.x() - rect.x()) / scale, (point.y() - rect.y()) / scale)

    def _sketch_rect(self) -> QRectF:
        """Where the sketch layer is drawn: fitted into the image, aspect kept, centred (as the guide
        is fitted to the job)."""
        rect, size = self._target_rect(), self.sketch.size()
        scale = min(rect.width() / size.width(), rect.height() / size.height())
        width, height = size.width() * scale, size.height() * scale
        return QRectF(rect.x() + (rect.width() - width) / 2, rect.y() + (rect.height() - height) / 2, width, height)

    def _to_sketch(self, point: QPointF) -> QPointF:
        """The sketch layer's pixel under widget ``point``."""
        rect = self._sketch_rect()
        scale = self.sketch.size().width() / rect.width()
        return QPointF((point.x() - rect.x()) * scale, (point.y() - rect.y()) * scale)

    # -- painting the mask -------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._preview is not None:
            return
        if self.layer == SKETCH:
            self.sketch.begin_stroke(self._to_sketch(event.position()))
            return
        self._stroke_before = self._mask.copy()
        self._last_point = self._to_image(event.position())
        self._paint_segment(self._last_point, self._last_point)

    def mouseMoveEvent(self, event) -> None:
        self._cursor = event.position()
        if self.layer == SKETCH and self.sketch.drawing() and event.buttons() & Qt.MouseButton.LeftButton:
            self.sketch.stroke_to(self._to_sketch(event.position()))
        elif self._last_point is not None and event.buttons() & Qt.MouseButton.LeftButton:
            point = self._to_image(event.position())
            self._paint_segment(self._last_point, point)
            self._last_point = point
        self.update()

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.sketch.drawing():
            self.sketch.end_stroke()
            return
        if event.button() != Qt.MouseButton.LeftButton or self._stroke_before is None:
            return
        text = "Erase" if self.tool == ERASER else "Paint"
        self.undo_stack.push(_MaskEdit(self, self._stroke_before, self._mask.copy(), text))
        self._stroke_before = self._last_point = None
        self.maskChanged.emit()

    def leaveEvent(self, event) -> None:
        self._cursor = None
        self.update()

    def _paint_segment(self, start: QPointF, end: QPointF) -> None:
        painter = QPainter(self._mask)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        value = 0 if self.tool == ERASER else 255
        pen = QPen(
            QColor(value, value, value),
            self.brush_size,
            Qt.PenStyle.SolidLine,
            Qt.PenCapStyle.RoundCap,
            Qt.PenJoinStyle.RoundJoin,
        )
        painter.setPen(pen)
        painter.drawLine(start, end)
        painter.end()
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        rect = self._target_rect()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        if self._preview is not None:
            painter.drawImage(rect, self._preview)
            return
        painter.drawImage(rect, self._image)
        if self.layer == SKETCH or self.show_sketch:
            self._paint_sketch(painter, rect, self._sketch_rect())
        hint = (SKETCH_HINT if self.sketch.is_empty() else "") if self.layer == SKETCH else self.hint
        if hint:
            painter.setPen(QColor(90, 90, 90))
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            painter.drawText(rect.adjusted(24, 24, -24, -24), int(flags), hint)
        if self.layer == SKETCH:
            scale = self._sketch_rect().width() / self.sketch.size().width()
            self._paint_cursor(painter, self.sketch.pen_size * scale / 2)
            return
        overlay = QImage(self._mask.size(), QImage.Format.Format_ARGB32_Premultiplied)
        overlay.fill(MASK_COLOR)
        overlay.setAlphaChannel(self._mask)
        painter.setOpacity(self.mask_opacity)
        painter.drawImage(rect, overlay)
        painter.setOpacity(1.0)
        self._paint_cursor(painter, self.brush_size * rect.width() / self._image.width() / 2)

    def _paint_sketch(self, painter: QPainter, rect: QRectF, sketch_rect: QRectF) -> None:
        """While drawing: the image faint under the sketch (an opened picture in full); while the mask
        is painted: the sketch faint over the image."""
        active = self.layer == SKETCH
        if active:
            painter.setOpacity(0.6)
            painter.fillRect(rect, QColor("white"))
        paper = self.sketch.paper()
        if paper is not None:
            painter.setOpacity(1.0 if active else 0.25)
            painter.drawImage(sketch_rect, paper)
        painter.setOpacity(1.0 if active else 0.45)
        painter.drawImage(sketch_rect, self.sketch.ink())
        painter.setOpacity(1.0)

    def _paint_cursor(self, painter: QPainter, radius: float) -> None:
        if self._cursor is not None:
            painter.setPen(QPen(QColor("white"), 1.5))
            painter.drawEllipse(self._cursor, radius, radius)
            painter.setPen(QPen(QColor("black"), 1, Qt.PenStyle.DotLine))
            painter.drawEllipse(self._cursor, radius, radius)

    # -- drag and drop -----------------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls() and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.imageDropped.emit(url.toLocalFile())
                event.acceptProposedAction()
                return

    def widget_point(self, x: float, y: float) -> QPoint:
        """The widget position of image pixel (x, y), for tests and automation."""
        rect = self._target_rect()
        scale = rect.width() / self._image.width()
        return QPoint(round(rect.x() + x * scale), round(rect.y() + y * scale))
