"""The brand kit dialog's live preview: the one-page brand sheet for the fields as typed, drawn
smaller on a thread pool (tracing and rendering take a fraction of a second to a few seconds).

The newest request wins: a refresh while one is drawing waits for it and then draws the fields as
they are by then, and a result for fields that have changed since is dropped. The result comes
back through a queued signal, so the label is only touched on the GUI thread.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject, Qt, QThreadPool, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel

from desktop.errors import LogoStudioError
from desktop.logo.brand import BrandKitRequest, prepare_brand
from desktop.logo.brand_sheet import sheet_content
from desktop.logo.sheet import PAGE, sheet_image
from desktop.ui.qtimage import pil_to_qimage

PREVIEW_WIDTH = 560
PREVIEW_DETAIL = 180  # px of each picture in the preview's sheet (the written sheet uses 640)


class _Signals(QObject):
    rendered = Signal(int, object)  # request number, PIL image or LogoStudioError


class BrandSheetPreview(QLabel):
    """The sheet for ``request()`` (which raises LogoStudioError for fields that cannot make a
    kit) of the logo at ``source``, drawn on ``pool``. Emits ``shown()`` when a sheet is shown and
    ``failed(message)`` when the fields or the drawing went wrong."""

    shown = Signal()
    failed = Signal(str)

    def __init__(self, source: Path, request: Callable[[], BrandKitRequest], pool: QThreadPool) -> None:
        super().__init__("Preparing the preview…")
        self.setObjectName("kitPreviewLabel")
        self.setFixedSize(PREVIEW_WIDTH, round(PREVIEW_WIDTH * PAGE[1] / PAGE[0]))
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("QLabel#kitPreviewLabel { background: #ffffff; border: 1px solid #d0d4d9; }")
        self._source, self._request, self._pool = source, request, pool
        self._signals = _Signals()
        self._signals.rendered.connect(self._rendered)
        self._number = 0
        self._running = False
        self._again = False

    def refresh(self) -> None:
        """Draw the sheet for the current fields on the pool; the newest request wins."""
        try:
            request = self._request()
        except LogoStudioError as error:
            self._number += 1  # a preview still running is for the fields as they were
            self.failed.emit(error.message)
            return
        if self._running:
            self._again = True
            return
        self._running, self._again = True, False
        self._number += 1
        number, source, signals = self._number, self._source, self._signals
        width = round(PREVIEW_WIDTH * self.devicePixelRatioF())

        def work() -> None:
            try:
                assets = prepare_brand(source, request)
                image = sheet_image(sheet_content(assets, PREVIEW_DETAIL), width)
                signals.rendered.emit(number, image)
            except LogoStudioError as error:
                signals.rendered.emit(number, error)
            except Exception as error:  # noqa: BLE001 - anything unexpected still reaches the user as text
                traceback.print_exc(file=sys.stderr)
                signals.rendered.emit(number, LogoStudioError(f"Unexpected error in the preview: {error}"))

        self._pool.start(work)  # reports back through self._signals only

    def _rendered(self, number: int, result) -> None:
        self._running = False
        if self._again:
            self.refresh()
        if number != self._number:
            return
        if isinstance(result, Image.Image):
            pixmap = QPixmap.fromImage(pil_to_qimage(result))
            pixmap.setDevicePixelRatio(self.devicePixelRatioF())
            self.setPixmap(pixmap)
            self.shown.emit()
        else:
            self.failed.emit(result.message)
