"""What the screenshot scripts share (docs/make_screens.py, make_server_screens.py,
make_guide_screen.py): running the event loop for a while or until something holds, and saving a
window as it is on the (Xvfb) screen."""

import io
import time
from pathlib import Path


def pump(seconds: float = 0.0, until=None, limit: float = 300) -> None:
    """Run the event loop for ``seconds``, or until ``until()`` holds (at most ``limit`` seconds)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    started = time.time()
    while time.time() - started < (limit if until else seconds):
        app.processEvents()
        if until is not None and until():
            return
        time.sleep(0.01)


def grab(widget, path: Path, whole_screen: bool = False) -> None:
    """Save ``widget`` (or the whole screen, for a question over it) as a PNG of 128 colours: the
    random models' noise makes full-colour shots heavy."""
    from PIL import Image
    from PySide6.QtCore import QBuffer, QIODevice

    pump(0.5)
    frame = widget.screen().geometry() if whole_screen else widget.frameGeometry()
    shot = widget.screen().grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    shot.save(buffer, "PNG")
    image = Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGB")
    image.quantize(colors=128, dither=Image.Dither.NONE).save(path, optimize=True)
    print(path)
