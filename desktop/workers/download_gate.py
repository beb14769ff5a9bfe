"""Jobs wait at this gate until their models are on this computer.

A job whose models are known to be here goes straight on. For a hub model not checked yet, the
files worker is asked (never a file-system look on the GUI thread); what is missing is downloaded
once the user agrees (``confirm_downloads``: the same question, sizes, licences and disk-space
check as the CLI, one question for everything the job needs), one download after the other, and
the job goes on when they have all finished. A refusal, a full disk, a failed or cancelled download
ends the job at once with the reason; the downloads it was still to start are not started.
Lives on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

from desktop.errors import NotEnoughDiskSpace
from desktop.jobs import Job
from desktop.models.assets import is_hub_asset
from desktop.models.catalog import DownloadPlan, confirm_downloads
from desktop.models.references import is_hub_id
from desktop.workers.model_files_worker import ModelFilesHost


class DownloadGate(QObject):
    jobReady = Signal(object)  # Job: its models are on this computer
    jobWaiting = Signal(object, str)  # Job, what it waits for
    jobDropped = Signal(object, str)  # Job, why ('' when cancelled)
    jobDeclined = Signal(object)  # Job: the user said no to its downloads

    def __init__(self, files: ModelFilesHost, ask: Callable[[DownloadPlan], bool]) -> None:
        super().__init__()
        self.files = files
        self.ask = ask
        self.available: dict[str, bool] = {}  # model reference -> on this computer (as last checked)
        self.waiting: list[Job] = []
        self._agreed: set[str] = set()  # downloads the user agreed to that are not started yet
        self._checking: set[str] = set()
        self._advancing = False
        self._again = False
        files.worker.modelChecked.connect(self._checked)
        files.downloader.downloadFinished.connect(self._downloaded)
        files.downloader.downloadFailed.connect(self._download_failed)
        files.downloader.downloadCancelled.connect(self._download_cancelled)

    def submit(self, job: Job) -> None:
        """Let ``job`` through as soon as its models are here (asking to download them if needed)."""
        self.waiting.append(job)
        self._advance()

    def check(self, model: str) -> None:
        """Ask the files worker whether ``model`` is on this computer (once at a time)."""
        if model and model not in self._checking:
            self._checking.add(model)
            self.files.checkModel.emit(model)

    def cancel_all(self) -> None:
        """Drop every waiting job and stop the downloads they wait for."""
        for job in list(self.waiting):
            for ref in job.models():
                self.files.cancel(ref)
            self._drop(job, "")

    def _advance(self) -> None:
        if self._advancing:  # a question is open (it runs an event loop): go round again after it
            self._again = True
            return
        self._advancing = True
        try:
            self._again = True
            while self._again:
                self._again = False
                for job in list(self.waiting):
                    if job in self.waiting:
                        self._advance_job(job)
        finally:
            self._advancing = False

    def _advance_job(self, job: Job) -> None:
        if job.cancel.is_set():
            return self._drop(job, "")
        hub_models = [ref for ref in job.models() if is_hub_id(ref) or is_hub_asset(ref)]
        unknown = [ref for ref in hub_models if ref not in self.available]
        for ref in unknown:
            self.check(ref)
        if unknown:
            return None
        missing = [ref for ref in hub_models if not self.available[ref]]
        if not missing:
            self.waiting.remove(job)
            return self.jobReady.emit(job)
        to_ask = [ref for ref in missing if ref not in self.files.downloading and ref not in self._agreed]
        if to_ask:
            try:
                agreed = confirm_downloads(to_ask, self.ask)
            except NotEnoughDiskSpace as error:
                return self._drop(job, error.message)
            if job not in self.waiting:  # cancelled, or a download it waited for failed, while asking
                return None
            if not agreed:
                self.waiting.remove(job)
                return self.jobDeclined.emit(job)
            self._agreed.update(to_ask)
        if not any(ref in self.files.downloading for ref in missing):  # one at a time: a failure ends it
            first = next(ref for ref in missing if ref in self._agreed)
            self._agreed.discard(first)
            self.files.download(first)
        self.jobWaiting.emit(job, f"Waiting for the download of {', '.join(missing)}…")
        return None

    def _drop(self, job: Job, why: str) -> None:
        if job in self.waiting:
            self.waiting.remove(job)
            self._agreed -= set(job.models()) - {ref for other in self.waiting for ref in other.models()}
            self.jobDropped.emit(job, why)

    def _drop_waiting_for(self, repo_id: str, why: str) -> None:
        for job in [job for job in self.waiting if repo_id in job.models()]:
            self._drop(job, why)

    @Slot(str, bool)
    def _checked(self, model: str, available: bool) -> None:
        self._checking.discard(model)
        self.available[model] = available
        self._advance()

    @Slot(str)
    def _downloaded(self, repo_id: str) -> None:
        self.available[repo_id] = True
        self._advance()

    @Slot(str, str)
    def _download_failed(self, repo_id: str, message: str) -> None:
        self._drop_waiting_for(repo_id, message)

    @Slot(str)
    def _download_cancelled(self, repo_id: str) -> None:
        self._drop_waiting_for(repo_id, "")
