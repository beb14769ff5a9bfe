"""The worker that owns the engine on one long-lived QThread and reports through Qt signals.

Jobs arrive through queued signals, so the thread's event loop is the FIFO job queue. Cancel is a
``threading.Event`` on each job, set directly from the GUI thread; the engine checks it every
step. Every job ends with exactly one of jobFinished, jobFailed or jobCancelled. Running a job is
``desktop.jobs.run_job``, shared with the CLI; this worker only turns it into signals. It never
downloads: models reach the cache through the model files worker.
"""

from __future__ import annotations

import sys
import time
import traceback
from dataclasses import dataclass

from PIL import Image
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from desktop.errors import GenerationCancelled, LogoStudioError
from desktop.gallery import GalleryStore
from desktop.jobs import Job, run_job
from desktop.workers.thread_host import ThreadHost

__all__ = ["GenerationWorker", "Job", "StepUpdate", "WorkerHost"]
PREVIEW_INTERVAL = 0.1  # seconds: more previews than a window can show only cost GPU syncs


@dataclass(frozen=True)
class StepUpdate:
    """Progress of a job, as sent to the GUI thread (a PIL preview, never a QPixmap)."""

    image_index: int
    image_count: int
    step: int
    total: int
    preview: Image.Image | None


class GenerationWorker(QObject):
    deviceReady = Signal(str)
    modelLoading = Signal(str)
    modelReady = Signal(str)
    fewStepModel = Signal(str, str, int, float)  # why, sampler, steps, guidance
    modelFamily = Signal(object, str)  # engine.families.ModelFamily, what the memory plan chose
    modelFailed = Signal(str, str)
    jobStarted = Signal(int)
    jobProgress = Signal(int, object)
    jobWarning = Signal(int, str)
    imageSaved = Signal(int, object, object)  # job id, GalleryItem, the PIL image
    jobFinished = Signal(int)
    jobFailed = Signal(int, str)
    jobCancelled = Signal(int)

    def __init__(self, store: GalleryStore, device_preference: str = "auto") -> None:
        super().__init__()
        self.store = store
        self.device_preference = device_preference
        self.engine = None

    @Slot()
    def initialize(self) -> None:
        """Import torch and diffusers and pick the device, on the worker thread, while the user is
        still typing: big imports hold the GIL for long stretches, which would otherwise stall the
        window when the first job starts."""
        try:
            self._ensure_engine()
        except LogoStudioError as error:
            self.deviceReady.emit(f"Device error: {error.message}")
            return
        from desktop.engine.engine import import_pipeline_modules

        # After the requests already queued (e.g. "is the model on disk?"), so the window can tell
        # a first-time user what to do without waiting for these imports.
        QTimer.singleShot(0, import_pipeline_modules)

    def _ensure_engine(self):
        if self.engine is None:
            from desktop.engine import Engine, choose_device

            self.engine = Engine(choose_device(self.device_preference))
            self.deviceReady.emit(self.engine.device.describe())
        return self.engine

    @Slot(str)
    def setDevice(self, preference: str) -> None:
        """Switch device ('auto', 'cpu', 'cuda', 'mps'); the model reloads at the next job."""
        if preference == self.device_preference and self.engine is not None:
            return
        self.device_preference = preference
        if self.engine is not None:
            self.engine.unload()
        self.engine = None
        try:
            self._ensure_engine()
        except LogoStudioError as error:
            self.deviceReady.emit(f"Device error: {error.message}")

    @Slot(str, str)
    def loadModel(self, model: str, inpaint_model: str = "") -> None:
        """Load ``model`` (and a dedicated inpainting model) now, e.g. when the user picks it,
        reporting through the model signals."""
        try:
            self._load(model, inpaint_model)
        except LogoStudioError as error:
            self.modelFailed.emit(model, error.message)
        except Exception as error:  # noqa: BLE001 - anything unexpected still reaches the user as text
            traceback.print_exc(file=sys.stderr)
            self.modelFailed.emit(model, f"Unexpected error while loading {model}: {error}")

    def _load(self, model: str, inpaint_model: str = "") -> None:
        engine = self._ensure_engine()
        if engine.loaded and engine.model == model and engine.inpaint_model == inpaint_model:
            return
        self.modelLoading.emit(model)
        engine.load(model, inpaint_model=inpaint_model)
        self.modelReady.emit(model)
        plan = engine.memory_plan.describe() if engine.memory_plan is not None else ""
        self.modelFamily.emit(engine.family, plan)
        profile = engine.few_step
        if profile is not None:
            self.fewStepModel.emit(profile.reason(), profile.scheduler, profile.steps, profile.guidance)

    @Slot(object)
    def runJob(self, job: Job) -> None:
        if job.cancel.is_set():
            self.jobCancelled.emit(job.id)
            return
        self.jobStarted.emit(job.id)
        try:
            self._load(job.params.model, job.inpaint_model)
            last_preview = [0.0]

            def on_progress(progress) -> None:
                # Making a preview copies the latents off the device (a sync on CUDA): at most one
                # per PREVIEW_INTERVAL, and always the last step's.
                preview = None
                now = time.monotonic()
                if now - last_preview[0] >= PREVIEW_INTERVAL or progress.step == progress.total:
                    preview, last_preview[0] = progress.preview(), now
                update = StepUpdate(progress.image_index, progress.image_count, progress.step, progress.total, preview)
                self.jobProgress.emit(job.id, update)

            run_job(
                self.engine,
                self.store,
                job,
                on_progress=on_progress,
                on_warning=lambda text: self.jobWarning.emit(job.id, text),
                on_saved=lambda item, image: self.imageSaved.emit(job.id, item, image),
            )
        except GenerationCancelled:
            self.jobCancelled.emit(job.id)
        except LogoStudioError as error:
            self.jobFailed.emit(job.id, error.message)
        except Exception as error:  # noqa: BLE001 - the window shows a message, the log keeps the trace
            traceback.print_exc(file=sys.stderr)
            self.jobFailed.emit(job.id, f"Unexpected error: {error}. Details are in the log.")
        else:
            self.jobFinished.emit(job.id)


class WorkerHost(ThreadHost):
    """Owns the generation worker's thread and queues jobs and model loads onto it."""

    submitJob = Signal(object)
    submitModel = Signal(str, str)  # model, dedicated inpainting model ('' for none)
    setDevice = Signal(str)

    def __init__(self, store: GalleryStore, device_preference: str = "auto") -> None:
        super().__init__(GenerationWorker(store, device_preference), "generation-worker")
        self.thread.started.connect(self.worker.initialize)
        self.submitJob.connect(self.worker.runJob)
        self.submitModel.connect(self.worker.loadModel)
        self.setDevice.connect(self.worker.setDevice)
        self.pending: dict[int, Job] = {}
        # Bound slots, not lambdas: a lambda would run in the worker thread (see MainWindow).
        self.worker.jobFinished.connect(self._forget)
        self.worker.jobFailed.connect(self._forget_failed)
        self.worker.jobCancelled.connect(self._forget)

    def submit(self, job: Job) -> None:
        self.pending[job.id] = job
        self.submitJob.emit(job)

    def cancel_all(self) -> None:
        """Cancel the running job and everything queued behind it (thread-safe flags)."""
        for job in self.pending.values():
            job.cancel.set()

    @Slot(int)
    def _forget(self, job_id: int) -> None:
        self.pending.pop(job_id, None)

    @Slot(int, str)
    def _forget_failed(self, job_id: int, _message: str) -> None:
        self.pending.pop(job_id, None)
