"""The worker that lists models and downloads them, on its own thread, so that a multi-gigabyte
download never holds up generation and a slow disk scan never freezes the window.

Downloads run one at a time in the order asked. Each has a ``threading.Event`` that the GUI
thread sets to cancel it; the partial file stays in the Hugging Face cache and the next download
of the same model resumes it. Every download ends with exactly one of downloadFinished,
downloadFailed or downloadCancelled.
"""

from __future__ import annotations

import sys
import threading
import traceback

from PySide6.QtCore import QObject, Signal, Slot

from desktop.engine.library import ModelLibrary
from desktop.errors import GenerationCancelled, LogoStudioError
from desktop.workers.thread_host import ThreadHost


class ModelFilesWorker(QObject):
    modelsListed = Signal(list)  # engine.library.ModelEntry items
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

    @Slot()
    def listModels(self) -> None:
        self.modelsListed.emit(self.library.entries())

    @Slot(str)
    def download(self, repo_id: str) -> None:
        from desktop.engine.models import download_hub_model

        cancel = self.cancel_event(repo_id)
        try:
            if cancel.is_set():
                raise GenerationCancelled("Cancelled before it started.")
            self.library.download_started(repo_id)
            self.downloadStarted.emit(repo_id)

            def on_download(done: int, total: int) -> None:
                if cancel.is_set():
                    raise GenerationCancelled("The download was cancelled; it resumes where it stopped next time.")
                self.downloadProgress.emit(repo_id, done, total)

            download_hub_model(repo_id, on_download)
            self.library.download_finished(repo_id)
        except GenerationCancelled:
            self.downloadCancelled.emit(repo_id)
        except LogoStudioError as error:
            self.downloadFailed.emit(repo_id, error.message)
        except Exception as error:  # noqa: BLE001 - the window shows a message, the log keeps the trace
            traceback.print_exc(file=sys.stderr)
            self.downloadFailed.emit(repo_id, f"Unexpected error while downloading {repo_id}: {error}")
        else:
            self.downloadFinished.emit(repo_id)
        finally:
            with self._lock:
                self.cancels.pop(repo_id, None)
        self.listModels()


class ModelFilesHost(ThreadHost):
    """Owns the model files worker's thread: list requests and downloads are queued onto it."""

    requestList = Signal()
    requestDownload = Signal(str)

    def __init__(self, library: ModelLibrary) -> None:
        super().__init__(ModelFilesWorker(library), "model-files-worker")
        self.library = library
        self.requestList.connect(self.worker.listModels)
        self.requestDownload.connect(self.worker.download)
        self.downloading: set[str] = set()  # asked for and not ended yet (GUI thread only)
        self.worker.downloadFinished.connect(self._ended)
        self.worker.downloadCancelled.connect(self._ended)
        self.worker.downloadFailed.connect(self._failed)

    def download(self, repo_id: str) -> None:
        """Queue a download of hub model ``repo_id`` (nothing happens if it is already queued)."""
        if repo_id in self.downloading:
            return
        self.downloading.add(repo_id)
        self.worker.cancel_event(repo_id).clear()
        self.requestDownload.emit(repo_id)

    def cancel(self, repo_id: str) -> None:
        """Stop the download of ``repo_id`` within one chunk (thread-safe flag)."""
        if repo_id in self.downloading:
            self.worker.cancel_event(repo_id).set()

    def cancel_all(self) -> None:
        for repo_id in list(self.downloading):
            self.cancel(repo_id)

    @Slot(str)
    def _ended(self, repo_id: str) -> None:
        self.downloading.discard(repo_id)

    @Slot(str, str)
    def _failed(self, repo_id: str, _message: str) -> None:
        self.downloading.discard(repo_id)
