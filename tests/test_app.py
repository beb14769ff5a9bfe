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
        "import time\nfrom PySide6.QtCore import QTimer\nfrom PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "def close():\n    print(time.time(), flush=True)\n    QApplication.closeAllWindows()\n"
        "QTimer.singleShot(1200, close)\n"  # the worker is importing torch/diffusers by then
        "import desktop.app, sys\nsys.exit(desktop.app.run_window(None, 'cpu'))\n"
    )
    env = dict(os.environ, LOGO_STUDIO_DATA_DIR=str(tmp_path), QT_QPA_PLATFORM="offscreen")
    child = subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    closed_at = float(child.stdout.readline())
    _, stderr = child.communicate(timeout=120)
    exited_after = time.time() - closed_at
    assert child.returncode == 0, stderr
    assert "Traceback" not in stderr and "QThread: Destroyed" not in stderr
    assert exited_after < 2.5  # 2 s waiting for the worker at most, then the process ends
    assert (tmp_path / "config" / "settings.ini").exists()
