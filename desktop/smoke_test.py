"""``logo-studio --smoke-test PNG``: start the real window, wait until the engine has imported torch
and picked a device; with ``--model``, wait until that model is loaded and make one 64 px image with
it, the way Generate does (through the engine process, unless LOGO_STUDIO_ENGINE=in-process); save a
screenshot and quit.

It proves an installed or packaged app works end to end: Qt platform plugin, resources, the worker
thread, the engine process (in a bundle: the app's own executable started again as the engine),
torch and diffusers, a job saved into the gallery. Exit code 0 when all of that worked, 1 otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtWidgets import QApplication

TIME_LIMIT_MS = 240_000
SIZE = 64


class SmokeTest(QObject):
    def __init__(self, window, screenshot: Path, expect_model: bool) -> None:
        super().__init__(window)
        self.window = window
        self.screenshot = screenshot
        self.expect_model = expect_model
        self.exit_code = 1
        self.finished = False
        self.submitted = False
        self.saved: list[Path] = []
        worker = window.host.worker
        worker.deviceReady.connect(self._device_ready)
        worker.modelReady.connect(self._model_ready)
        worker.modelFailed.connect(self._model_failed)
        worker.imageSaved.connect(self._image_saved)
        worker.jobFinished.connect(self._job_finished)
        worker.jobFailed.connect(self._job_failed)
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
        if self.expect_model and not self.submitted and not self.finished:
            from desktop.jobs import Job
            from desktop.params import GenerationParams

            self.submitted = True
            params = GenerationParams("smoke test logo", model=model, width=SIZE, height=SIZE, steps=2, seed=1)
            self.window.host.submit(Job(params))

    @Slot(str, str)
    def _model_failed(self, model: str, message: str) -> None:
        print(f"Model failed: {model}: {message}", flush=True)
        self._finish(1)

    @Slot(int, object, object)
    def _image_saved(self, _job_id: int, item, _image) -> None:
        self.saved.append(Path(item.path))

    @Slot(int)
    def _job_finished(self, _job_id: int) -> None:
        where = "the engine process" if self.window.host.worker.separate_process else "the worker thread"
        if not self.saved:
            print("The smoke test job saved no image", flush=True)
            return self._finish(1)
        print(f"Generated a {SIZE} px image through {where}: {self.saved[0]}", flush=True)
        return self._finish(0)

    @Slot(int, str)
    def _job_failed(self, _job_id: int, message: str) -> None:
        print(f"The smoke test job failed: {message}", flush=True)
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
