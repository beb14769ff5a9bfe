from PIL import Image

from desktop.app import build_window
from desktop.gallery import GalleryStore
from desktop.params import GenerationParams


def test_window_opens_on_the_given_gallery(qtbot, tmp_path):
    GalleryStore(tmp_path).add(Image.new("RGB", (64, 64)), GenerationParams("fox", seed=1, width=64, height=64))
    window = build_window(tmp_path)
    qtbot.addWidget(window)
    window.show()
    assert window.windowTitle() == "Logo Studio"
    assert window.store.root == tmp_path and len(window.store) == 1


def test_closing_the_app_while_the_worker_is_still_starting_exits_fast_and_cleanly(tmp_path):
    import os
    import subprocess
    import sys
    import time

    code = (
        "from PySide6.QtCore import QTimer\nfrom PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "QTimer.singleShot(300, QApplication.closeAllWindows)\n"
        "import desktop.app, sys\nsys.exit(desktop.app.run_window(None, 'cpu'))\n"
    )
    env = dict(os.environ, LOGO_STUDIO_DATA_DIR=str(tmp_path), QT_QPA_PLATFORM="offscreen")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "QThread: Destroyed" not in result.stderr
    assert elapsed < 6  # interpreter + Qt start (~1 s), 0.3 s open, at most 2 s waiting for the worker
    assert (tmp_path / "config" / "settings.ini").exists()
