"""The worker that drives the engine from one long-lived QThread and reports through Qt signals.

Jobs arrive through queued signals, so the thread's event loop is the FIFO job queue. The engine
itself runs in a process of its own (desktop.workers.engine_process), so its imports and model
loads never hold the window's GIL; with ``separate_process=False`` (tests, debugging) the same
EngineService runs on this thread instead. Cancel is a ``threading.Event`` on each job, set
directly from the GUI thread. Every job ends with exactly one of jobFinished, jobFailed or
jobCancelled. Running a job is ``desktop.jobs.run_job``, shared with the CLI; the worker never
downloads: models reach the cache through the model files worker.

With a ComfyUI server chosen (``setServer``), jobs and model choices go to an EngineService around
a RemoteEngine on this thread instead (it only waits on the network); this computer's engine stays
as it was, for switching back at once.
"""

from __future__ import annotations

import os
import sys
import traceback

from PySide6.QtCore import QObject, Signal, Slot

from desktop.errors import LogoStudioError
from desktop.gallery import GalleryStore
from desktop.jobs import Job
from desktop.workers.engine_service import DEVICE_ERROR, EngineService, StepUpdate
from desktop.workers.thread_host import ThreadHost

__all__ = ["GenerationWorker", "Job", "StepUpdate", "WorkerHost", "engine_in_separate_process"]
ENGINE_ENV = "LOGO_STUDIO_ENGINE"  # "in-process": the engine on the worker thread (tests, debugging)


def engine_in_separate_process() -> bool:
    """True unless LOGO_STUDIO_ENGINE=in-process asks for the engine on the worker thread."""
    return os.environ.get(ENGINE_ENV, "").strip().lower() != "in-process"


class GenerationWorker(QObject):
    deviceReady = Signal(str)
    modelLoading = Signal(str)
    modelReady = Signal(str)
    fewStepModel = Signal(str, str, int, float)  # why, sampler, steps, guidance
    modelFamily = Signal(object, str)  # engine.families.ModelFamily, what the memory plan chose
    modelFailed = Signal(str, str)
    familyUnknown = Signal(str)  # a server's model whose family neither the server nor its name says
    downloadNeeded = Signal(str, str)  # a hub model, LoRA or tiny decoder a job needs; the message
    preparing = Signal(str)  # what is being made ready ahead of the next job ("Fast", "LoRAs")
    prepared = Signal(str, bool)  # what, ready (False: something is missing or wrong; the job will say)
    jobStarted = Signal(int)
    jobProgress = Signal(int, object)
    jobWarning = Signal(int, str)
    imageSaved = Signal(int, object, object)  # job id, GalleryItem, the PIL image
    jobFinished = Signal(int)
    jobFailed = Signal(int, str)
    jobCancelled = Signal(int)

    def __init__(
        self, store: GalleryStore, device_preference: str = "auto", separate_process: bool | None = None
    ) -> None:
        """``separate_process`` None: the engine process unless LOGO_STUDIO_ENGINE=in-process."""
        super().__init__()
        self.store = store
        self.device_preference = device_preference
        if separate_process is None:
            separate_process = engine_in_separate_process()
        self.separate_process = separate_process
        self._process = None  # EngineProcess, started on this worker's thread
        self._model: tuple[str, str] | None = None  # what the engine process was last asked to load
        self.latest_prepare = 0  # the number of the newest request to prepare (set on the GUI thread)
        self._service = None if separate_process else EngineService(store, device_preference)
        self._remote: EngineService | None = None  # jobs on a ComfyUI server (setServer)
        # Set on the GUI thread before the thread starts when the app starts with a server chosen:
        # its setServer follows on the queue, and this computer's engine is not started for nothing.
        self.server_pending = False

    @property
    def engine(self):
        """The engine on this thread: a ComfyUI server's, or this computer's when it runs here
        (separate_process=False); else None."""
        service = self._remote or self._service
        return service.engine if service is not None else None

    def _call(self, command: str, *args, job_id: int = 0, cancel=None, here: bool = False) -> None:
        """Run ``command`` on the engine jobs run on (``here``: on this computer's, whose events are
        not told while jobs run on a server)."""

        def emit(name, *values) -> None:
            if not (here and self._remote is not None):
                self._event(job_id, name, *values)

        service = self._service if here else self._remote or self._service
        if service is not None:
            getattr(service, command)(*args, emit)
            return
        from desktop.workers.engine_process import EngineProcess, EngineProcessGone

        try:
            if self._process is None or not self._process.alive:  # not started yet, or crashed
                self._process = EngineProcess(self.store.root, self.device_preference)
                if command == "prepare" and self._model is not None:  # prepares only what is loaded
                    self._process.call("load", *self._model, emit=emit)
            self._process.call(command, *args, emit=emit, cancel=cancel)
        except EngineProcessGone:
            self._process = None  # a new one starts with the next command
            raise

    def _event(self, job_id: int, name: str, *values) -> None:
        signal = {
            "device": self.deviceReady,
            "loading": self.modelLoading,
            "ready": self.modelReady,
            "family": self.modelFamily,
            "few_step": self.fewStepModel,
            "model_failed": self.modelFailed,
            "family_unknown": self.familyUnknown,
            "needs_download": self.downloadNeeded,
            "preparing": self.preparing,
            "prepared": self.prepared,
        }.get(name)
        if signal is not None:
            signal.emit(*values)
            return
        if name in ("finished", "failed", "cancelled"):
            self._ended = True
        job_signal = {
            "started": self.jobStarted,
            "progress": self.jobProgress,
            "warning": self.jobWarning,
            "saved": self.imageSaved,
            "finished": self.jobFinished,
            "failed": self.jobFailed,
            "cancelled": self.jobCancelled,
        }[name]
        job_signal.emit(job_id, *values)

    @Slot()
    def initialize(self) -> None:
        """Start the engine (process), pick the device and import the pipelines while the user is
        still typing, so the first load is quick."""
        if self.server_pending:
            return  # setServer follows on the queue and starts the server's engine
        self._safely(lambda: self._call("initialize"), lambda message: self.deviceReady.emit(DEVICE_ERROR + message))

    @Slot(str)
    def setDevice(self, preference: str) -> None:
        """Switch device ('auto', 'cpu', 'cuda', 'mps'); the model reloads at the next job."""
        self.device_preference = preference
        if self._remote is not None:  # for when jobs run here again; the server's engine has no device
            if self._service is not None or self._process is not None:
                self._safely(lambda: self._call("set_device", preference, here=True), lambda _message: None)
            return
        self._safely(lambda: self._call("set_device", preference), lambda message: self.deviceReady.emit(message))

    @Slot(object, object)
    def setServer(self, connection, families) -> None:
        """Run jobs on the ComfyUI server ``connection`` (a ServerConnection; ``families`` the
        user's answers, model name -> family), or on this computer again (None)."""
        self.server_pending = False
        if self._remote is not None:
            self._remote.engine.close()
            self._remote = None
        if connection is not None:
            from desktop.remote.engine import RemoteEngine

            self._remote = EngineService(self.store, engine=RemoteEngine(connection, families))
        self.initialize()

    @Slot(str, str)
    def loadModel(self, model: str, inpaint_model: str = "") -> None:
        """Load ``model`` (and a dedicated inpainting model) now, e.g. when the user picks it."""
        self._model = (model, inpaint_model)
        self._safely(
            lambda: self._call("load", model, inpaint_model), lambda message: self.modelFailed.emit(model, message)
        )

    @Slot(object, int)
    def prepare(self, params, number: int) -> None:
        """Make the loaded model ready for jobs like ``params`` (LoRAs, Fast) before Generate;
        skipped when a newer request to prepare (``latest_prepare``) waits behind this one."""
        if number != self.latest_prepare:
            return
        self._safely(lambda: self._call("prepare", params), lambda _message: self.prepared.emit("", False))

    @Slot(object)
    def runJob(self, job: Job) -> None:
        if self._remote is not None or self._service is not None:
            arguments = (job,)
        else:
            arguments = (job.params, job.image, job.mask, job.parent_id, job.inpaint_model, job.id, job.guide)
        self._model = (job.params.model, job.inpaint_model)  # a job loads its model
        self._ended = False
        self._safely(
            lambda: self._call("run", *arguments, job_id=job.id, cancel=job.cancel),
            lambda message: self._event(job.id, "failed", message),
        )
        if not self._ended:  # every job ends in exactly one of finished, failed, cancelled
            self.jobFailed.emit(job.id, "The job ended without a result. Details are in the log.")

    def _safely(self, action, report) -> None:
        try:
            action()
        except LogoStudioError as error:
            report(error.message)
        except Exception as error:  # noqa: BLE001 - the window shows a message, the log keeps the trace
            traceback.print_exc(file=sys.stderr)
            report(f"Unexpected error: {error}. Details are in the log.")

    def stop_engine(self) -> None:
        """End the engine process (thread-safe: called from the GUI thread at shutdown)."""
        if self._process is not None:
            self._process.stop(timeout_s=0.5)


class WorkerHost(ThreadHost):
    """Owns the generation worker's thread and queues jobs and model loads onto it."""

    submitJob = Signal(object)
    submitModel = Signal(str, str)  # model, dedicated inpainting model ('' for none)
    submitPrepare = Signal(object, int)  # GenerationParams to get ready for, its number
    setDevice = Signal(str)
    setServer = Signal(object, object)  # ServerConnection or None, {model: family}

    def __init__(
        self, store: GalleryStore, device_preference: str = "auto", separate_process: bool | None = None
    ) -> None:
        super().__init__(GenerationWorker(store, device_preference, separate_process), "generation-worker")
        self.thread.started.connect(self.worker.initialize)
        self.submitJob.connect(self.worker.runJob)
        self.submitModel.connect(self.worker.loadModel)
        self.submitPrepare.connect(self.worker.prepare)
        self.setDevice.connect(self.worker.setDevice)
        self.setServer.connect(self.worker.setServer)
        self.pending: dict[int, Job] = {}
        # Bound slots, not lambdas: a lambda would run in the worker thread (see MainWindow).
        self.worker.jobFinished.connect(self._forget)
        self.worker.jobFailed.connect(self._forget_failed)
        self.worker.jobCancelled.connect(self._forget)

    def submit(self, job: Job) -> None:
        self.pending[job.id] = job
        self.submitJob.emit(job)

    def prepare(self, params) -> None:
        """Ask the worker to get ready for jobs like ``params``; an older request that has not
        started yet is dropped (the user changed their mind)."""
        self.worker.latest_prepare += 1
        self.submitPrepare.emit(params, self.worker.latest_prepare)

    def cancel_all(self) -> None:
        """Cancel the running job and everything queued behind it (thread-safe flags)."""
        for job in self.pending.values():
            job.cancel.set()

    def stop(self) -> None:
        super().stop()
        self.worker.stop_engine()

    @Slot(int)
    def _forget(self, job_id: int) -> None:
        self.pending.pop(job_id, None)

    @Slot(int, str)
    def _forget_failed(self, job_id: int, _message: str) -> None:
        self.pending.pop(job_id, None)
