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
    stderr, exited_after = close_mid_start(tmp_path, model=None, close_when="")
    assert "Traceback" not in stderr and "QThread: Destroyed" not in stderr
    assert exited_after < 2.5  # 2 s waiting for the worker at most, then the process ends
    assert (tmp_path / "config" / "settings.ini").exists()


def test_closing_the_app_while_a_model_is_loading_exits_fast_and_cleanly(tmp_path, tiny_model):
    """The load is made slow on purpose (a real one takes seconds); the window closes mid-load."""
    stderr, exited_after = close_mid_start(tmp_path, model=str(tiny_model), close_when="loading")
    assert "loading started" in stderr, stderr
    assert "Traceback" not in stderr and "QThread: Destroyed" not in stderr
    assert exited_after < 2.5
    assert (tmp_path / "config" / "settings.ini").exists()


CHILD = """
import sys, threading, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import desktop.engine.engine as engine_module

model, close_when = sys.argv[1] or None, sys.argv[2]
loading = threading.Event()
real_load = engine_module.load_pipeline

def slow_load(*args, **kwargs):
    print("loading started", file=sys.stderr, flush=True)
    loading.set()
    time.sleep(30)  # a multi-gigabyte model on a slow disk
    return real_load(*args, **kwargs)

engine_module.load_pipeline = slow_load
app = QApplication([])

def close_when_ready():
    if close_when == "loading" and not loading.is_set():
        return QTimer.singleShot(20, close_when_ready)
    print(time.time(), flush=True)
    QApplication.closeAllWindows()

QTimer.singleShot(1200, close_when_ready)  # the worker is importing torch/diffusers by then
import desktop.app
sys.exit(desktop.app.run_window(model, "cpu"))
"""


def close_mid_start(tmp_path, model: str | None, close_when: str) -> tuple[str, float]:
    """Run the app in a child process (no network), close its window at the chosen moment, and
    return its stderr and the seconds from the close to the process's end."""
    import os
    import subprocess
    import sys
    import time

    from no_network_child import guarded_env, network_attempts

    guard = tmp_path / "guard"
    env = guarded_env(guard, dict(os.environ, LOGO_STUDIO_DATA_DIR=str(tmp_path), QT_QPA_PLATFORM="offscreen"))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, model or "", close_when],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    closed_at = float(child.stdout.readline())
    _, stderr = child.communicate(timeout=120)
    exited_after = time.time() - closed_at
    assert child.returncode == 0, stderr
    assert network_attempts(guard) == []
    return stderr, exited_after
