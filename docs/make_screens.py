"""Regenerate docs/screens/*.png: the real window under Xvfb at 1366×768, in the states issue #22
fixed (a model chosen with Browse…, a LoRA with a long name at 1280×720, the run panel while a
model loads and while a job is cancelled, the question when closing mid-job).

    make tiny-model
    Xvfb :99 -screen 0 1366x768x24 &
    DISPLAY=:99 .venv/bin/python docs/make_screens.py docs/screens

The tiny models have random weights, so the images are noise; the window is the real one. The
engine runs on the worker thread here (LOGO_STUDIO_ENGINE=in-process), so that a model load and a
step can be held long enough to be seen.
"""

import itertools
import os
import sys
import tempfile
import threading
from pathlib import Path

import screen_tools  # beside this script
from screen_tools import pump

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "build" / "tiny"
LONG_LORA = "flat-icon-style-for-minimalist-vector-logos-trained-on-many-brand-marks-v2-final.safetensors"


def main(out: Path) -> None:
    scratch = Path(tempfile.mkdtemp())
    os.environ["LOGO_STUDIO_DATA_DIR"] = str(scratch)
    os.environ["LOGO_STUDIO_ENGINE"] = "in-process"
    os.environ["HF_HUB_OFFLINE"] = "1"
    sys.path.insert(0, str(ROOT / "tests"))
    from PySide6.QtWidgets import QApplication, QFileDialog, QToolButton

    import desktop.jobs
    from desktop.app import build_window
    from desktop.engine.engine import Engine

    app = QApplication(sys.argv)  # noqa: F841 - the application lives as long as the script
    out.mkdir(parents=True, exist_ok=True)
    hold_load, hold_step = threading.Event(), threading.Event()
    hold_load.set()
    hold_step.set()
    real_load, real_run_job = Engine.load, desktop.jobs.run_job

    def held_load(self, *args, **kwargs):
        hold_load.wait(120)
        return real_load(self, *args, **kwargs)

    def held_run_job(*args, on_progress=None, **kwargs):
        def progress(update) -> None:
            if update.step == 3:
                hold_step.wait(120)
            on_progress(update)

        return real_run_job(*args, on_progress=progress, **kwargs)

    Engine.load, desktop.jobs.run_job = held_load, held_run_job

    def grab(window, name: str, whole_screen: bool = False) -> None:
        screen_tools.grab(window, out / name, whole_screen)

    starts = itertools.count()

    def open_window(size=None):
        config = scratch / f"config-{next(starts)}"  # a fresh start each time
        window = build_window(scratch / "gallery", model=str(TINY / "txt2img"), device="cpu", config_dir=config)
        window.ask = lambda title, text: True
        if size is None:
            window.setGeometry(window.screen().availableGeometry())
        else:
            window.setGeometry(40, 24, *size)
        window.show()
        pump(until=lambda: window.models.family is not None)
        for field, value in (("width", 128), ("height", 128), ("prompt", "fox head logo, geometric")):
            window.request.set(field, value)
        window.request.set("brand_name", "Foxly")
        window.request.set_palette(["#ff6600", "#1b2a4a"], "#ffffff")
        return window

    # 1. A model chosen with Browse… is the one shown, loaded and used; the typed steps are kept.
    window = open_window()
    window.advanced.set_open(True)
    window.advanced.steps_spin.setValue(12)
    QFileDialog.getExistingDirectory = staticmethod(lambda *args, **kwargs: str(TINY / "sdxl"))
    browse = window.findChild(QToolButton, "modelBrowseButton")
    next(action for action in browse.menu().actions() if action.text().startswith("Model folder")).trigger()
    pump(until=lambda: window.models.family.name == "sdxl")
    grab(window, "model-chosen-with-browse.png")
    window.close()

    # 2. A LoRA with a long file name in a 1280×720 window: name cut with "…", slider, box and ×.
    import make_tiny_assets

    lora = make_tiny_assets.make_tiny_lora(TINY / "txt2img", scratch / LONG_LORA)
    window = open_window((1280, 720))
    window.loras.add(str(lora))
    grab(window, "lora-long-name-1280x720.png")
    window.close()

    # 3. The run panel while the model loads (the clock ticks), then while a job is cancelled.
    window = open_window()
    window.request.set("steps", 30)
    hold_load.clear()
    window.use_model(str(TINY / "sdxl"))
    window.actions.generate()
    pump(4)
    grab(window, "run-loading-model.png")
    hold_load.set()
    hold_step.clear()
    pump(until=lambda: window.run_panel.progress_bar.format().startswith("step 2/"))
    pump(2)
    window.actions.cancel()
    pump(1.5)
    grab(window, "run-cancelling.png")
    hold_step.set()
    pump(until=lambda: not window.jobs.running)

    # 4. Closing while a logo is being made asks first.
    hold_step.clear()
    window.actions.generate()
    pump(until=lambda: window.run_panel.progress_bar.format().startswith("step 2/"))
    del window.ask  # the real question

    def shoot_and_answer() -> None:
        box = QApplication.activeModalWidget()
        if box is None:
            from PySide6.QtCore import QTimer

            QTimer.singleShot(100, shoot_and_answer)
            return
        grab(window, "quit-while-generating.png", whole_screen=True)
        box.reject()  # No: keep working

    from PySide6.QtCore import QTimer

    QTimer.singleShot(300, shoot_and_answer)
    window.close()
    hold_step.set()
    pump(until=lambda: not window.jobs.running)
    window.ask = lambda title, text: True
    window.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screens"))
