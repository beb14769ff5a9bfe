"""Regenerate docs/screenshot.png: the real window under Xvfb with generated images and a painted mask.

    make tiny-model
    Xvfb :99 -screen 0 1366x768x24 &
    DISPLAY=:99 .venv/bin/python docs/make_screenshot.py docs/screenshot.png

A 1366×768 laptop screen, the window maximised. The tiny model has random weights, so the images
are noise; the window is the real one.
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
    window.setGeometry(window.screen().availableGeometry())  # the whole 1366×768 screen (no window manager)
    window.show()

    def pump(seconds: float) -> None:
        started = time.time()
        while time.time() - started < seconds:
            app.processEvents()
            time.sleep(0.01)

    pump(1)
    request = window.request
    request.set("prompt", "fox head logo, geometric")
    request.set("brand_name", "Foxly")
    request.choose_style("Flat vector")
    request.set_palette(["#ff6600", "#1b2a4a"], "#ffffff")
    request.set("width", 256)
    request.set("height", 256)
    request.set("steps", 8)
    for seed, count in ((11, 1), (12, 1), (20, 4)):
        request.reuse_seed(seed)
        request.set("batch_count", count)
        window.actions.generate()
        while window.jobs.running:
            pump(0.05)
    if len(window.gallery.items) < 2:
        raise SystemExit(f"no images were made: {window.notices.text()}")
    window.gallery.select(window.gallery.items[1].id)
    canvas = window.canvas_panel.canvas
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
    # The tiny test tokenizer reads about one letter per token, so the style's negative prompt runs past
    # its 75 tokens and the job warns; with a real model's CLIP tokenizer it fits, so the warning is not shown.
    window.notices.clear("job")
    pump(1)
    frame = window.frameGeometry()
    window.screen().grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height()).save(output)
    window.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.png")
