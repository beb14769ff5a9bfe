"""Regenerate docs/screenshot.png: the real window under Xvfb with generated images and a painted mask.

    make tiny-model
    Xvfb :99 -screen 0 1440x900x24 &
    DISPLAY=:99 .venv/bin/python docs/make_screenshot.py docs/screenshot.png

The tiny model has random weights, so the images are noise; the window is the real one.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parent.parent


def main(output: str) -> None:
    scratch = Path(tempfile.mkdtemp())
    os.environ["LOGO_STUDIO_DATA_DIR"] = str(scratch)
    app = QApplication(sys.argv)
    from desktop.app import build_window

    window = build_window(scratch / "gallery", model=str(ROOT / "build" / "tiny" / "txt2img"), device="cpu")
    window.show()

    def pump(seconds: float) -> None:
        started = time.time()
        while time.time() - started < seconds:
            app.processEvents()
            time.sleep(0.01)

    pump(1)
    window.prompt_edit.setPlainText("fox logo")
    window.negative_edit.setPlainText("text, gradient, photo")
    window.palette_widget.set_palette(["#ff6600", "#1b2a4a"], "#ffffff")
    window.width_spin.setValue(256)
    window.height_spin.setValue(256)
    window.steps_spin.setValue(8)
    window.seed_lock.setChecked(True)
    for seed in (11, 12, 13):
        window.seed_spin.setValue(seed)
        window.generate()
        while window.host.pending or window.cancel_button.isEnabled():
            pump(0.05)
    canvas = window.canvas
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, canvas.widget_point(70, 80))
    for x in range(70, 190, 6):
        point = QPointF(canvas.widget_point(x, 80 + (x - 70) // 2))
        move = QMouseEvent(
            QMouseEvent.Type.MouseMove,
            point,
            canvas.mapToGlobal(point),
            Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(canvas, move)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, canvas.widget_point(190, 140))
    QTest.mouseMove(canvas, canvas.widget_point(200, 170))
    pump(1)
    frame = window.frameGeometry()
    window.screen().grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height()).save(output)
    window.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.png")
