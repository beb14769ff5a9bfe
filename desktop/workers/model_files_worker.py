"""The workers for model files: one thread lists models and answers "is this model on this
computer?", another downloads, so that a multi-gigabyte download never holds up generation, a
check never waits behind a download or a generation, and a slow disk scan never freezes the window.

Downloads run one at a time in the order asked, through ``desktop.models.downloads`` (the CLI
uses the same function). Each has a ``threading.Event`` that the GUI thread sets to cancel it;
the files that finished stay in the Hugging Face cache and the next download of the same model
fetches only the rest. Every download ends with exactly one of downloadFinished, downloadFailed
or downloadCancelled.
"""

from __future__ import annotations

import sys
import threading
import traceback

from PySide6.QtCore import QObject, Signal, Slot

from desktop.errors import DownloadCancelled, LogoStudioError
from desktop.models.library import ModelLibrary
from desktop.workers.thread_host import ThreadHost


class ModelFilesWorker(QObject):
    """Lists the models and checks whether one is on this computer (file-system work only)."""

    modelsListed = Signal(object)  # a list of engine.library.ModelEntry (object: passed as is, not as a QVariantList)
    modelChecked = Signal(str, bool)  # model reference, on this computer
    modelDeleted = Signal(str, object)  # repo id, bytes freed
    deleteFailed = Signal(str, str)

    def __init__(self, library: ModelLibrary) -> None:
        super().__init__()
        self.library = library

    @Slot()
    def listModels(self) -> None:
        self.modelsListed.emit(self.library.entries())

    @Slot(str)
    def checkModel(self, model: str) -> None:
        """Report whether ``model`` is on this computer (no download, no loading)."""
        from desktop.models.references import is_available_locally

        self.modelChecked.emit(model, is_available_locally(model))

    @Slot(str)
    def deleteModel(self, repo_id: str) -> None:
        """Delete hub model ``repo_id``'s files from the Hugging Face cache."""
        from desktop.models.downloads import delete_cached_model

        try:
            freed = delete_cached_model(repo_id)
        except LogoStudioError as error:
            self.deleteFailed.emit(repo_id, error.message)
        else:
            self.modelDeleted.emit(repo_id, freed)
            self.modelChecked.emit(repo_id, False)
        self.listModels()


class DownloadWorker(QObject):
    """Downloads hub models into the Hugging Face cache, one at a time."""

    downloadStarted = Signal(str)
    downloadProgress = Signal(str, object, object)  # repo id, bytes done, bytes total (may pass 2 GiB)
    downloadFinished = Signal(str)
    downloadFailed = Signal(str, str)
    downloadCancelled = Signal(str)

    def __init__(self, library: ModelLibrary) -> None:
        super().__init__()
        self.library = library
        self.cancels: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def cancel_event(self, repo_id: str) -> threading.Event:
        with self._lock:
            return self.cancels.setdefault(repo_id, threading.Event())

    @Slot(str)
    def download(self, repo_id: str) -> None:
        from desktop.models.assets import is_hub_asset
        from desktop.models.downloads import download_hub_asset, download_hub_model

        fetch = download_hub_asset if is_hub_asset(repo_id) else download_hub_model  # a LoRA or tiny decoder

        cancel = self.cancel_event(repo_id)
        try:
            if cancel.is_set():
                raise DownloadCancelled("Cancelled before it started.")
            self.library.download_started(repo_id)
            self.downloadStarted.emit(repo_id)
            fetch(repo_id, lambda done, total: self.downloadProgress.emit(repo_id, done, total), cancel)
            self.library.download_finished(repo_id)
        except DownloadCancelled:
            self.library.download_stopped(repo_id)
            self.downloadCancelled.emit(repo_id)
        except LogoStudioError as error:
            self.library.download_stopped(repo_id)
            self.downloadFailed.emit(repo_id, error.message)
        except Exception as error:  # noqa: BLE001 - the window shows a message, the log keeps the trace
            traceback.print_exc(file=sys.stderr)
            self.downloadFailed.emit(repo_id, f"Unexpected error while downloading {repo_id}: {error}")
        else:
            self.downloadFinished.emit(repo_id)
        finally:
            with self._lock:
                self.cancels.pop(repo_id, None)


class ModelFilesHost(ThreadHost):
    """Owns the files worker's thread (lists, checks) and the download thread."""

    requestList = Signal()
    requestDownload = Signal(str)
    checkModel = Signal(str)
    deleteModel = Signal(str)

    def __init__(self, library: ModelLibrary) -> None:
        super().__init__(ModelFilesWorker(library), "model-files-worker")
        self.library = library
        self.downloads = ThreadHost(DownloadWorker(library), "download-worker")
        self.downloader: DownloadWorker = self.downloads.worker
        self.requestList.connect(self.worker.listModels)
        self.checkModel.connect(self.worker.checkModel)
        self.deleteModel.connect(self.worker.deleteModel)
        self.requestDownload.connect(self.downloader.download)
        self.downloading: set[str] = set()  # asked for and not ended yet (GUI thread only)
        self.downloader.downloadFinished.connect(self._ended)
        self.downloader.downloadCancelled.connect(self._ended)
        self.downloader.downloadFailed.connect(self._failed)

    @property
    def hosts(self) -> list[ThreadHost]:
        """Both threads, for shutting them down together."""
        return [self, self.downloads]

    @Slot()
    def start(self) -> None:
        super().start()
        self.downloads.start()

    def download(self, repo_id: str) -> None:
        """Queue a download of hub model ``repo_id`` (nothing happens if it is already queued)."""
        if repo_id in self.downloading:
            return
        self.downloading.add(repo_id)
        self.downloader.cancel_event(repo_id).clear()
        self.requestDownload.emit(repo_id)

    def cancel(self, repo_id: str) -> None:
        """Stop the download of ``repo_id`` within one chunk (thread-safe flag)."""
        if repo_id in self.downloading:
            self.downloader.cancel_event(repo_id).set()

    def cancel_all(self) -> None:
        for repo_id in list(self.downloading):
            self.cancel(repo_id)

    @Slot(str)
    def _ended(self, repo_id: str) -> None:
        self.downloading.discard(repo_id)
        self.requestList.emit()

    @Slot(str, str)
    def _failed(self, repo_id: str, _message: str) -> None:
        self._ended(repo_id)
