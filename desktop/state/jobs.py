"""The job queue as the window sees it: what is running or waiting, its progress and live preview,
the images it saved, and how it ended. Jobs go through the download gate (their models must be
on this computer) to the generation worker; cancel is the jobs' thread-safe flags.

The progress says what the job is doing before its first step too (starting, loading the model),
its clock ticks every second, not only when a step ends, and after Cancel it says that the job
stops once the step (or the model load, which cannot be interrupted) in progress ends."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from desktop.jobs import Job
from desktop.models.catalog import format_duration
from desktop.state import notices as n
from desktop.state.notices import Notices
from desktop.workers.download_gate import DownloadGate
from desktop.workers.generation_worker import StepUpdate, WorkerHost

DONE = "Done."
CANCELLED = "Cancelled."
NOT_STARTED = "Not started."
DECLINED = "Not started: the download was declined."
FAILED = "Failed"
STARTING = "Starting…"
TICK_MS = 1000


class JobsModel(QObject):
    running_changed = Signal(bool)
    progress_changed = Signal(str, int, int)  # text, done, total (total 0: busy, no measure)
    preview_changed = Signal(object)  # a PIL image of the image being made, None when none
    job_started = Signal(object)  # Job
    image_saved = Signal(object, object, object)  # Job, GalleryItem, PIL image
    job_ended = Signal(object, str)  # Job, DONE / CANCELLED / FAILED / NOT_STARTED / DECLINED

    def __init__(self, host: WorkerHost, gate: DownloadGate, notices: Notices) -> None:
        super().__init__()
        self.host, self.gate, self.notices = host, gate, notices
        self.jobs: dict[int, Job] = {}  # submitted and not ended
        self.current: Job | None = None
        self.status = "Ready"
        self._running = False
        self._loading = ""  # the model the engine is loading, '' when none
        self._since = 0.0  # when the job (or the model load it waits for) began: the clock counts from here
        self._steps_since = 0.0  # when the steps began (after any load): the time left is measured from here
        self._done_before = 0  # the steps done before _steps_since (a server job that reconnected)
        self._phase = ""  # what the job does before its first step
        self._step: tuple[str, int, int, float] | None = None  # the last step: text, done, total, when it ends all
        self._cancelling = False
        self._clock = QTimer(self)
        self._clock.setInterval(TICK_MS)
        self._clock.timeout.connect(self._show)
        # Bound slots only: PySide6 runs a lambda connected to a worker signal in the worker thread.
        worker = host.worker
        worker.jobStarted.connect(self._started)
        worker.jobProgress.connect(self._progress)
        worker.jobWarning.connect(self._warning)
        worker.imageSaved.connect(self._saved)
        worker.jobFinished.connect(self._finished)
        worker.jobFailed.connect(self._failed)
        worker.jobCancelled.connect(self._cancelled)
        worker.modelLoading.connect(self._model_loading)
        worker.modelReady.connect(self._model_ready)
        worker.modelFailed.connect(self._model_failed)
        gate.jobReady.connect(self._ready)
        gate.jobWaiting.connect(self._waiting)
        gate.jobDropped.connect(self._dropped)
        gate.jobDeclined.connect(self._declined)

    @property
    def running(self) -> bool:
        """A job is running, queued, or waiting for its model."""
        return bool(self.jobs)

    def submit(self, job: Job) -> None:
        """Run ``job`` once its models are on this computer (asking before any download)."""
        self.notices.clear(n.JOB, n.INPUT, n.SETTINGS, n.FILES)
        self.jobs[job.id] = job
        self._update_running()
        self.gate.submit(job)

    def cancel(self) -> None:
        """Stop the running job within one step and drop the queued and waiting ones."""
        self.gate.cancel_all()
        if self.host.pending:
            self.host.cancel_all()
            self._cancelling = True
            self._show()

    def _report(self, text: str, done: int, total: int) -> None:
        self.status = text
        self.progress_changed.emit(text, done, total)

    @Slot()
    def _show(self) -> None:
        """What the running job is doing, with its clock (every second, and at each change)."""
        now = time.monotonic()
        clock = f" · {format_duration(now - self._since)} elapsed" if self._since else ""  # none before a start
        done, total = (self._step[1], self._step[2]) if self._step else (0, 0)
        if self._cancelling:
            what = "Cancelling once the model has loaded…" if self._loading else "Cancelling after this step…"
            self._report(f"{what}{clock}", done, total)
        elif self._step is not None:
            text, done, total, ends_at = self._step
            left = f" · {format_duration(max(ends_at - now, 0))} left" if done else ""
            self._report(f"{text}{clock}{left}", done, total)
        else:
            self._report(f"{self._phase}{clock}", 0, 0)

    def _clock_from(self, since: float, phase: str) -> None:
        self._since, self._steps_since, self._phase, self._step = since, since, phase, None
        self._done_before = 0
        self._clock.start()
        self._show()

    def _update_running(self) -> None:
        if self._running != self.running:
            self._running = self.running
            self.running_changed.emit(self._running)

    def _end(self, job_id: int, status: str, error: str = "") -> None:
        job = self.jobs.pop(job_id, None)
        if error:
            self.notices.set(n.JOB, error, n.ERROR)
        if job is self.current:
            self.current = None
            self.preview_changed.emit(None)
            self._clock.stop()
        if not self.running:
            self._cancelling, self._since, self._step = False, 0.0, None
            self._clock.stop()
            self._report(status, 1 if status == DONE else 0, 1)
        self._update_running()
        if job is not None:
            self.job_ended.emit(job, status)

    # -- gate ------------------------------------------------------------------------------------

    @Slot(object)
    def _ready(self, job: Job) -> None:
        self.host.submit(job)
        queued = len(self.host.pending) - 1
        if queued:
            self._report(f"{queued} job(s) waiting…", 0, 0)
        elif self._loading and self.current is None:  # a model chosen earlier is still loading
            self._clock_from(time.monotonic(), self._loading_phase())

    @Slot(object, str)
    def _waiting(self, job: Job, text: str) -> None:
        self._report(text, 0, 0)

    @Slot(object, str)
    def _dropped(self, job: Job, why: str) -> None:
        self._end(job.id, NOT_STARTED, why)

    @Slot(object)
    def _declined(self, job: Job) -> None:
        self._end(job.id, DECLINED)

    # -- worker ----------------------------------------------------------------------------------

    def _loading_phase(self) -> str:
        return f"Loading {Path(self._loading).name or self._loading}…"

    @Slot(str)
    def _model_loading(self, model: str) -> None:
        self._loading = model
        if self.current is not None:  # its own model: the clock goes on from the job's start
            self._clock_from(self._since, self._loading_phase())
        elif self.host.pending:  # a model chosen earlier, which the job handed to the worker waits for
            self._clock_from(time.monotonic(), self._loading_phase())

    @Slot(str)
    def _model_ready(self, _model: str) -> None:
        self._loading = ""
        if self.current is not None and self._step is None:
            self._phase, self._steps_since, self._done_before = STARTING, time.monotonic(), 0
            self._show()

    @Slot(str, str)
    def _model_failed(self, model: str, _message: str) -> None:
        self._model_ready(model)

    @Slot(int)
    def _started(self, job_id: int) -> None:
        self.current = self.jobs.get(job_id)
        if not self._loading:
            self._clock_from(time.monotonic(), STARTING)
        if self.current is not None:
            self.job_started.emit(self.current)

    @Slot(int, object)
    def _progress(self, job_id: int, update: StepUpdate) -> None:
        if update.status:  # waiting in a server's queue, or reconnecting: no step to count yet
            done_so_far = self._step[1] if self._step else 0
            self._step, self._phase = None, update.status
            # The time left is measured from the steps after the wait, not over it
            self._steps_since, self._done_before = time.monotonic(), done_so_far
            self._show()
            return
        total = update.total * update.image_count
        done = update.image_index * update.total + update.step
        now = time.monotonic()
        counted = done - self._done_before
        ends_at = now + (now - self._steps_since) / counted * (total - done) if counted > 0 else now
        image_text = f"image {update.image_index + 1}/{update.image_count} · " if update.image_count > 1 else ""
        self._step = (f"{image_text}step {update.step}/{update.total}", done, total, ends_at)
        self._show()
        if update.preview is not None:
            self.preview_changed.emit(update.preview)

    @Slot(int, str)
    def _warning(self, job_id: int, text: str) -> None:
        self.notices.set(n.JOB, text, n.WARNING)

    @Slot(int, object, object)
    def _saved(self, job_id: int, item, image) -> None:
        job = self.jobs.get(job_id)
        if job is not None:
            self.image_saved.emit(job, item, image)

    @Slot(int)
    def _finished(self, job_id: int) -> None:
        self._end(job_id, DONE)

    @Slot(int, str)
    def _failed(self, job_id: int, message: str) -> None:
        self._end(job_id, FAILED, message)

    @Slot(int)
    def _cancelled(self, job_id: int) -> None:
        self._end(job_id, CANCELLED)
