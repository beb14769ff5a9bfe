"""``logo-studio --smoke-test PNG``: start the real window, wait until the worker has imported
torch and picked a device (and loaded ``--model`` when one was given), save a screenshot and quit.

It proves an installed or packaged app works end to end: Qt platform plugin, resources, the worker
thread, torch and diffusers imports. Exit code 0 when all of that worked, 1 otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtWidgets import QApplication

TIME_LIMIT_MS = 240_000


class SmokeTest(QObject):
    def __init__(self, window, screenshot: Path, expect_model: bool) -> None:
        super().__init__(window)
        self.window = window
        self.screenshot = screenshot
        self.expect_model = expect_model
        self.exit_code = 1
        self.finished = False
        worker = window.host.worker
        worker.deviceReady.connect(self._device_ready)
        worker.modelReady.connect(self._model_ready)
        worker.modelFailed.connect(self._model_failed)
        QTimer.singleShot(TIME_LIMIT_MS, self._too_slow)

    @Slot(str)
    def _device_ready(self, text: str) -> None:
        print(f"Device: {text}", flush=True)
        if text.startswith("Device error"):
            self._finish(1)
        elif not self.expect_model:
            from desktop.engine.engine import import_pipeline_modules

            import_pipeline_modules()  # the imports a first generation needs must work in this build
            self._finish(0)

    @Slot(str)
    def _model_ready(self, model: str) -> None:
        print(f"Model loaded: {model}", flush=True)
        if self.expect_model:
            self._finish(0)

    @Slot(str, str)
    def _model_failed(self, model: str, message: str) -> None:
        print(f"Model failed: {model}: {message}", flush=True)
        self._finish(1)

    @Slot()
    def _too_slow(self) -> None:
        print(f"Not ready after {TIME_LIMIT_MS // 1000} s", flush=True)
        self._finish(1)

    def _finish(self, code: int) -> None:
        if self.finished:
            return
        self.finished = True
        if not self.window.grab().save(str(self.screenshot)):
            print(f"Could not save the screenshot to {self.screenshot}", file=sys.stderr, flush=True)
            code = 1
        else:
            size = self.window.size()
            print(f"Window shown: {size.width()}x{size.height()}, screenshot {self.screenshot}", flush=True)
        self.exit_code = code
        self.window.close()
        QApplication.instance().quit()
