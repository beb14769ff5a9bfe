"""The job queue as the window sees it: what is running or waiting, its progress and live preview,
the images it saved, and how it ended. Jobs go through the download gate (their models must be
on this computer) to the generation worker; cancel is the jobs' thread-safe flags."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Signal, Slot

from desktop.engine.catalog import format_duration
from desktop.jobs import Job
from desktop.state import notices as n
from desktop.state.notices import Notices
from desktop.workers.download_gate import DownloadGate
from desktop.workers.generation_worker import StepUpdate, WorkerHost

DONE = "Done."
CANCELLED = "Cancelled."
NOT_STARTED = "Not started."
FAILED = "Failed"


class JobsModel(QObject):
    running_changed = Signal(bool)
    progress_changed = Signal(str, int, int)  # text, done, total (total 0: busy, no measure)
    preview_changed = Signal(object)  # a PIL image of the image being made, None when none
    job_started = Signal(object)  # Job
    image_saved = Signal(object, object, object)  # Job, GalleryItem, PIL image
    job_ended = Signal(object, str)  # Job, DONE / CANCELLED / FAILED / NOT_STARTED

    def __init__(self, host: WorkerHost, gate: DownloadGate, notices: Notices) -> None:
        super().__init__()
        self.host, self.gate, self.notices = host, gate, notices
        self.jobs: dict[int, Job] = {}  # submitted and not ended
        self.current: Job | None = None
        self.status = "Ready"
        self._started_at = 0.0
        self._running = False
        # Bound slots only: PySide6 runs a lambda connected to a worker signal in the worker thread.
        worker = host.worker
        worker.jobStarted.connect(self._started)
        worker.jobProgress.connect(self._progress)
        worker.jobWarning.connect(self._warning)
        worker.imageSaved.connect(self._saved)
        worker.jobFinished.connect(self._finished)
        worker.jobFailed.connect(self._failed)
        worker.jobCancelled.connect(self._cancelled)
        gate.jobReady.connect(self._ready)
        gate.jobWaiting.connect(self._waiting)
        gate.jobDropped.connect(self._dropped)

    @property
    def running(self) -> bool:
        """A job is running, queued, or waiting for its model."""
        return bool(self.jobs)

    def submit(self, job: Job) -> None:
        """Run ``job`` once its models are on this computer (asking before any download)."""
        self.notices.clear(n.JOB, n.INPUT)
        self.jobs[job.id] = job
        self._update_running()
        self.gate.submit(job)

    def cancel(self) -> None:
        """Stop the running job within one step and drop the queued and waiting ones."""
        self.gate.cancel_all()
        if self.host.pending:
            self.host.cancel_all()
            self._report("Cancelling…", 0, 1)

    def _report(self, text: str, done: int, total: int) -> None:
        self.status = text
        self.progress_changed.emit(text, done, total)

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
        if not self.running:
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

    @Slot(object, str)
    def _waiting(self, job: Job, text: str) -> None:
        self._report(text, 0, 0)

    @Slot(object, str)
    def _dropped(self, job: Job, why: str) -> None:
        self._end(job.id, NOT_STARTED, why)

    # -- worker ----------------------------------------------------------------------------------

    @Slot(int)
    def _started(self, job_id: int) -> None:
        self.current = self.jobs.get(job_id)
        self._started_at = time.monotonic()
        self._report("Starting…", 0, 1)
        if self.current is not None:
            self.job_started.emit(self.current)

    @Slot(int, object)
    def _progress(self, job_id: int, update: StepUpdate) -> None:
        total = update.total * update.image_count
        done = update.image_index * update.total + update.step
        elapsed = time.monotonic() - self._started_at
        remaining = elapsed / done * (total - done) if done else 0
        image_text = f"image {update.image_index + 1}/{update.image_count} · " if update.image_count > 1 else ""
        self._report(
            f"{image_text}step {update.step}/{update.total} · {format_duration(elapsed)} elapsed · "
            f"{format_duration(remaining)} left",
            done,
            total,
        )
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
