"""docs/screens/guide-panel.png: the window at 1366×768 with a sketch drawn on the canvas's sketch
layer and the Guide panel open (kind, ControlNet, strength, follow until, the preview of what the
ControlNet sees). No model is needed: the window opens on one that is not on this computer and is
told it is an SD 1.5 model, as when one has loaded.

    Xvfb :99 -screen 0 1366x768x24 &
    DISPLAY=:99 .venv/bin/python docs/make_guide_screen.py docs/screens
"""

import os
import sys
import tempfile
from pathlib import Path

import screen_tools  # beside this script
from screen_tools import pump


def main(out: Path) -> None:
    scratch = Path(tempfile.mkdtemp())
    os.environ["LOGO_STUDIO_DATA_DIR"] = str(scratch)
    os.environ["LOGO_STUDIO_ENGINE"] = "in-process"
    os.environ["HF_HUB_OFFLINE"] = "1"
    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QApplication, QScrollArea

    from desktop.app import build_window
    from desktop.models.families import SD15

    app = QApplication(sys.argv)  # noqa: F841 - the application lives as long as the script
    out.mkdir(parents=True, exist_ok=True)

    window = build_window(
        scratch / "gallery",
        model="stable-diffusion-v1-5/stable-diffusion-v1-5",
        device="cpu",
        config_dir=scratch / "config",
    )
    window.ask = lambda title, text: False
    window.setGeometry(window.screen().availableGeometry())
    window.show()
    pump(1.5)
    window.request.set("prompt", "fox head logo, geometric, flat")
    window.guide_panel.set_family(SD15)
    panel = window.canvas_panel
    panel.set_layer("sketch")
    panel.brush_size_spin.setValue(10)
    sketch = panel.sketch
    # A fox head: ears, cheeks and chin, as a user would draw it.
    for line in (
        [(150, 330), (180, 140), (250, 250), (350, 240), (400, 130), (390, 330)],
        [(150, 330), (270, 420), (390, 330)],
        [(220, 310), (240, 300)],
        [(320, 300), (340, 310)],
        [(255, 380), (285, 380)],
    ):
        sketch.begin_stroke(QPointF(*line[0]))
        for point in line[1:]:
            sketch.stroke_to(QPointF(*point))
        sketch.end_stroke()
    pump(0.5)
    window.guide_panel.refresh_preview()
    scroll = window.findChild(QScrollArea, "controlsScroll")
    scroll.ensureWidgetVisible(window.guide_panel, 0, 0)
    pump(1.0)
    screen_tools.grab(window, out / "guide-panel.png")
    window.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screens"))
