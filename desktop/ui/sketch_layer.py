"""The sketch layer: the shape the logo should follow (the guide's picture), drawn with a pen on the
canvas or opened from a file (a photo of a paper sketch, a logo, a letterform). It has pixels of
its own, apart from the mask: painting one never changes the other, and each has its own undo.

The layer is a *paper* (white, or the opened picture) with *ink* over it (the pen's black strokes;
the eraser removes ink, never the opened picture). Its picture (``picture()``) is dark lines on a
light ground, as desktop.guides expects. Every stroke, clear and opened picture is one undoable step.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import QObject, QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QUndoCommand, QUndoStack

from desktop.ui.qtimage import pil_to_qimage, qimage_to_pil

PEN, ERASER = "brush", "eraser"
MAX_SIDE = 1536  # an opened picture larger than this is scaled down (the guide is fitted to the job anyway)


class _SketchEdit(QUndoCommand):
    """Swap between the layer before and after one edit: (paper or None, ink)."""

    def __init__(self, layer: SketchLayer, before, after, text: str) -> None:
        super().__init__(text)
        self.layer, self.before, self.after = layer, before, after
        self._first = True

    def redo(self) -> None:
        if self._first:  # the edit is already on the layer when it is pushed
            self._first = False
            return
        self.layer._restore(self.after)

    def undo(self) -> None:
        self.layer._restore(self.before)


class SketchLayer(QObject):
    """The sketch's pixels and its edits. ``changed`` after every edit, undo and redo."""

    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(100)
        self.pen_size = 6
        self.tool = PEN
        self._paper: QImage | None = None  # the opened picture; None: white paper
        self._ink = QImage()
        self._empty = True
        self._stroke_before = None
        self._last: QPointF | None = None
        self._reset(QSize(512, 512))

    # -- state -----------------------------------------------------------------------------------

    def size(self) -> QSize:
        return self._ink.size()

    def is_empty(self) -> bool:
        """Nothing drawn and no picture opened."""
        return self._empty

    def has_picture(self) -> bool:
        return self._paper is not None

    def fit_to(self, width: int, height: int) -> None:
        """The canvas changed size: an empty layer takes the new size (a drawn one keeps its own)."""
        if self._empty and self.size() != QSize(width, height):
            self._reset(QSize(width, height))
            self.undo_stack.clear()
            self.changed.emit()

    def picture(self) -> Image.Image:
        """The guide's picture: the paper with the ink on it (dark lines on a light ground)."""
        return qimage_to_pil(self.composite()).convert("RGB")

    def composite(self) -> QImage:
        image = QImage(self.size(), QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        if self._paper is not None:
            painter.drawImage(0, 0, self._paper)
        painter.drawImage(0, 0, self._ink)
        painter.end()
        return image

    def ink(self) -> QImage:
        return self._ink

    def paper(self) -> QImage | None:
        return self._paper

    # -- edits (each one undoable) ---------------------------------------------------------------

    def clear(self) -> None:
        """No ink and no picture."""
        if self._empty:
            return
        before = self._state()
        self._paper = None
        self._ink.fill(Qt.GlobalColor.transparent)
        self._push(before, "Clear sketch")

    def open_picture(self, picture: Image.Image) -> None:
        """Use ``picture`` as the guide's paper (the ink is cleared); one undoable step."""
        before = self._state()
        picture = _flattened(picture)
        if max(picture.size) > MAX_SIDE:
            scale = MAX_SIDE / max(picture.size)
            picture = picture.resize(
                (max(1, round(picture.width * scale)), max(1, round(picture.height * scale))), Image.Resampling.LANCZOS
            )
        self._paper = pil_to_qimage(picture).convertToFormat(QImage.Format.Format_RGB32)
        self._ink = _blank_ink(self._paper.size())
        self._push(before, "Open guide picture")

    def begin_stroke(self, point: QPointF) -> None:
        self._stroke_before = self._state()
        self._last = point
        self._draw(point, point)

    def stroke_to(self, point: QPointF) -> None:
        if self._last is not None:
            self._draw(self._last, point)
            self._last = point

    def end_stroke(self) -> None:
        if self._stroke_before is None:
            return
        before, self._stroke_before, self._last = self._stroke_before, None, None
        self._push(before, "Erase sketch" if self.tool == ERASER else "Draw")

    def drawing(self) -> bool:
        return self._last is not None

    # -- inside ----------------------------------------------------------------------------------

    def _draw(self, start: QPointF, end: QPointF) -> None:
        painter = QPainter(self._ink)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if self.tool == ERASER:
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
        pen = QPen(QColor("black"), self.pen_size, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.drawLine(start, end)
        painter.end()
        self.changed.emit()

    def _state(self):
        """What an undo step keeps: the paper as it is (only ever replaced, never painted on, so Qt
        shares its pixels) and the ink as alpha alone (the pen is black): a quarter of its size."""
        return (self._paper, self._ink.convertToFormat(QImage.Format.Format_Alpha8))

    def _restore(self, state) -> None:
        paper, ink = state
        self._paper = paper
        self._ink = ink.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
        self._update_empty()
        self.changed.emit()

    def _push(self, before, text: str) -> None:
        self._update_empty()
        self.undo_stack.push(_SketchEdit(self, before, self._state(), text))
        self.changed.emit()

    def _reset(self, size: QSize) -> None:
        self._paper = None
        self._ink = _blank_ink(size)
        self._empty = True

    def _update_empty(self) -> None:
        if self._paper is not None:
            self._empty = False
            return
        alpha = np.asarray(qimage_to_pil(self._ink).getchannel("A"))
        self._empty = not alpha.any()


def _blank_ink(size: QSize) -> QImage:
    ink = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    ink.fill(Qt.GlobalColor.transparent)
    return ink


def _flattened(picture: Image.Image) -> Image.Image:
    """RGB, transparent areas on white paper."""
    if picture.mode in ("RGBA", "LA") or (picture.mode == "P" and "transparency" in picture.info):
        rgba = picture.convert("RGBA")
        paper = Image.new("RGB", picture.size, "white")
        paper.paste(rgba, mask=rgba.getchannel("A"))
        return paper
    return picture.convert("RGB")
